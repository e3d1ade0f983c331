"""Test data for the public transparency features (issue 7): one application in every public
legal state, all filed by one *person* whose personal data is distinctive, with materials,
notices, decision reasons, audit reasons and a rating comment that carry that data — so a test
can render every public page and API response and assert none of it leaks.

``PERSONAL_STRINGS`` lists what must never appear publicly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from licensing.choices import (
    TERMINAL_STATUSES,
    ApplicantKind,
    ApplicationStatus,
    DecisionKind,
    DocumentKind,
    LicenceStatus,
    PauseReason,
    Role,
)
from licensing.models import (
    ApplicantProfile,
    Application,
    AuditAction,
    ClockExtension,
    ClockPause,
    Decision,
    Document,
    Licence,
    Material,
    MaterialRequirement,
)
from licensing.services.clocks import application_clocks_recompute
from tests.factories import ActionLogEntryFactory, AgencyFactory, LicenceItemFactory, StaffFactory, UserFactory

S = ApplicationStatus

PERSON_NAME = "欧阳翠花"
PERSON_GIVEN_NAME = "翠花"
PERSON_ID_NUMBER = "11010519491231002X"
PERSON_PHONE = "13912345678"
PERSON_EMAIL = "cuihua.private@example.org"
PERSON_ADDRESS = "北京市朝阳区幸福路99号3单元"
PERSON_USERNAME = "ouyang_cuihua_login"
MATERIAL_CONTENT = "MATERIAL-CONTENT-7f3a9c"
FORM_SECRET = "FORM-SECRET-d41d8c"
NOTICE_SECRET = "NOTICE-SECRET-b5e2"
OFFICIAL_USERNAME = "examiner_wang_login"

PERSONAL_STRINGS = [
    PERSON_NAME,
    PERSON_GIVEN_NAME,
    PERSON_ID_NUMBER,
    PERSON_PHONE,
    PERSON_EMAIL,
    "cuihua.private",
    PERSON_ADDRESS,
    "幸福路",
    PERSON_USERNAME,
    MATERIAL_CONTENT,
    FORM_SECRET,
    NOTICE_SECRET,
    OFFICIAL_USERNAME,
]
"""Strings that must never appear on a public page, in a public API response or in open data."""

MASKED_PERSON = "欧阳**"
ORGANISATION = "上海示例透明餐饮有限公司"
EXTENSION_REASON = "案情复杂，需要补充现场核查，经负责人批准延长。"


@dataclass
class PublicWorld:
    agency: object
    item: object
    clerk: object
    examiner: object
    head: object
    applicant: object
    applications: dict[str, Application] = field(default_factory=dict)
    person_licence: Licence | None = None
    organisation_licence: Licence | None = None


def _days_ago(today: date, n: int) -> date:
    return today - timedelta(days=n)


def build_public_world(*, today: date | None = None) -> PublicWorld:
    """One agency and item, three officials, one person applicant with a full profile, and one
    application in every public state (law.md §2b), each with its clocks derived."""
    today = today or timezone.localdate()
    now = timezone.now()
    agency = AgencyFactory(code="pub-amr", name="透明市市场监督管理局", name_en="Transparency City AMR")
    item = LicenceItemFactory(
        code="pub-food", name="透明食品经营许可", agency=agency, statutory_days=20, promised_days=10
    )
    requirement = MaterialRequirement.objects.create(item=item, order=1, name="申请书")
    clerk = StaffFactory(username="clerk_li_login", agency=agency, roles=[Role.CLERK], staff_number="GH-1001")
    examiner = StaffFactory(
        username=OFFICIAL_USERNAME, agency=agency, roles=[Role.EXAMINER], staff_number="GH-1002",
        first_name="王", last_name="审查",
    )
    head = StaffFactory(username="head_zhao_login", agency=agency, roles=[Role.HEAD], staff_number="GH-1003")
    applicant = UserFactory(
        username=PERSON_USERNAME, email=PERSON_EMAIL, first_name=PERSON_GIVEN_NAME, last_name="欧阳",
        roles=[Role.APPLICANT], phone=PERSON_PHONE,
    )
    ApplicantProfile.objects.create(
        user=applicant, kind=ApplicantKind.PERSON, full_name=PERSON_NAME, id_number=PERSON_ID_NUMBER,
        phone=PERSON_PHONE, address=PERSON_ADDRESS,
    )
    world = PublicWorld(agency=agency, item=item, clerk=clerk, examiner=examiner, head=head, applicant=applicant)

    plans = {
        S.RECEIVED: {"received": 1},
        S.SUPPLEMENT_REQUIRED: {"received": 10, "triaged": 8},
        S.NOT_ACCEPTED: {"received": 12, "triaged": 11},
        S.ACCEPTED: {"received": 3, "accepted": 2},
        S.DEEMED_ACCEPTED: {"received": 20, "deemed": True},
        S.UNDER_EXAMINATION: {"received": 61, "accepted": 60},  # long overdue
        S.EXCLUDED_PROCEDURE: {"received": 11, "accepted": 10, "open_pause": 5},
        S.DECISION_PENDING: {"received": 31, "accepted": 30, "extension": 20},
        S.GRANTED: {"received": 41, "accepted": 40, "closed_pause": (35, 30), "decided": 5},
        S.DENIED: {"received": 31, "accepted": 30, "decided": 10},
        S.CERTIFICATE_ISSUED: {"received": 51, "accepted": 50, "decided": 30, "issued": 25},
        S.WITHDRAWN: {"received": 15, "accepted": 14},
        S.CLOSED: {"received": 100, "triaged": 98},
    }
    for seq, (status, plan) in enumerate(plans.items(), start=1):
        received_at = now - timedelta(days=plan["received"])
        received_on = timezone.localdate(received_at)
        fields = {
            "number": f"XK-2099-{seq:06d}",
            "item": item,
            "agency": agency,
            "applicant": applicant,
            "holder_name": PERSON_NAME,
            "holder_is_organisation": False,
            "form_data": {"address": PERSON_ADDRESS, "note": FORM_SECRET, "id_number": PERSON_ID_NUMBER},
            "status": status,
            "received_at": received_at,
        }
        if "triaged" in plan:
            fields["triaged_on"] = _days_ago(today, plan["triaged"])
        if "accepted" in plan:
            fields["accepted_on"] = _days_ago(today, plan["accepted"])
            fields["triaged_on"] = fields["accepted_on"]
        if plan.get("deemed"):
            fields["accepted_on"] = received_on
            fields["deemed_accepted"] = True
        if "decided" in plan:
            fields["decided_on"] = _days_ago(today, plan["decided"])
        if "issued" in plan:
            fields["certificate_issued_on"] = _days_ago(today, plan["issued"])
        if status in (S.GRANTED, S.CERTIFICATE_ISSUED):
            fields["examiner"] = examiner
        with transaction.atomic():
            application = Application.objects.create(**fields)
            if status in TERMINAL_STATUSES and status not in (S.CERTIFICATE_ISSUED, S.DENIED, S.NOT_ACCEPTED):
                # the day the case ended, for the clocks of a withdrawn or closed case
                Application.objects.filter(pk=application.pk).update(updated_at=now - timedelta(days=2))
                application.refresh_from_db()
            if "open_pause" in plan:
                ClockPause.objects.create(
                    application=application, reason=PauseReason.TESTING,
                    started_on=_days_ago(today, plan["open_pause"]), expected_end_on=today + timedelta(days=10),
                    notice_text=f"致{PERSON_NAME}女士（电话{PERSON_PHONE}）：检测需要十五个工作日。{NOTICE_SECRET}",
                    started_by=examiner,
                )
            if "closed_pause" in plan:
                start, end = plan["closed_pause"]
                ClockPause.objects.create(
                    application=application, reason=PauseReason.EXPERT_REVIEW,
                    started_on=_days_ago(today, start), expected_end_on=_days_ago(today, end),
                    ended_on=_days_ago(today, end),
                    notice_text=f"{PERSON_NAME}，住址{PERSON_ADDRESS}。{NOTICE_SECRET}", started_by=examiner,
                )
            if "extension" in plan:
                ClockExtension.objects.create(
                    application=application, days=10, reason=EXTENSION_REASON, requested_by=examiner,
                    approved_by=head, approved_on=_days_ago(today, plan["extension"]),
                )
            application_clocks_recompute(application=application, today=today)
        Material.objects.create(
            application=application, requirement=requirement,
            file=ContentFile(MATERIAL_CONTENT.encode(), name="application-form.txt"),
            original_name=f"{PERSON_NAME}-身份证.txt", content_type="text/plain", size=len(MATERIAL_CONTENT),
            sha256="0" * 64, uploaded_by=applicant,
        )
        ActionLogEntryFactory(
            actor=applicant, application=application, action=AuditAction.SUBMIT, legal_basis="Art. 29",
            reason=f"{PERSON_NAME} {PERSON_PHONE}", role=Role.APPLICANT,
        )
        if "accepted" in plan or "triaged" in plan:
            ActionLogEntryFactory(
                actor=clerk, application=application, action=AuditAction.ACCEPT, legal_basis="Art. 32(1)(5)",
                reason=f"申请人{PERSON_NAME}身份证{PERSON_ID_NUMBER}", changes={"holder_name": [None, PERSON_NAME]},
            )
            Document.objects.create(
                application=application, kind=DocumentKind.ACCEPTANCE_VOUCHER,
                title="受理通知书 Acceptance voucher", file="documents/voucher.pdf", sha256="1" * 64,
                issued_at=now - timedelta(days=plan.get("accepted", plan.get("triaged", 1))), issued_by=clerk,
            )
        if "decided" in plan:
            kind = DecisionKind.DENIAL if status == S.DENIED else DecisionKind.GRANT
            Decision.objects.create(
                application=application, kind=kind, reasons=f"{PERSON_NAME}的场所不符合条件 {PERSON_ADDRESS}",
                scope="热食类食品制售", drafted_by=examiner, signed_by=head, signed_on=fields["decided_on"],
                remedy="60日内申请行政复议",
            )
            ActionLogEntryFactory(
                actor=head, application=application, action=AuditAction.DECIDE, legal_basis="Art. 38",
                reason=f"{PERSON_NAME} {PERSON_EMAIL}", role=Role.HEAD,
            )
        world.applications[status] = application

    issued = world.applications[S.CERTIFICATE_ISSUED]
    world.person_licence = Licence.objects.create(
        number="PUB-FOOD-2099-000011", application=issued, item=item, agency=agency, holder_name=PERSON_NAME,
        holder_is_organisation=False, scope="热食类食品制售", valid_from=issued.decided_on,
        valid_until=today + timedelta(days=365), status=LicenceStatus.ACTIVE, issued_on=issued.certificate_issued_on,
        issued_by=clerk,
    )
    org_application = Application.objects.create(
        number="XK-2099-000099", item=item, agency=agency, applicant=UserFactory(roles=[Role.APPLICANT]),
        holder_name=ORGANISATION, holder_is_organisation=True, status=S.CERTIFICATE_ISSUED,
        received_at=now - timedelta(days=400), accepted_on=_days_ago(today, 399), decided_on=_days_ago(today, 390),
        certificate_issued_on=_days_ago(today, 389),
    )
    world.organisation_licence = Licence.objects.create(
        number="PUB-FOOD-2098-000099", application=org_application, item=item, agency=agency,
        holder_name=ORGANISATION, holder_is_organisation=True, scope="预包装食品销售",
        valid_from=_days_ago(today, 390), valid_until=_days_ago(today, 1), status=LicenceStatus.ACTIVE,
        issued_on=_days_ago(today, 389), issued_by=clerk,
    )
    _rate(issued, applicant)
    return world


def _rate(application: Application, rater) -> None:
    try:
        from licensing.models import Rating
    except ImportError:  # pragma: no cover - the portal's models are optional here
        return
    Rating.objects.create(
        application=application, rater=rater, level=4, comment=f"{PERSON_NAME} {PERSON_PHONE} 等太久了"
    )
