"""The portal's services (licensing.services.portal): drafts and uploads that change nothing when
refused, idempotent filing, answering the one-time supplement notice, the rating (好差评) and its
rectification deadlines in working days, accounts and who may see personal data."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from licensing.choices import ApplicationStatus as S
from licensing.choices import ClockKind, DecisionKind, NotificationKind, RatingLevel, Role
from licensing.errors import DomainError, InvalidTransition, NotAllowed
from licensing.models import (
    ActionLogEntry,
    Application,
    Clock,
    Declaration,
    Material,
    Notification,
    Rating,
    Rectification,
)
from licensing.rules.identifiers import is_valid_credit_code, is_valid_id_number
from licensing.services import applications as procedure
from licensing.services import portal as svc
from licensing.services.applications import DecisionDraft, SupplementItem
from licensing.uploads import sniff_type
from tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, VALID_CREDIT_CODE, VALID_ID_NUMBER, StaffFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
ANSWERS = {"premises": "1 Renmin Road, Test City", "area": "85.5", "category": "catering"}


def at(day: str, hour: int = 10):
    y, m, d = (int(p) for p in day.split("-"))
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=SHANGHAI), tick=False)


def pdf(name="plan.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def requirements(item):
    return list(svc.requirements_to_upload(item))


def complete_draft(item, applicant) -> Application:
    application = svc.draft_start(item=item, actor=applicant)
    svc.draft_update(application=application, actor=applicant, form_data=ANSWERS)
    plan, rules = requirements(item)
    svc.draft_upload(application=application, actor=applicant, uploads={plan.pk: pdf(), rules.pk: pdf("rules.pdf")})
    svc.draft_declare(application=application, actor=applicant)
    return application


def snapshot(application: Application) -> tuple:
    application.refresh_from_db()
    return (
        application.status,
        application.form_data,
        application.updated_at,
        list(Material.objects.filter(application=application).values_list("pk", "superseded")),
    )


class TestIdentifiers:
    def test_credit_code_check_character(self):
        assert is_valid_credit_code(VALID_CREDIT_CODE)
        assert is_valid_credit_code("91110000802100433B")
        assert not is_valid_credit_code("91350100M000100Y44")  # wrong check character
        assert not is_valid_credit_code("91350100M000100Y4")  # too short
        assert not is_valid_credit_code("9135010OM000100Y43")  # O is not allowed

    def test_id_number_check_character_and_birth_date(self):
        assert is_valid_id_number(VALID_ID_NUMBER)
        assert not is_valid_id_number(VALID_ID_NUMBER[:-1] + ("0" if VALID_ID_NUMBER[-1] != "0" else "1"))
        assert not is_valid_id_number("110105194902301234")  # 30 February


class TestUploads:
    def test_types_are_read_from_content(self):
        assert sniff_type(PDF_BYTES) == "pdf"
        assert sniff_type(PNG_BYTES) == "png"
        assert sniff_type(JPEG_BYTES) == "jpg"
        assert sniff_type(b"MZ\x90\x00") is None

    def test_upload_is_stored_with_its_sha256(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        plan = requirements(portal_item)[0]
        material = svc.material_upload(application=application, actor=portal_applicant, requirement=plan,
                                       upload=pdf())
        import hashlib

        assert material.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
        assert material.size == len(PDF_BYTES)
        assert material.content_type == "application/pdf"
        assert default_storage.exists(material.file.name)
        assert material.file.name.startswith(f"materials/{application.pk}/")

    def test_a_renamed_file_that_is_not_a_pdf_is_refused_and_nothing_changes(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        plan, rules = requirements(portal_item)
        before = snapshot(application)
        with pytest.raises(DomainError) as refused:
            svc.draft_upload(
                application=application,
                actor=portal_applicant,
                uploads={plan.pk: pdf(), rules.pk: pdf("rules.pdf", b"MZ\x90\x00 this is a program")},
            )
        assert "named .pdf but its content is not a PDF file" in str(refused.value.fields)
        assert snapshot(application) == before  # the valid plan was not stored either
        assert not Material.objects.filter(application=application).exists()

    def test_an_oversized_file_is_refused(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        plan = requirements(portal_item)[0]  # 1 MB limit
        big = pdf("plan.pdf", PDF_BYTES + b"0" * (1024 * 1024))
        before = snapshot(application)
        with pytest.raises(DomainError, match="must be smaller than 1 MB"):
            svc.material_upload(application=application, actor=portal_applicant, requirement=plan, upload=big)
        assert snapshot(application) == before

    def test_a_real_png_named_pdf_is_refused(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        plan = requirements(portal_item)[0]
        with pytest.raises(DomainError, match="is a PNG file but its name ends in “.pdf”"):
            svc.material_upload(application=application, actor=portal_applicant, requirement=plan,
                                upload=pdf("plan.pdf", PNG_BYTES))
        rules = requirements(portal_item)[1]  # PDF only: a PNG is not accepted whatever its name
        with pytest.raises(DomainError, match="is named .pdf but its content is not a PDF file"):
            svc.material_upload(application=application, actor=portal_applicant, requirement=rules,
                                upload=pdf("rules.pdf", PNG_BYTES))

    def test_a_type_the_slot_does_not_accept_is_refused(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        rules = requirements(portal_item)[1]  # PDF only
        with pytest.raises(DomainError, match="must be PDF"):
            svc.material_upload(application=application, actor=portal_applicant, requirement=rules,
                                upload=SimpleUploadedFile("rules.png", PNG_BYTES))

    def test_a_material_obtained_by_data_sharing_cannot_be_uploaded(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        shared = portal_item.requirements.get(shared_data_source__gt="")
        with pytest.raises(DomainError, match="not asked for"):
            svc.material_upload(application=application, actor=portal_applicant, requirement=shared, upload=pdf())

    def test_uploading_again_supersedes(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        plan = requirements(portal_item)[0]
        first = svc.material_upload(application=application, actor=portal_applicant, requirement=plan, upload=pdf())
        second = svc.material_upload(application=application, actor=portal_applicant, requirement=plan,
                                     upload=SimpleUploadedFile("plan.jpg", JPEG_BYTES))
        first.refresh_from_db()
        assert first.superseded and not second.superseded
        assert svc.current_materials(application) == {plan.pk: second}


class TestDraft:
    def test_start_needs_a_complete_profile(self, portal_item, applicant):
        with pytest.raises(DomainError) as refused:
            svc.draft_start(item=portal_item, actor=applicant)
        assert refused.value.code == "profile_incomplete"
        assert not Application.objects.exists()

    def test_staff_cannot_start(self, portal_item, clerk):
        with pytest.raises(NotAllowed):
            svc.draft_start(item=portal_item, actor=clerk)

    def test_draft_is_in_the_profile_name(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        assert application.status == S.DRAFT
        assert application.holder_name == "张三" and not application.holder_is_organisation
        assert application.number.startswith("XK-")

    def test_missing_required_answer_saves_nothing(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        svc.draft_update(application=application, actor=portal_applicant, form_data=ANSWERS)
        before = snapshot(application)
        with pytest.raises(DomainError) as refused:
            svc.draft_update(application=application, actor=portal_applicant,
                             form_data={**ANSWERS, "premises": "", "area": "lots"})
        assert refused.value.fields["premises"] == ["Enter Business premises address"]
        assert refused.value.fields["area"] == ["Floor area in square metres must be a number"]
        assert snapshot(application) == before

    def test_answers_are_stored_as_json_values(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        svc.draft_update(application=application, actor=portal_applicant,
                         form_data={**ANSWERS, "opening": "2026-03-01", "area": "120"})
        application.refresh_from_db()
        assert application.form_data == {**ANSWERS, "opening": "2026-03-01", "area": "120"}

    def test_unknown_choice_and_unknown_field_are_refused(self, portal_item, portal_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        with pytest.raises(DomainError) as refused:
            svc.draft_update(application=application, actor=portal_applicant,
                             form_data={**ANSWERS, "category": "mining", "password": "x"})
        assert "category" in refused.value.fields and "form_data" in refused.value.fields

    def test_someone_else_cannot_change_a_draft(self, portal_item, portal_applicant, other_applicant):
        application = svc.draft_start(item=portal_item, actor=portal_applicant)
        with pytest.raises(NotAllowed):
            svc.draft_update(application=application, actor=other_applicant, form_data=ANSWERS)

    def test_agent_filing_needs_the_authorisation(self, portal_item, portal_applicant):
        application = complete_draft(portal_item, portal_applicant)
        svc.draft_set_applicant(application=application, actor=portal_applicant, as_agent=True,
                                holder_name="示例餐饮有限公司", holder_is_organisation=True,
                                principal_id_number=VALID_CREDIT_CODE)
        application.refresh_from_db()
        assert application.agent == portal_applicant and application.holder_is_organisation
        assert "who" in svc.draft_problems(application)
        svc.authorisation_upload(application=application, actor=portal_applicant, upload=pdf("authorisation.pdf"))
        assert svc.draft_problems(application) == {}


class TestFiling:
    def test_submission_records_receipt_and_starts_c1(self, portal_item, portal_applicant):
        with at("2025-01-20"):
            application = complete_draft(portal_item, portal_applicant)
            application, now = svc.application_file(application=application, actor=portal_applicant)
        assert now is True
        assert application.status == S.RECEIVED
        assert application.received_at == datetime(2025, 1, 20, 10, tzinfo=SHANGHAI)
        c1 = Clock.objects.get(application=application, kind=ClockKind.C1)
        assert c1.due_on == date(2025, 1, 26)  # 5 working days; Sunday 26 January is a make-up working day
        assert list(ActionLogEntry.objects.filter(application=application).values_list("action", flat=True)) == [
            "submit"
        ]

    def test_the_declaration_is_required(self, portal_item, portal_applicant):
        application = complete_draft(portal_item, portal_applicant)
        Declaration.objects.filter(application=application).delete()
        with pytest.raises(DomainError) as refused:
            svc.application_file(application=application, actor=portal_applicant)
        assert "declaration" in refused.value.fields
        assert Application.objects.get(pk=application.pk).status == S.DRAFT

    def test_missing_required_material_blocks_submission(self, portal_item, portal_applicant):
        application = complete_draft(portal_item, portal_applicant)
        plan = requirements(portal_item)[0]
        material = Material.objects.get(application=application, requirement=plan)
        svc.material_remove(application=application, actor=portal_applicant, material=material)
        with pytest.raises(DomainError) as refused:
            svc.application_file(application=application, actor=portal_applicant)
        assert refused.value.fields["materials"] == ["Upload Floor plan of the premises"]

    def test_double_submission_makes_one_receipt(self, portal_item, portal_applicant):
        application = complete_draft(portal_item, portal_applicant)
        first, now1 = svc.application_file(application=application, actor=portal_applicant)
        second, now2 = svc.application_file(application=application, actor=portal_applicant)
        assert (now1, now2) == (True, False)
        assert second.received_at == first.received_at
        assert ActionLogEntry.objects.filter(application=application, action="submit").count() == 1

    def test_a_submitted_application_cannot_be_edited(self, portal_item, portal_applicant):
        application = complete_draft(portal_item, portal_applicant)
        svc.application_file(application=application, actor=portal_applicant)
        with pytest.raises(InvalidTransition):
            svc.draft_update(application=application, actor=portal_applicant, form_data=ANSWERS)
        with pytest.raises(InvalidTransition):
            svc.material_upload(application=application, actor=portal_applicant,
                                requirement=requirements(portal_item)[0], upload=pdf())


@pytest.fixture
def received(portal_item, portal_applicant):
    application = complete_draft(portal_item, portal_applicant)
    return svc.application_file(application=application, actor=portal_applicant)[0]


def request_supplement(application, clerk, item):
    plan, rules = requirements(item)
    return procedure.application_request_supplement(
        application=application,
        actor=clerk,
        items=[SupplementItem(plan.pk, "The plan must show the kitchen."), SupplementItem(rules.pk, "Sign it.")],
        how_to_submit="Upload them in Xuke.",
    )


class TestSupplementAnswer:
    def test_answer_with_exactly_the_listed_items(self, received, clerk, portal_item, portal_applicant):
        request_supplement(received, clerk, portal_item)
        plan, rules = requirements(portal_item)
        notice = svc.supplement_answer(application=received, actor=portal_applicant,
                                       uploads={plan.pk: pdf(), rules.pk: pdf("rules.pdf")})
        assert notice.answered_at is not None
        assert all(i.met_at for i in notice.items.all())
        answers = Material.objects.filter(application=received, answers_notice=notice)
        assert answers.count() == 2
        procedure.application_accept(application=received, actor=clerk)
        assert Application.objects.get(pk=received.pk).status == S.ACCEPTED

    def test_a_missing_item_sends_nothing(self, received, clerk, portal_item, portal_applicant):
        request_supplement(received, clerk, portal_item)
        plan, rules = requirements(portal_item)
        with pytest.raises(DomainError) as refused:
            svc.supplement_answer(application=received, actor=portal_applicant, uploads={plan.pk: pdf()})
        assert refused.value.fields == {f"r{rules.pk}": ["Upload Food safety rules"]}
        assert not Material.objects.filter(application=received, answers_notice__isnull=False).exists()

    def test_an_unlisted_item_sends_nothing(self, received, clerk, portal_item, portal_applicant):
        plan, rules = requirements(portal_item)
        procedure.application_request_supplement(
            application=received, actor=clerk, items=[SupplementItem(plan.pk, "Show the kitchen.")],
            how_to_submit="Upload it.",
        )
        with pytest.raises(DomainError) as refused:
            svc.supplement_answer(application=received, actor=portal_applicant,
                                  uploads={plan.pk: pdf(), rules.pk: pdf("rules.pdf")})
        assert f"r{rules.pk}" in refused.value.fields
        assert not Material.objects.filter(application=received, answers_notice__isnull=False).exists()

    def test_a_bad_file_sends_nothing(self, received, clerk, portal_item, portal_applicant):
        request_supplement(received, clerk, portal_item)
        plan, rules = requirements(portal_item)
        with pytest.raises(DomainError):
            svc.supplement_answer(application=received, actor=portal_applicant,
                                  uploads={plan.pk: pdf(), rules.pk: pdf("rules.pdf", b"GIF89a fake")})
        assert not Material.objects.filter(application=received, answers_notice__isnull=False).exists()
        assert all(i.met_at is None for i in received.supplement_notices.get().items.all())


def decide(application, clerk, examiner, head, kind=DecisionKind.GRANT):
    procedure.application_accept(application=application, actor=clerk)
    procedure.application_assign_examiner(application=application, actor=examiner, examiner=examiner)
    draft = DecisionDraft(kind=kind, scope="Catering" if kind == DecisionKind.GRANT else "",
                          reasons="" if kind == DecisionKind.GRANT else "The kitchen is too small.")
    procedure.decision_draft(application=application, actor=examiner, draft=draft)
    procedure.decision_sign(application=application, actor=head)
    return Application.objects.get(pk=application.pk)


class TestRating:
    def test_rating_before_the_decision_is_refused(self, received, portal_applicant):
        with pytest.raises(InvalidTransition):
            svc.rating_submit(application=received, actor=portal_applicant, level=RatingLevel.SATISFIED)

    def test_rate_once(self, received, clerk, examiner, head, portal_applicant):
        decided = decide(received, clerk, examiner, head)
        svc.rating_submit(application=decided, actor=portal_applicant, level=RatingLevel.VERY_SATISFIED)
        with pytest.raises(InvalidTransition, match="already rated"):
            svc.rating_submit(application=decided, actor=portal_applicant, level=RatingLevel.DISSATISFIED)
        assert Rating.objects.count() == 1 and not Rectification.objects.exists()

    def test_someone_else_cannot_rate(self, received, clerk, examiner, head, other_applicant):
        decided = decide(received, clerk, examiner, head)
        with pytest.raises(NotAllowed):
            svc.rating_submit(application=decided, actor=other_applicant, level=RatingLevel.VERY_DISSATISFIED)

    @pytest.mark.parametrize("level", [RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED])
    def test_bad_rating_opens_a_rectification_in_working_days(self, received, clerk, examiner, head,
                                                               portal_applicant, level):
        decided = decide(received, clerk, examiner, head, DecisionKind.DENIAL)
        with at("2025-01-24"):  # Friday before the Spring Festival block; Sunday 26 January is worked
            rating = svc.rating_submit(application=decided, actor=portal_applicant, level=level, comment="Slow.")
        rectification = rating.rectification
        assert rectification.opened_on == date(2025, 1, 24)
        assert rectification.agency == decided.agency
        assert rectification.contact_due_on == date(2025, 1, 26)  # the make-up working day (调休)
        assert rectification.rectify_due_on > rectification.contact_due_on
        assert ActionLogEntry.objects.filter(application=decided, action="rate").exists()

    def test_bad_rating_tells_the_head_and_the_officers_who_handled_the_case(
        self, received, clerk, examiner, head, portal_applicant, other_agency
    ):
        received.agency.head = head
        received.agency.save()
        bystander = StaffFactory(username="bystander", agency=received.agency, roles=[Role.CLERK])
        elsewhere = StaffFactory(username="elsewhere", agency=other_agency, roles=[Role.HEAD])
        decided = decide(received, clerk, examiner, head, DecisionKind.DENIAL)
        rating = svc.rating_submit(
            application=decided, actor=portal_applicant, level=RatingLevel.VERY_DISSATISFIED, comment="Rude."
        )
        told = {n.recipient.username: n for n in Notification.objects.filter(kind=NotificationKind.BAD_RATING)}
        assert set(told) == {"clerk", "examiner", "head"}
        assert not bystander.notifications.exists() and not elsewhere.notifications.exists()
        message = told["clerk"]
        assert rating.rectification.rectify_due_on.isoformat() in message.subject
        assert "Rude." in message.body and rating.rectification.contact_due_on.isoformat() in message.body
        assert message.link == f"/staff/rectifications/{rating.rectification.pk}/"

    def test_good_rating_tells_the_agency_nothing(self, received, clerk, examiner, head, portal_applicant):
        decided = decide(received, clerk, examiner, head)
        svc.rating_submit(application=decided, actor=portal_applicant, level=RatingLevel.BASICALLY_SATISFIED)
        assert not Notification.objects.filter(kind=NotificationKind.BAD_RATING).exists()

    @override_settings(XUKE_RECTIFY_CONTACT_DAYS=2, XUKE_RECTIFY_DAYS=5)
    def test_rectification_limits_are_configurable(self, received, clerk, examiner, head, portal_applicant):
        decided = decide(received, clerk, examiner, head)
        with at("2025-03-03"):  # a Monday with no holiday in sight
            rating = svc.rating_submit(application=decided, actor=portal_applicant, level=RatingLevel.DISSATISFIED)
        assert rating.rectification.contact_due_on == date(2025, 3, 5)
        assert rating.rectification.rectify_due_on == date(2025, 3, 10)

    def test_staff_follow_up_is_visible_to_the_applicant(self, received, clerk, examiner, head, portal_applicant,
                                                         outsider):
        decided = decide(received, clerk, examiner, head)
        rating = svc.rating_submit(application=decided, actor=portal_applicant, level=RatingLevel.VERY_DISSATISFIED)
        rectification = rating.rectification
        with pytest.raises(NotAllowed):
            svc.rectification_contact(rectification=rectification, actor=outsider, note="Called.")
        with pytest.raises(InvalidTransition):
            svc.rectification_complete(rectification=rectification, actor=clerk, note="Fixed.")
        svc.rectification_contact(rectification=rectification, actor=clerk, note="Called the applicant.")
        svc.rectification_complete(rectification=rectification, actor=head, note="Counter hours extended.")
        rectification.refresh_from_db()
        assert rectification.contact_note == "Called the applicant." and rectification.rectified_by == head
        actions = list(ActionLogEntry.objects.filter(application=decided).values_list("action", flat=True))
        assert actions[-2:] == ["rectification_contact", "rectification_complete"]
        subjects = list(portal_applicant.notifications.values_list("kind", flat=True))
        assert subjects.count("rectification") == 2


class TestAccounts:
    def test_signup_creates_an_inactive_applicant_until_verified(self):
        user, created = svc.account_signup(email=" Li@Example.org ", password="a long enough passphrase")
        assert created and not user.is_active and user.username == "li@example.org"
        assert user.has_role(Role.APPLICANT) is False  # inactive users hold no role
        user.is_active = True
        assert Role.APPLICANT in user.roles()
        user.is_active = False
        token = svc.account_verification_token(user)
        verified = svc.account_verify(token=token)
        assert verified.is_active and verified.applicant_profile.email_verified_at is not None
        assert svc.account_verify(token=token) == verified  # a second click is harmless

    def test_a_registered_address_creates_nothing(self, portal_applicant):
        user, created = svc.account_signup(email="WANG@example.org", password="another passphrase")
        assert not created and user == portal_applicant

    def test_a_tampered_link_is_refused(self):
        user, _ = svc.account_signup(email="li@example.org", password="a long enough passphrase")
        with pytest.raises(DomainError, match="not valid"):
            svc.account_verify(token=svc.account_verification_token(user) + "x")

    def test_a_link_cannot_reactivate_a_deactivated_account(self):
        user, _ = svc.account_signup(email="li@example.org", password="a long enough passphrase")
        token = svc.account_verification_token(user)
        svc.account_verify(token=token)
        user.refresh_from_db()
        user.is_active = False
        user.save()
        svc.account_verify(token=token)
        user.refresh_from_db()
        assert not user.is_active


class TestProfileVisibility:
    def test_owner_and_handling_staff_only(self, received, portal_applicant, other_applicant, clerk, outsider,
                                           supervisor):
        profile = svc.profile_for(portal_applicant)
        assert svc.profile_visible_to(viewer=portal_applicant, profile=profile)
        assert svc.profile_visible_to(viewer=clerk, profile=profile)
        assert not svc.profile_visible_to(viewer=other_applicant, profile=profile)
        assert not svc.profile_visible_to(viewer=outsider, profile=profile)
        assert not svc.profile_visible_to(viewer=supervisor, profile=profile)

    def test_staff_see_nothing_of_a_draft(self, portal_item, portal_applicant, agency):
        svc.draft_start(item=portal_item, actor=portal_applicant)
        clerk = StaffFactory(agency=agency, roles=[Role.CLERK])
        assert not svc.profile_visible_to(viewer=clerk, profile=svc.profile_for(portal_applicant))
