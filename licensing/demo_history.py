"""A demo history: a few hundred applications filed over the last weeks and worked day by day
through the real services, so that every state, document, audit entry and clock level in the
demo is what the system itself produced.

Each simulated day is replayed at that day's office hours (time-machine moves the clock for the
services), in date order, so receipt times, acceptance order and the action log stay
monotonic. Some cases are neglected on purpose: they become deemed accepted, turn yellow or go
overdue, as in real life. Deterministic (fixed random seed); runs once (skipped when
applications already exist)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.db import transaction

from licensing.choices import BAD_RATING_LEVELS, DecisionKind, PauseReason, RatingLevel, Role
from licensing.choices import ApplicationStatus as S
from licensing.errors import DomainError
from licensing.models import Application, LicenceItem, Rectification, User
from licensing.services import applications as svc
from licensing.services import portal
from licensing.services.applications import DecisionDraft, SupplementItem

DAYS_BACK = 50
PER_DAY = (3, 6)


def _staff(agency_id: int, role: str) -> list[User]:
    return [u for u in User.objects.filter(agency_id=agency_id, is_active=True, groups__name=role)]


class Simulation:
    def __init__(self, *, seed: int = 20261125, out: Callable[[str], None] = print):
        self.rng = random.Random(seed)
        self.out = out
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.items = [
            i for i in LicenceItem.objects.published().select_related("agency") if _staff(i.agency_id, Role.CLERK)
        ]
        self.applicants = list(User.objects.filter(groups__name=Role.APPLICANT))
        self.neglected: set[int] = set()
        self.acted = 0

    def run(self, today: date, *, days: int = DAYS_BACK) -> int:
        start = today - timedelta(days=days)
        day = start
        while day <= today:
            hour = 9 if day < today else 8
            with time_machine.travel(datetime.combine(day, time(hour, 30), self.zone), tick=False):
                svc.deem_overdue_acceptances(datetime.combine(day, time(hour, 30), self.zone))
                if day.weekday() < 5 or day == today:
                    self.work_day(day, final=day == today)
            day += timedelta(days=1)
        return Application.objects.count()

    def work_day(self, day: date, *, final: bool) -> None:
        if not final:
            for _ in range(self.rng.randint(*PER_DAY)):
                self.file(day)
        for application in Application.objects.filter(status__in=svc.PRE_DECISION | {S.GRANTED}).select_related(
            "item", "agency"
        ):
            if (application.pk in self.neglected and self.rng.random() < 0.9) or self.rng.random() < 0.35:
                continue
            try:
                with transaction.atomic():
                    self.step(application, day)
            except DomainError:
                continue
        self.rate_and_follow_up()

    def rate_and_follow_up(self) -> None:
        """Some applicants rate the service once decided (好差评), a few badly; the agency contacts
        them and rectifies, not always in time (law.md §4)."""
        for a in Application.objects.filter(status__in=portal.DECIDED_STATES, rating__isnull=True):
            if self.rng.random() < 0.5:
                continue
            level = self.rng.choices(RatingLevel.values, weights=[55, 25, 8, 7, 5])[0]
            comment = "窗口人员态度冷淡，等待时间过长。" if level in BAD_RATING_LEVELS else ""
            with transaction.atomic():
                portal.rating_submit(application=a, actor=a.applicant, level=level, comment=comment)
        for rectification in Rectification.objects.filter(rectified_at__isnull=True).select_related("application"):
            a = rectification.application
            if a.pk in self.neglected or self.rng.random() < 0.4:
                continue
            with transaction.atomic():
                if rectification.contacted_at is None:
                    portal.rectification_contact(
                        rectification=rectification, actor=self.pick(a, Role.CLERK),
                        note="已电话联系申请人，了解不满意的原因并致歉。",
                    )
                elif self.rng.random() < 0.3:
                    portal.rectification_complete(
                        rectification=rectification, actor=self.pick(a, Role.HEAD),
                        note="已调整窗口排班，增设取号提醒；整改情况已告知申请人。",
                    )

    def file(self, day: date) -> None:
        item = self.rng.choice(self.items)
        applicant = self.rng.choice(self.applicants)
        is_org = self.rng.random() < 0.6
        holder = (
            self.rng.choice(["上海示例餐饮有限公司", "浦东样板药房有限公司", "申城客运有限公司"])
            if is_org
            else self.rng.choice(["张三", "李四", "王五", "赵六"])
        )
        application = svc.application_create(
            item=item,
            applicant=applicant,
            holder_name=holder,
            holder_is_organisation=is_org,
            form_data={"business_name": holder, "address": "上海市浦东新区示例路1号", "scope": "依申请范围"},
        )
        svc.application_submit(application=application, actor=applicant)
        if self.rng.random() < 0.12:
            self.neglected.add(application.pk)  # left in a queue: deemed acceptance, yellow, red

    def pick(self, application: Application, role: str) -> User:
        return self.rng.choice(_staff(application.agency_id, role))

    def step(self, a: Application, day: date) -> None:
        r = self.rng.random()
        if a.status == S.RECEIVED:
            clerk = self.pick(a, Role.CLERK)
            if r < 0.75:
                svc.application_accept(application=a, actor=clerk)
            elif r < 0.92 and a.item.requirements.exists():
                reqs = list(a.item.requirements.all())
                chosen = self.rng.sample(reqs, k=min(len(reqs), self.rng.randint(1, 2)))
                svc.application_request_supplement(
                    application=a,
                    actor=clerk,
                    how_to_submit="登录许可平台在本申请中上传，或到受理窗口提交。",
                    items=[SupplementItem(q.pk, f"{q.name}缺少签章页，请补正。") for q in chosen],
                )
            else:
                svc.application_not_accept(
                    application=a,
                    actor=clerk,
                    ground="outside_powers",
                    reasons="申请事项属于区级机关职权范围。",
                    competent_organ="上海市浦东新区相关主管部门",
                )
        elif a.status == S.SUPPLEMENT_REQUIRED:
            notice = a.supplement_notices.order_by("-pk").first()
            unmet = [i.requirement_id for i in notice.items.all() if i.met_at is None]
            if not unmet:
                svc.application_accept(application=a, actor=self.pick(a, Role.CLERK))
            elif r < 0.3:
                svc.supplement_mark_met(application=a, actor=a.applicant, requirement_ids=unmet)
            elif r > 0.97:
                svc.application_withdraw(application=a, actor=a.applicant, reason="暂不申请。")
        elif a.status in (S.ACCEPTED, S.DEEMED_ACCEPTED):
            if a.item.on_the_spot and r < 0.5:
                svc.decision_on_the_spot(
                    application=a,
                    actor=self.pick(a, Role.HEAD),
                    draft=DecisionDraft(kind=DecisionKind.GRANT, scope=a.item.name),
                )
            else:
                examiner = self.pick(a, Role.EXAMINER)
                svc.application_assign_examiner(application=a, actor=examiner, examiner=examiner)
        elif a.status == S.UNDER_EXAMINATION:
            self.examine(a, day, r)
        elif a.status == S.EXCLUDED_PROCEDURE:
            pause = a.pauses.get(ended_on__isnull=True)
            if day >= pause.expected_end_on or r < 0.2:
                svc.clock_resume(application=a, actor=a.examiner)
        elif a.status == S.DECISION_PENDING:
            head = self.pick(a, Role.HEAD)
            if r < 0.9:
                svc.decision_sign(application=a, actor=head)
            else:
                svc.decision_return(application=a, actor=head, note="请补充核查意见。")
        elif a.status == S.GRANTED and r < 0.6:
            svc.certificate_issue(application=a, actor=self.pick(a, Role.CLERK))

    def examine(self, a: Application, day: date, r: float) -> None:
        examiner = a.examiner
        examiners = _staff(a.agency_id, Role.EXAMINER)
        if (a.item.verification_required or a.item.inspection_required) and not a.verifications.exists():
            if len(examiners) >= 2:
                others = [e for e in examiners if e.pk != examiner.pk]
                svc.verification_record(
                    application=a,
                    actor=examiner,
                    officers=[examiner, self.rng.choice(others)],
                    findings="经两名工作人员现场核查，场所、设备与申请材料一致。",
                    is_inspection=a.item.inspection_required,
                )
            return
        if r < 0.12 and not a.pauses.exists():
            reason = self.rng.choice([PauseReason.EXPERT_REVIEW, PauseReason.TESTING, PauseReason.INSPECTION])
            svc.clock_pause(
                application=a,
                actor=examiner,
                reason=reason,
                expected_end_on=day + timedelta(days=self.rng.randint(5, 14)),
                notice_text="本事项需组织专家评审/检验检测，所需时间不计入审查期限（《行政许可法》第45条）。",
            )
        elif r < 0.16 and not hasattr(a, "extension"):
            svc.extension_request(application=a, actor=examiner, reason="案情复杂，需进一步核实。")
            svc.extension_approve(
                application=a, actor=self.pick(a, Role.HEAD), reason="案情复杂，需进一步核实。", requested_by=examiner
            )
        elif r < 0.45:
            if self.rng.random() < 0.85:
                draft = DecisionDraft(kind=DecisionKind.GRANT, scope=f"{a.item.name}：{a.form_data.get('scope', '')}")
            else:
                draft = DecisionDraft(
                    kind=DecisionKind.DENIAL,
                    reasons="经现场核查，经营场所布局不符合法定条件。",
                    technical_standard="GB 31654-2021" if a.item.category == "equipment" else "",
                )
            svc.decision_draft(application=a, actor=examiner, draft=draft)


def ensure_agency_staff() -> None:
    """Give every agency with published items a clerk, two examiners and a head, so that the
    simulated history can move every item's cases (demo password as for the other demo users)."""
    from django.contrib.auth.models import Group

    from licensing.demo import DEMO_PASSWORD
    from licensing.models import Agency

    groups = {g.name: g for g in Group.objects.all()}
    for agency in Agency.objects.filter(items__published=True).distinct():
        for role, count in ((Role.CLERK, 1), (Role.EXAMINER, 2), (Role.HEAD, 1)):
            existing = User.objects.filter(agency=agency, groups__name=role).count()
            for n in range(existing, count):
                username = f"{role}{n + 1}.{agency.code}"
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults=dict(
                        agency=agency,
                        staff_number=f"{agency.code.upper()}-{role[:2].upper()}{n + 1}",
                        email=f"{username}@xuke.invalid",
                    ),
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save()
                user.groups.add(groups[role])
        if agency.head_id is None:
            head = User.objects.filter(agency=agency, groups__name=Role.HEAD).first()
            Agency.objects.filter(pk=agency.pk).update(head=head)


def load_history(stdout) -> None:
    """``load_demo`` hook: replay the demo history once."""
    if Application.objects.exists():
        stdout.write("Demo applications already present; history not replayed.")
        return
    ensure_agency_staff()
    from django.utils import timezone

    sim = Simulation(out=stdout.write)
    count = sim.run(timezone.localdate())
    stdout.write(f"Replayed {DAYS_BACK} days of demo history: {count} applications.")
