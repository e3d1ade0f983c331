"""Reads for e-supervision (电子监察): the supervisor's remit, the dashboard's counts and queues,
the weekly charts and the compliance records per agency and per officer (law.md §4; Arts. 72, 74).

Every read is a fixed number of SQL queries whatever the number of applications: warning counts
are aggregated over the indexed clock columns (``clock_kind_state_due``,
``clock_kind_state_yellow``) with ``today`` as a parameter, the charts read the weekly statistics
the sweep keeps (``SupervisionWeeklyStat``), and nothing loops over cases in Python except the
page of rows shown. The definitions (yellow, red, met, missed, on-time rate) are those of
``licensing.rules.compliance``.

**Remit** (who a supervisor supervises) — kept deliberately simple:

* an administrator sees every agency;
* a supervisor sees their own agency and every agency below it (``Agency.parent``, any depth);
* a supervisor whose agency has no parent and is marked as a supervisory office
  (``SupervisoryOffice``) sees every agency;
* anyone else has no supervisory remit (``None``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from licensing.calendar import calendar_for_region
from licensing.choices import BAD_RATING_LEVELS, ClockKind, ClockState, Role
from licensing.models import (
    Agency,
    Application,
    Clock,
    LicenceItem,
    Rating,
    Rectification,
    SupervisionCase,
    SupervisionCaseStatus,
    SupervisionWarning,
    SupervisionWeeklyStat,
    User,
    WarningLevel,
)
from licensing.rules.compliance import OFFICER_CLOCKS, OnTimeRate, weeks_ending
from licensing.rules.working_days import working_days_between
from licensing.services.clocks import SHANGHAI

__all__ = [
    "DASHBOARD_CLOCKS",
    "Remit",
    "Scope",
    "compliance_report",
    "dashboard_level_counts",
    "dashboard_warnings",
    "overdue_clocks",
    "rectifications_filtered",
    "rectifications_visible_to",
    "supervision_cases_visible_to",
    "supervision_remit",
    "warnings_visible_to",
    "weekly_series",
]

DASHBOARD_CLOCKS = (ClockKind.C1, ClockKind.C2, ClockKind.C2_PROMISED, ClockKind.C6, ClockKind.C8)
"""The clocks the dashboard counts, in the order shown (law.md §2a)."""

CASE_ROLES = (Role.HEAD, Role.CLERK, Role.EXAMINER, Role.HEARING_OFFICER)
"""Agency staff who may read and answer their own agency's supervision cases."""


# --- remit ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remit:
    """The agencies a supervisor or administrator may read: all of them, or ``agency_ids``."""

    all: bool
    agency_ids: frozenset[int] = frozenset()

    def covers(self, agency_id: int | None) -> bool:
        return self.all or agency_id in self.agency_ids

    def filter(self, queryset: QuerySet, lookup: str = "agency_id") -> QuerySet:
        """``queryset`` restricted to the remit through ``lookup`` (a path to an agency id)."""
        if self.all:
            return queryset
        return queryset.filter(**{f"{lookup}__in": sorted(self.agency_ids)})


def _subtree(root: int, edges: list[tuple[int, int | None]]) -> frozenset[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent in edges:
        children[parent].append(pk)
    seen, stack = {root}, [root]
    while stack:
        for child in children[stack.pop()]:
            if child not in seen:  # a cycle in bad data must not loop for ever
                seen.add(child)
                stack.append(child)
    return frozenset(seen)


def supervision_remit(user) -> Remit | None:
    """The supervisory remit of ``user`` (module docstring), or ``None`` if they have none.
    One query for a supervisor (the agency tree with the supervisory-office marks), none else."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if user.has_role(Role.ADMINISTRATOR):
        return Remit(all=True)
    if not user.has_role(Role.SUPERVISOR) or not user.agency_id:
        return None
    rows = list(Agency.objects.values_list("id", "parent_id", "supervisory_office__id"))
    own = next((row for row in rows if row[0] == user.agency_id), None)
    if own is None:
        return Remit(all=False)
    if own[1] is None and own[2] is not None:
        return Remit(all=True)
    return Remit(all=False, agency_ids=_subtree(user.agency_id, [(pk, parent) for pk, parent, _ in rows]))


def supervisors_covering(agency_id: int) -> list[User]:
    """Active supervisors whose remit covers ``agency_id``: two queries (the supervisors, the
    agency tree), whatever their number."""
    supervisors = list(
        User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR, agency__isnull=False).distinct()
    )
    if not supervisors:
        return []
    rows = list(Agency.objects.values_list("id", "parent_id", "supervisory_office__id"))
    parent = {pk: parent_id for pk, parent_id, _ in rows}
    office_roots = {pk for pk, parent_id, office in rows if parent_id is None and office is not None}
    ancestors, node, hops = set(), agency_id, 0
    while node is not None and node not in ancestors and hops < 1000:
        ancestors.add(node)
        node, hops = parent.get(node), hops + 1
    return [s for s in supervisors if s.agency_id in ancestors or s.agency_id in office_roots]


def is_case_staff(user, agency_id: int) -> bool:
    """An officer (head, clerk, examiner, hearing officer) of ``agency_id``."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.agency_id == agency_id
        and any(user.has_role(role) for role in CASE_ROLES)
    )


def remit_or_own_agency(user, rows: QuerySet) -> QuerySet:
    """``rows`` (with an ``agency``) that ``user`` may read: those in their remit (supervisors,
    administrators), their own agency's (its officers), none for anyone else."""
    remit = supervision_remit(user)
    if remit is not None:
        return remit.filter(rows)
    if user and user.is_authenticated and user.agency_id and is_case_staff(user, user.agency_id):
        return rows.filter(agency_id=user.agency_id)
    return rows.none()


def supervision_cases_visible_to(user) -> QuerySet[SupervisionCase]:
    """Supervision cases ``user`` may read (:func:`remit_or_own_agency`)."""
    return remit_or_own_agency(
        user,
        SupervisionCase.objects.select_related(
            "application", "application__item", "application__examiner", "agency", "warning", "responded_by",
            "closed_by",
        ),
    )


def warnings_visible_to(user) -> QuerySet[SupervisionWarning]:
    """Warning cards in ``user``'s remit (supervisors, administrators); none for anyone else."""
    remit = supervision_remit(user)
    warnings = SupervisionWarning.objects.select_related("application", "agency", "officer", "application__item")
    return warnings.none() if remit is None else remit.filter(warnings)


def rectifications_visible_to(user) -> QuerySet[Rectification]:
    """Rectifications after bad ratings (好差评, law.md §4) that ``user`` may read
    (:func:`remit_or_own_agency`)."""
    return remit_or_own_agency(
        user, Rectification.objects.select_related("application", "agency", "rating", "contacted_by", "rectified_by")
    )


RECTIFICATION_STATUSES = ("open", "late", "done")
"""``open``: not yet rectified; ``late``: contact or rectification past its due date and not done;
``done``: rectified."""


def rectifications_filtered(
    rows: QuerySet[Rectification], *, today: date, status: str = "", agency: str = ""
) -> QuerySet[Rectification]:
    """``rows`` narrowed to a status of ``RECTIFICATION_STATUSES`` and an agency code (empty: no
    filter), open ones first by their rectification deadline."""
    filters = {
        "open": Q(rectified_at__isnull=True),
        "late": Q(rectified_at__isnull=True, rectify_due_on__lt=today)
        | Q(contacted_at__isnull=True, contact_due_on__lt=today),
        "done": Q(rectified_at__isnull=False),
    }
    if status in filters:
        rows = rows.filter(filters[status])
    if agency:
        rows = rows.filter(agency__code=agency)
    return rows.order_by(F("rectified_at").asc(nulls_first=True), "rectify_due_on", "pk")


# --- scope of a dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A drill-down: one agency, one item, one officer (the examiner), or any combination."""

    agency: Agency | None = None
    item: LicenceItem | None = None
    officer: User | None = None

    def apply(self, queryset: QuerySet, prefix: str = "application__", officer: str = "examiner") -> QuerySet:
        if self.agency is not None:
            queryset = queryset.filter(**{f"{prefix}agency_id": self.agency.pk})
        if self.item is not None:
            queryset = queryset.filter(**{f"{prefix}item_id": self.item.pk})
        if self.officer is not None:
            queryset = queryset.filter(**{f"{prefix}{officer}_id": self.officer.pk})
        return queryset

    @property
    def empty(self) -> bool:
        return self.agency is None and self.item is None and self.officer is None


def _yellow(today: date) -> Q:
    return Q(yellow_from__lte=today, due_on__gte=today)


def _red(today: date) -> Q:
    return Q(due_on__lt=today)


def _warning_clocks(remit: Remit, scope: Scope, today: date) -> QuerySet[Clock]:
    """Running clocks in their yellow or red zone on ``today``, in the remit and scope: rows the
    partial index of running clocks (``clock_running_kind``) holds with everything the counts
    need, so PostgreSQL answers from the index alone (count ``kind``, which it holds, not the
    primary key, which it does not)."""
    clocks = Clock.objects.filter(kind__in=DASHBOARD_CLOCKS, state=ClockState.RUNNING).filter(
        Q(yellow_from__lte=today) | Q(due_on__lt=today)
    )
    return scope.apply(remit.filter(clocks, "application__agency_id"))


def dashboard_level_counts(*, remit: Remit, scope: Scope, today: date) -> dict[str, dict[str, int]]:
    """``{kind: {"yellow": n, "red": n}}`` for every dashboard clock, in one query."""
    rows = (
        _warning_clocks(remit, scope, today)
        .values("kind")
        .annotate(yellow=Count("kind", filter=_yellow(today)), red=Count("kind", filter=_red(today)))
        .order_by()
    )
    counts = {str(kind): {"yellow": 0, "red": 0} for kind in DASHBOARD_CLOCKS}
    for row in rows:
        counts[row["kind"]] = {"yellow": row["yellow"], "red": row["red"]}
    return counts


@dataclass
class DashboardWarnings:
    """The dashboard's warning figures: per clock, and the worst agencies, items and officers."""

    counts: dict[str, dict[str, int]]
    by_agency: list[dict]
    by_item: list[dict]
    by_officer: list[dict]


def _top(groups: dict[int, dict[str, int]], names: dict[int, tuple[str, str]], limit: int) -> list[dict]:
    rows = [
        {"id": pk, "code": names.get(pk, ("", ""))[0], "name": names.get(pk, ("", ""))[1], **figures}
        for pk, figures in groups.items()
        if figures["yellow"] or figures["red"]
    ]
    rows.sort(key=lambda r: (-r["red"], -r["yellow"], r["code"]))
    return rows[:limit]


def dashboard_warnings(*, remit: Remit, scope: Scope, today: date, limit: int = 25) -> DashboardWarnings:
    """Yellow and red counts per clock and the ``limit`` agencies, items and officers (examiners)
    with the most red, then yellow, clocks — from **one** grouped query over the warning clocks
    joined to their applications (the groups are bounded by the catalogue and the staff, not by
    the number of cases), then three look-ups of the names by primary key. Clocks with no
    examiner count for their agency and item only."""
    rows = list(
        _warning_clocks(remit, scope, today)
        .values("kind", "application__agency_id", "application__item_id", "application__examiner_id")
        .annotate(yellow=Count("kind", filter=_yellow(today)), red=Count("kind", filter=_red(today)))
        .order_by()
    )
    counts = {str(kind): {"yellow": 0, "red": 0} for kind in DASHBOARD_CLOCKS}
    groups: dict[str, dict[int, dict[str, int]]] = {"agency": {}, "item": {}, "officer": {}}
    for row in rows:
        for key, pk in (
            ("agency", row["application__agency_id"]),
            ("item", row["application__item_id"]),
            ("officer", row["application__examiner_id"]),
        ):
            if pk is None:
                continue
            figures = groups[key].setdefault(pk, {"yellow": 0, "red": 0})
            figures["yellow"] += row["yellow"]
            figures["red"] += row["red"]
        figures = counts.setdefault(row["kind"], {"yellow": 0, "red": 0})
        figures["yellow"] += row["yellow"]
        figures["red"] += row["red"]
    agencies = {pk: (code, name) for pk, code, name in
                Agency.objects.filter(pk__in=sorted(groups["agency"])).values_list("pk", "code", "name")}
    items = {pk: (code, name) for pk, code, name in
             LicenceItem.objects.filter(pk__in=sorted(groups["item"])).values_list("pk", "code", "name")}
    officers = {pk: (username, staff_number) for pk, username, staff_number in
                User.objects.filter(pk__in=sorted(groups["officer"])).values_list("pk", "username", "staff_number")}
    return DashboardWarnings(
        counts=counts,
        by_agency=_top(groups["agency"], agencies, limit),
        by_item=_top(groups["item"], items, limit),
        by_officer=_top(groups["officer"], officers, limit),
    )


OVERDUE_FIELDS = (
    "kind",
    "state",
    "due_on",
    "yellow_from",
    "application__number",
    "application__status",
    "application__agency__code",
    "application__agency__name",
    "application__agency__region",
    "application__item__code",
    "application__item__name",
    "application__examiner__username",
    "application__examiner__staff_number",
)
"""What the overdue queue shows: no large text or JSON columns are read."""


@dataclass
class OverdueRow:
    clock: Clock
    working_days_late: int


def overdue_clocks(*, remit: Remit, scope: Scope, today: date, limit: int = 25) -> list[OverdueRow]:
    """The longest-overdue running clocks (red), with the working days each is late, counted on
    its agency's calendar (Art. 82). One query, plus one per calendar region on the page."""
    clocks = list(
        scope.apply(
            remit.filter(
                Clock.objects.filter(kind__in=DASHBOARD_CLOCKS, state=ClockState.RUNNING, due_on__lt=today),
                "application__agency_id",
            )
        )
        .select_related("application", "application__agency", "application__item", "application__examiner")
        .only(*OVERDUE_FIELDS)
        .order_by("due_on", "pk")[:limit]
    )
    calendars: dict[str, object] = {}
    rows = []
    for clock in clocks:
        region = clock.application.agency.region
        if region not in calendars:
            calendars[region] = calendar_for_region(region)
        rows.append(OverdueRow(clock, working_days_between(clock.due_on, today, calendars[region])))
    return rows


# --- weekly charts --------------------------------------------------------------------------------


@dataclass
class WeekRow:
    """One week of the charts: outcomes counted in the week and the backlog at its end."""

    week: date
    last_day: date
    met: int = 0
    missed: int = 0
    open_c1: int = 0
    open_c2: int = 0
    overdue_c2: int = 0
    by_kind: dict[str, OnTimeRate] = field(default_factory=dict)

    @property
    def on_time(self) -> OnTimeRate:
        return OnTimeRate(self.met, self.missed)


def weekly_series(*, remit: Remit, scope: Scope, today: date, weeks: int = 12) -> list[WeekRow]:
    """The last ``weeks`` ISO weeks from the weekly statistics, in one query: on-time outcomes
    (all clocks, and per clock) and the backlog of applications awaiting acceptance (C1) and
    awaiting a decision (C2), with the decisions already overdue, at each week's end."""
    spans = weeks_ending(today, weeks)
    stats = scope.apply(
        remit.filter(SupervisionWeeklyStat.objects.filter(week__gte=spans[0][0], week__lte=spans[-1][0])),
        "",
        officer="officer",
    )
    rows = (
        stats.values("week", "clock_kind")
        .annotate(
            met=Sum("met"), missed=Sum("missed"), open=Sum("open_at_end"), overdue=Sum("overdue_at_end")
        )
        .order_by()
    )
    series = {monday: WeekRow(week=monday, last_day=last) for monday, last in spans}
    for row in rows:
        week = series.get(row["week"])
        if week is None:
            continue
        kind = row["clock_kind"]
        week.met += row["met"] or 0
        week.missed += row["missed"] or 0
        week.by_kind[kind] = OnTimeRate(row["met"] or 0, row["missed"] or 0)
        if kind == ClockKind.C1:
            week.open_c1 += row["open"] or 0
        elif kind == ClockKind.C2:
            week.open_c2 += row["open"] or 0
            week.overdue_c2 += row["overdue"] or 0
    return [series[monday] for monday, _ in spans]


# --- compliance records ----------------------------------------------------------------------------


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in Beijing time (receipts count by their Beijing date)."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


@dataclass
class ComplianceRow:
    """One agency's or officer's record for a period (the definitions: ``licensing.rules.compliance``)."""

    key: int
    code: str
    name: str
    agency_code: str = ""
    received: int = 0
    decided: int = 0
    deemed_accepted: int = 0
    overdue_now: int = 0
    red_cards: int = 0
    cases_open: int = 0
    bad_ratings: int = 0
    rectifications_open: int = 0
    rectifications_late: int = 0
    rectified: int = 0
    clocks: dict[str, OnTimeRate] = field(default_factory=dict)

    @property
    def on_time(self) -> OnTimeRate:
        return OnTimeRate(sum(r.met for r in self.clocks.values()), sum(r.missed for r in self.clocks.values()))


@dataclass
class ComplianceReport:
    start: date
    end: date
    today: date
    agencies: list[ComplianceRow]
    officers: list[ComplianceRow]
    overdue: list[OverdueRow]


OutcomeKey = tuple[int, "int | None", str]
"""(agency id, examiner id or None, clock kind)"""


def _outcome_counts(clocks: QuerySet[Clock], start: date, end: date, today: date) -> dict[OutcomeKey, dict[str, int]]:
    """Per agency, examiner and clock kind: outcomes met and missed in ``[start, end]`` and clocks
    overdue on ``today`` — two grouped queries, each over one index range, whatever the number of
    applications: a met clock has ``due_on >= stopped_on >= start`` and a missed one counted in the
    period ``due_on >= start - 1`` (``clock_due_outcome`` holds all they need); an overdue one is
    running with ``due_on < today`` (``clock_running_kind``). The groups are bounded by the staff,
    not by the cases; agencies and officers are summed from them in Python."""
    day_before = start - timedelta(days=1)
    last_missed = min(end, today) - timedelta(days=1)
    met = Q(state=ClockState.STOPPED, stopped_on__gte=start, stopped_on__lte=end, due_on__gte=F("stopped_on"))
    missed = Q(due_on__gte=day_before, due_on__lte=last_missed) & (
        Q(state=ClockState.RUNNING) | Q(state=ClockState.STOPPED, stopped_on__gt=F("due_on"))
    )
    group = ("application__agency_id", "application__examiner_id", "kind")
    counts: dict[OutcomeKey, dict[str, int]] = {}

    def key(row) -> OutcomeKey:
        return row["application__agency_id"], row["application__examiner_id"], row["kind"]

    period = clocks.filter(due_on__gte=day_before).values(*group)
    for row in period.annotate(met=Count("kind", filter=met), missed=Count("kind", filter=missed)).order_by():
        counts[key(row)] = {"met": row["met"], "missed": row["missed"], "overdue": 0}
    running = clocks.filter(state=ClockState.RUNNING, due_on__lt=today).values(*group)
    for row in running.annotate(overdue=Count("kind")).order_by():
        counts.setdefault(key(row), {"met": 0, "missed": 0, "overdue": 0})["overdue"] = row["overdue"]
    return counts


def _add_outcomes(target: ComplianceRow, kind: str, figures: dict[str, int]) -> None:
    before = target.clocks.get(kind, OnTimeRate(0, 0))
    target.clocks[kind] = OnTimeRate(before.met + figures["met"], before.missed + figures["missed"])
    target.overdue_now += figures["overdue"]


def _application_counts(applications: QuerySet[Application], start: date, end: date):
    """Per agency and examiner: applications received and decided in ``[start, end]`` and the
    deemed acceptances among those received (one grouped query)."""
    received = Q(received_at__gte=start_of(start), received_at__lt=start_of(end + timedelta(days=1)))
    decided = Q(decided_on__gte=start, decided_on__lte=end)
    return (
        applications.filter(received | decided)
        .values("agency_id", "examiner_id")
        .annotate(
            received=Count("pk", filter=received),
            decided=Count("pk", filter=decided),
            deemed=Count("pk", filter=received & Q(deemed_accepted=True)),
        )
        .order_by()
    )


def _add_applications(target: ComplianceRow, row: dict) -> None:
    target.received += row["received"]
    target.decided += row["decided"]
    target.deemed_accepted += row["deemed"]


def _rating_counts(ratings: QuerySet[Rating], group: str, start: date, end: date, today: date):
    """Bad ratings given in the period and the state of the rectification each opened."""
    in_period = Q(created_at__gte=start_of(start), created_at__lt=start_of(end + timedelta(days=1)))
    return (
        ratings.filter(in_period, level__in=sorted(BAD_RATING_LEVELS))
        .values(group)
        .annotate(
            bad=Count("pk"),
            open=Count("pk", filter=Q(rectification__isnull=False, rectification__rectified_at__isnull=True)),
            late=Count(
                "pk",
                filter=Q(rectification__rectified_at__isnull=True, rectification__rectify_due_on__lt=today),
            ),
            done=Count("pk", filter=Q(rectification__rectified_at__isnull=False)),
        )
        .order_by()
    )


def _case_counts(group: str, start: date, end: date, remit: Remit, agency: Agency | None, officer: User | None):
    cases = remit.filter(SupervisionCase.objects.all())
    if agency is not None:
        cases = cases.filter(agency_id=agency.pk)
    if officer is not None:
        cases = cases.filter(application__examiner_id=officer.pk)
    return (
        cases.filter(Q(opened_on__gte=start, opened_on__lte=end) | ~Q(status=SupervisionCaseStatus.CLOSED))
        .values(group)
        .annotate(
            red=Count("pk", filter=Q(opened_on__gte=start, opened_on__lte=end)),
            open=Count("pk", filter=~Q(status=SupervisionCaseStatus.CLOSED)),
        )
        .order_by()
    )


def compliance_report(
    *,
    remit: Remit,
    start: date,
    end: date,
    today: date,
    agency: Agency | None = None,
    officer: User | None = None,
    overdue_limit: int = 100,
) -> ComplianceReport:
    """Per agency and per officer (the examiner) in the remit, for the period ``[start, end]``:
    applications received and decided, deemed acceptances (Art. 32(4)), on-time rate per clock,
    clocks overdue on ``today``, red cards and open supervision cases, bad ratings (好差评) and
    the state of their rectifications — plus the overdue cases themselves.

    A fixed number of queries (ten, and one per calendar region among the overdue cases)
    whatever the number of applications. Officers answer for the clocks in ``OFFICER_CLOCKS``."""
    scope = Scope(agency=agency, officer=officer)
    clocks = scope.apply(remit.filter(Clock.objects.filter(kind__in=DASHBOARD_CLOCKS), "application__agency_id"))
    applications = scope.apply(remit.filter(Application.objects.all()), "")
    ratings = scope.apply(remit.filter(Rating.objects.all(), "application__agency_id"))

    agencies = remit.filter(Agency.objects.all(), "id").order_by("code")
    if agency is not None:
        agencies = agencies.filter(pk=agency.pk)
    agency_rows = {a.pk: ComplianceRow(key=a.pk, code=a.code, name=a.name) for a in agencies}

    officer_rows: dict[int, ComplianceRow] = {}

    def officer_row(pk: int | None) -> ComplianceRow | None:
        return officer_rows.get(pk) if pk is not None else None

    outcomes = _outcome_counts(clocks, start, end, today)
    app_counts = list(_application_counts(applications, start, end))
    for (agency_id, _examiner_id, kind), figures in outcomes.items():
        target = agency_rows.get(agency_id)
        if target is not None:
            _add_outcomes(target, kind, figures)
    for row in app_counts:
        target = agency_rows.get(row["agency_id"])
        if target is not None:
            _add_applications(target, row)
    for row in _rating_counts(ratings, "application__agency_id", start, end, today):
        target = agency_rows.get(row["application__agency_id"])
        if target is not None:
            _set_ratings(target, row)
    for row in _case_counts("agency_id", start, end, remit, agency, officer):
        target = agency_rows.get(row["agency_id"])
        if target is not None:
            target.red_cards, target.cases_open = row["red"], row["open"]

    # Officers: the examiners of the remit's applications who have anything in the period; they
    # answer for the clocks in OFFICER_CLOCKS.
    officer_outcomes = [
        (examiner_id, kind, figures)
        for (_agency_id, examiner_id, kind), figures in outcomes.items()
        if examiner_id is not None and kind in OFFICER_CLOCKS
    ]
    officer_apps = [row for row in app_counts if row["examiner_id"] is not None]
    rating_counts = list(
        _rating_counts(ratings.filter(application__examiner__isnull=False), "application__examiner_id", start, end,
                       today)
    )
    case_counts = [
        r for r in _case_counts("application__examiner_id", start, end, remit, agency, officer)
        if r["application__examiner_id"] is not None
    ]
    officer_ids = (
        {examiner_id for examiner_id, _kind, _figures in officer_outcomes}
        | {r["examiner_id"] for r in officer_apps}
        | {r["application__examiner_id"] for r in rating_counts}
        | {r["application__examiner_id"] for r in case_counts}
    )
    if officer is not None:
        officer_ids.add(officer.pk)
    for user in User.objects.filter(pk__in=sorted(officer_ids)).select_related("agency").order_by("username"):
        officer_rows[user.pk] = ComplianceRow(
            key=user.pk,
            code=user.username,
            name=user.staff_number or user.get_full_name() or user.username,
            agency_code=user.agency.code if user.agency_id else "",
        )
    for examiner_id, kind, figures in officer_outcomes:
        target = officer_row(examiner_id)
        if target is not None:
            _add_outcomes(target, kind, figures)
    for row in officer_apps:
        target = officer_row(row["examiner_id"])
        if target is not None:
            _add_applications(target, row)
    for row in rating_counts:
        target = officer_row(row["application__examiner_id"])
        if target is not None:
            _set_ratings(target, row)
    for row in case_counts:
        target = officer_row(row["application__examiner_id"])
        if target is not None:
            target.red_cards, target.cases_open = row["red"], row["open"]

    overdue = overdue_clocks(remit=remit, scope=scope, today=today, limit=overdue_limit)
    return ComplianceReport(
        start=start,
        end=end,
        today=today,
        agencies=list(agency_rows.values()),
        officers=list(officer_rows.values()),
        overdue=overdue,
    )


def _set_ratings(target: ComplianceRow, row: dict) -> None:
    target.bad_ratings = row["bad"]
    target.rectifications_open = row["open"]
    target.rectifications_late = row["late"]
    target.rectified = row["done"]


def today_local() -> date:
    """Today in Beijing time: the working date of every supervision read."""
    return timezone.localdate(timezone.now(), SHANGHAI)


def level_of(warning: SupervisionWarning) -> str:
    return WarningLevel(warning.level).label
