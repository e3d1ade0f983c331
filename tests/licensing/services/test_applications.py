"""The procedure's transitions through the services (law.md §2b), one test per transition,
named after it and citing its article. Dates are fixed with time-machine on the 2025 State
Council calendar: receipt on Monday 2025-01-20, just before the Spring Festival block
(1/28–2/4, make-up working days Sunday 1/26 and Saturday 2/8)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from licensing.choices import ApplicationStatus as S
from licensing.choices import (
    ClockKind,
    DecisionKind,
    DocumentKind,
    ItemCategory,
    NonAcceptanceGround,
    PauseReason,
    Role,
)
from licensing.errors import DomainError, InvalidTransition, NotAllowed
from licensing.models import ActionLogEntry, Application, Clock, ClockExtension, MaterialRequirement
from licensing.services import applications as svc
from licensing.services.applications import DecisionDraft, SupplementItem
from tests.factories import LicenceItemFactory, StaffFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10):
    """Travel to ``day`` at ``hour`` in Shanghai (no ticking, so dates are exact)."""
    y, m, d = (int(p) for p in day.split("-"))
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def requirements(item):
    return [
        MaterialRequirement.objects.create(item=item, order=i, name=name)
        for i, name in enumerate(["申请书 Application form", "场所平面图 Floor plan", "管理制度 Rules"])
    ]


@pytest.fixture
def examiner2(agency):
    return StaffFactory(username="examiner2", agency=agency, roles=[Role.EXAMINER])


@pytest.fixture
def received(item, applicant, requirements):
    with at("2025-01-20"):
        application = svc.application_create(item=item, applicant=applicant, holder_name="示例餐饮有限公司",
                                             holder_is_organisation=True)
        return svc.application_submit(application=application, actor=applicant)


def clock(application: Application, kind: str) -> Clock:
    return Clock.objects.get(application=application, kind=kind)


def actions(application: Application) -> list[str]:
    return list(ActionLogEntry.objects.filter(application=application).order_by("seq").values_list("action", flat=True))


def accepted(received, clerk):
    with at("2025-01-21"):
        return svc.application_accept(application=received, actor=clerk)


def examining(received, clerk, examiner):
    accepted(received, clerk)
    with at("2025-01-22"):
        return svc.application_assign_examiner(application=received, actor=examiner, examiner=examiner)


class TestSubmit:
    def test_submit_records_receipt_and_starts_acceptance_check_c1(self, received):
        """#1, Art. 29 and 32(4): receipt time recorded; C1 = 5 working days from receipt."""
        assert received.status == S.RECEIVED
        assert received.number.startswith("XK-2025-")
        c1 = clock(received, ClockKind.C1)
        # Mon 1/20 is not counted; 21–24 are four days and Sunday 1/26 is a make-up working day.
        assert (c1.start_on, c1.due_on, c1.state) == (date(2025, 1, 20), date(2025, 1, 26), "running")
        assert actions(received) == ["submit"]

    def test_only_the_applicant_may_submit(self, item, applicant, outsider):
        draft = svc.application_create(item=item, applicant=applicant, holder_name="张三")
        with pytest.raises(NotAllowed):
            svc.application_submit(application=draft, actor=outsider)
        assert Application.objects.get(pk=draft.pk).status == S.DRAFT

    def test_unpublished_item_cannot_be_applied_for(self, item, applicant):
        """Art. 5: unpublished rules cannot be applied."""
        item.published = False
        item.save()
        with pytest.raises(DomainError):
            svc.application_create(item=item, applicant=applicant, holder_name="张三")


class TestAcceptance:
    def test_accept_within_c1_starts_decision_clock_and_issues_voucher(self, received, clerk):
        """#7, Art. 32(5) and 42: acceptance stops C1 and starts C2; voucher D2 with the due date."""
        accepted(received, clerk)
        received.refresh_from_db()
        assert received.status == S.ACCEPTED and received.accepted_on == date(2025, 1, 21)
        assert received.acceptance_seq is not None
        assert clock(received, ClockKind.C1).state == "stopped"
        c2 = clock(received, ClockKind.C2)
        assert c2.start_on == date(2025, 1, 21) and c2.state == "running"
        # 20 WD from Tue 1/21: 22,23,24,26(Sun make-up),27 = 5; 2/5,6,7,8(Sat make-up) = 9; then 2/10..
        assert c2.due_on == date(2025, 2, 24)
        assert received.documents.filter(kind=DocumentKind.ACCEPTANCE_VOUCHER).count() == 1
        assert actions(received) == ["submit", "accept"]

    def test_acceptance_sequence_follows_order_of_acceptance(self, item, applicant, clerk, requirements):
        """Art. 57: an immutable acceptance sequence in the order of acceptance."""
        apps = []
        with at("2025-01-20"):
            for _ in range(3):
                a = svc.application_create(item=item, applicant=applicant, holder_name="张三")
                apps.append(svc.application_submit(application=a, actor=applicant))
        with at("2025-01-21"):
            for a in reversed(apps):
                svc.application_accept(application=a, actor=clerk)
        seqs = [Application.objects.get(pk=a.pk).acceptance_seq for a in reversed(apps)]
        assert seqs == sorted(seqs) and len(set(seqs)) == 3

    def test_clerk_of_another_agency_may_not_accept(self, received, outsider):
        with at("2025-01-21"), pytest.raises(NotAllowed):
            svc.application_accept(application=received, actor=outsider)
        assert Application.objects.get(pk=received.pk).status == S.RECEIVED

    def test_examiner_may_not_accept(self, received, examiner):
        with at("2025-01-21"), pytest.raises(NotAllowed):
            svc.application_accept(application=received, actor=examiner)

    def test_not_accept_outside_powers_names_the_competent_organ(self, received, clerk):
        """#2, Art. 32(2) and 72(7): reasons and the competent organ are required; D3 has the remedy block."""
        with at("2025-01-21"):
            with pytest.raises(DomainError) as refused:
                svc.application_not_accept(application=received, actor=clerk,
                                           ground=NonAcceptanceGround.OUTSIDE_POWERS, reasons="不属于本机关职权")
            assert "competent_organ" in refused.value.fields
            svc.application_not_accept(application=received, actor=clerk, ground=NonAcceptanceGround.OUTSIDE_POWERS,
                                       reasons="不属于本机关职权", competent_organ="某区卫生健康委员会")
        received.refresh_from_db()
        assert received.status == S.NOT_ACCEPTED
        decision = received.decisions.get()
        assert decision.kind == DecisionKind.NOT_ACCEPTED and "60" in decision.remedy
        assert received.documents.filter(kind=DocumentKind.NON_ACCEPTANCE).exists()
        assert clock(received, ClockKind.C1).state == "stopped"

    def test_correct_on_the_spot_keeps_c1_running(self, received, clerk):
        """#3, Art. 32(3)."""
        with at("2025-01-21"):
            svc.application_correct_on_spot(application=received, actor=clerk, correction="更正了经营场所门牌号")
        assert Application.objects.get(pk=received.pk).status == S.RECEIVED
        assert clock(received, ClockKind.C1).state == "running"
        assert actions(received)[-1] == "correct_on_spot"


class TestSupplementNotice:
    def notice(self, application, clerk, requirements, *indexes):
        return svc.application_request_supplement(
            application=application, actor=clerk, how_to_submit="在线上传至本申请",
            items=[SupplementItem(requirements[i].pk, f"请补正 {requirements[i].name}") for i in indexes],
        )

    def test_one_time_notice_lists_every_item_and_stops_c1(self, received, clerk, requirements):
        """#4, Art. 32(4): the notice lists every item at once; D4 is issued; C1 stops."""
        with at("2025-01-22"):
            notice = self.notice(received, clerk, requirements, 0, 1)
        assert notice.items.count() == 2
        received.refresh_from_db()
        assert received.status == S.SUPPLEMENT_REQUIRED
        assert clock(received, ClockKind.C1).state == "stopped"
        assert received.documents.filter(kind=DocumentKind.SUPPLEMENT_NOTICE).count() == 1

    def test_notice_may_only_ask_for_items_on_the_materials_list(self, received, clerk, requirements):
        """Art. 31: nothing outside the item's materials list may be required."""
        unrelated_item = LicenceItemFactory(code="unrelated", agency=received.agency)
        other = MaterialRequirement.objects.create(item=unrelated_item, name="无关材料")
        with at("2025-01-22"), pytest.raises(DomainError):
            svc.application_request_supplement(application=received, actor=clerk, how_to_submit="在线",
                                               items=[SupplementItem(other.pk, "请提交")])
        assert Application.objects.get(pk=received.pk).status == S.RECEIVED

    def test_a_later_notice_may_only_repeat_unmet_items_of_the_first(self, received, clerk, applicant, requirements):
        """Art. 32(4) 'once' [INT]: a second notice repeats only items of the first still unmet."""
        with at("2025-01-22"):
            self.notice(received, clerk, requirements, 0, 1)
        with at("2025-01-23"):
            svc.supplement_mark_met(application=received, actor=applicant, requirement_ids=[requirements[0].pk])
            with pytest.raises(DomainError):
                self.notice(received, clerk, requirements, 2)  # never listed
            with pytest.raises(DomainError):
                self.notice(received, clerk, requirements, 0)  # already met
            second = self.notice(received, clerk, requirements, 1)
        assert [i.requirement_id for i in second.items.all()] == [requirements[1].pk]

    def test_accepting_after_full_supplement_dates_acceptance_at_arrival(self, received, clerk, applicant,
                                                                           requirements):
        """#5, Art. 32(4)–(5): accepted once everything is supplied, as of the day it arrived."""
        with at("2025-01-22"):
            self.notice(received, clerk, requirements, 0, 1)
        with at("2025-01-23"):
            svc.supplement_mark_met(application=received, actor=applicant, requirement_ids=[requirements[0].pk])
            with pytest.raises(DomainError):
                svc.application_accept(application=received, actor=clerk)  # item 1 still unmet
        with at("2025-01-24"):
            svc.supplement_mark_met(application=received, actor=applicant, requirement_ids=[requirements[1].pk])
        with at("2025-02-05"):
            svc.application_accept(application=received, actor=clerk)
        received.refresh_from_db()
        assert received.status == S.ACCEPTED and received.accepted_on == date(2025, 1, 24)


class TestDeemedAcceptance:
    def test_sweep_deems_acceptance_the_working_day_after_c1_runs_out(self, received):
        """#8, Art. 32(4): no notice within 5 WD → accepted as of the receipt date, by the sweep."""
        with at("2025-01-26", hour=23):  # the 5th working day (a make-up Sunday): not yet
            assert svc.deem_overdue_acceptances(datetime.now(SHANGHAI)) == 0
        with at("2025-01-27", hour=0):
            assert svc.deem_overdue_acceptances(datetime.now(SHANGHAI)) == 1
            assert svc.deem_overdue_acceptances(datetime.now(SHANGHAI)) == 0  # idempotent
        received.refresh_from_db()
        assert received.status == S.DEEMED_ACCEPTED and received.deemed_accepted
        assert received.accepted_on == date(2025, 1, 20)
        assert clock(received, ClockKind.C2).start_on == date(2025, 1, 20)
        entry = ActionLogEntry.objects.filter(application=received, action="deem_accept").get()
        assert entry.actor is None and entry.legal_basis == "Art. 32(4)"
        assert received.documents.filter(kind=DocumentKind.ACCEPTANCE_VOUCHER).exists()

    def test_supplement_request_refused_after_deemed_acceptance(self, received, clerk, requirements):
        """Art. 32(4), 72(4): once deemed accepted, no supplement notice may be given."""
        with at("2025-01-27"):
            svc.deem_overdue_acceptances(datetime.now(SHANGHAI))
            with pytest.raises(InvalidTransition):
                svc.application_request_supplement(application=received, actor=clerk, how_to_submit="在线",
                                                   items=[SupplementItem(requirements[0].pk, "请补正")])

    def test_late_supplement_request_is_refused_even_before_the_sweep_runs(self, received, clerk, requirements):
        with at("2025-01-27"), pytest.raises(InvalidTransition):
            svc.application_request_supplement(application=received, actor=clerk, how_to_submit="在线",
                                               items=[SupplementItem(requirements[0].pk, "请补正")])

    def test_late_acceptance_by_the_clerk_is_a_deemed_acceptance_from_receipt(self, received, clerk):
        with at("2025-02-05"):
            svc.application_accept(application=received, actor=clerk)
        received.refresh_from_db()
        assert received.status == S.DEEMED_ACCEPTED and received.accepted_on == date(2025, 1, 20)


class TestExamination:
    def test_assignment_starts_examination(self, received, clerk, examiner):
        """#11: an examiner of the agency takes the case; C2 keeps running."""
        examining(received, clerk, examiner)
        received.refresh_from_db()
        assert received.status == S.UNDER_EXAMINATION and received.examiner == examiner

    def test_verification_needs_two_different_officers(self, received, clerk, examiner, examiner2):
        """#12, Art. 34(3): substance is verified by two or more officers."""
        examining(received, clerk, examiner)
        with at("2025-01-23"):
            with pytest.raises(DomainError):
                svc.verification_record(application=received, actor=examiner, officers=[examiner, examiner],
                                        findings="现场核查一致")
            record = svc.verification_record(application=received, actor=examiner, officers=[examiner, examiner2],
                                             findings="现场核查一致")
        assert set(record.officers.all()) == {examiner, examiner2}

    def test_inspection_dispatch_stops_c8(self, received, clerk, examiner, examiner2):
        """Art. 55: inspectors dispatched within 5 WD of acceptance; the record stops C8."""
        received.item.inspection_required = True
        received.item.save()
        examining(received, clerk, examiner)
        assert clock(received, ClockKind.C8).state == "running"
        with at("2025-01-23"):
            svc.verification_record(application=received, actor=examiner, officers=[examiner, examiner2],
                                    findings="已派员现场检查", is_inspection=True)
        c8 = clock(received, ClockKind.C8)
        assert (c8.state, c8.stopped_on) == ("stopped", date(2025, 1, 23))

    def test_pause_for_expert_review_moves_the_decision_due_date(self, received, clerk, examiner):
        """#14, Art. 45: expert review time does not count; the notice D6 is issued."""
        examining(received, clerk, examiner)
        before = clock(received, ClockKind.C2).due_on
        with at("2025-01-23"):
            svc.clock_pause(application=received, actor=examiner, reason=PauseReason.EXPERT_REVIEW,
                            expected_end_on=date(2025, 2, 14), notice_text="需组织专家评审，预计15个工作日。")
        received.refresh_from_db()
        assert received.status == S.EXCLUDED_PROCEDURE
        assert clock(received, ClockKind.C2).state == "paused"
        assert received.documents.filter(kind=DocumentKind.EXCLUDED_TIME_NOTICE).exists()
        with at("2025-02-10"):
            svc.clock_resume(application=received, actor=examiner)
        after = clock(received, ClockKind.C2)
        assert after.state == "running" and after.due_on > before
        # paused (1/23, 2/10]: 1/24, 1/26, 1/27, 2/5, 2/6, 2/7, 2/8, 2/10 = 8 working days
        assert after.due_on == date(2025, 3, 6)

    def test_only_the_eight_art45_procedures_pause_the_clock(self, received, clerk, examiner):
        """Art. 45: supplementing materials is not a pause."""
        examining(received, clerk, examiner)
        with at("2025-01-23"), pytest.raises(DomainError):
            svc.clock_pause(application=received, actor=examiner, reason="supplement",
                            expected_end_on=date(2025, 2, 14), notice_text="补正材料")

    def test_extension_approved_by_the_head_before_c2_runs_out(self, received, clerk, examiner, head):
        """#20, Art. 42(1): +10 working days once, with the head's approval and a notice (D5)."""
        examining(received, clerk, examiner)
        due = clock(received, ClockKind.C2).due_on
        with at("2025-02-20"):
            svc.extension_request(application=received, actor=examiner, reason="需进一步核查")
            svc.extension_approve(application=received, actor=head, reason="需进一步核查", requested_by=examiner)
        assert clock(received, ClockKind.C2).due_on == date(2025, 3, 10) != due
        assert received.documents.filter(kind=DocumentKind.EXTENSION_NOTICE).exists()
        with at("2025-02-21"), pytest.raises(DomainError):
            svc.extension_approve(application=received, actor=head, reason="再次延长", requested_by=examiner)

    def test_extension_refused_after_c2_ran_out(self, received, clerk, examiner, head):
        """Art. 42(1) [INT]: approval must come before the clock runs out."""
        examining(received, clerk, examiner)
        with at("2025-02-25"), pytest.raises(DomainError):
            svc.extension_approve(application=received, actor=head, reason="太晚了", requested_by=examiner)
        assert not ClockExtension.objects.filter(application=received).exists()

    def test_examiner_may_not_approve_an_extension(self, received, clerk, examiner):
        examining(received, clerk, examiner)
        with at("2025-02-20"), pytest.raises(NotAllowed):
            svc.extension_approve(application=received, actor=examiner, reason="x", requested_by=examiner)


class TestDecision:
    def test_grant_drafted_by_examiner_signed_by_head_starts_certificate_clock(self, received, clerk, examiner, head):
        """#21, Art. 38(1) and 44: grant decision D12; C2 stops; C6 (10 WD) starts."""
        examining(received, clerk, examiner)
        with at("2025-02-10"):
            svc.decision_draft(application=received, actor=examiner,
                               draft=DecisionDraft(kind=DecisionKind.GRANT, scope="热食类食品制售"))
            with pytest.raises(NotAllowed):
                svc.decision_sign(application=received, actor=examiner)
            svc.decision_sign(application=received, actor=head)
        received.refresh_from_db()
        assert received.status == S.GRANTED and received.decided_on == date(2025, 2, 10)
        assert clock(received, ClockKind.C2).state == "stopped"
        c6 = clock(received, ClockKind.C6)
        assert (c6.start_on, c6.due_on) == (date(2025, 2, 10), date(2025, 2, 24))
        assert received.documents.filter(kind=DocumentKind.GRANT_DECISION).exists()

    def test_denial_requires_reasons_and_carries_the_remedy_block(self, received, clerk, examiner, head):
        """#22, Art. 38(2), 72(7): reasons; reconsideration 60 days, lawsuit 6 months."""
        examining(received, clerk, examiner)
        with at("2025-02-10"):
            with pytest.raises(DomainError) as refused:
                svc.decision_draft(application=received, actor=examiner, draft=DecisionDraft(kind=DecisionKind.DENIAL))
            assert "reasons" in refused.value.fields
            svc.decision_draft(application=received, actor=examiner,
                               draft=DecisionDraft(kind=DecisionKind.DENIAL, reasons="经营场所不符合卫生要求"))
            decision = svc.decision_sign(application=received, actor=head)
        assert "60" in decision.remedy and ("6 months" in decision.remedy or "六个月" in decision.remedy)
        assert Application.objects.get(pk=received.pk).status == S.DENIED

    def test_denial_resting_on_testing_cites_the_technical_standard(self, received, clerk, examiner):
        """Art. 55: a denial based on inspection or testing states the standard relied on."""
        received.item.category = ItemCategory.EQUIPMENT
        received.item.save()
        examining(received, clerk, examiner)
        with at("2025-02-10"):
            with pytest.raises(DomainError) as refused:
                svc.decision_draft(application=received, actor=examiner,
                                   draft=DecisionDraft(kind=DecisionKind.DENIAL, reasons="检测不合格"))
            assert "technical_standard" in refused.value.fields
            svc.decision_draft(application=received, actor=examiner, draft=DecisionDraft(
                kind=DecisionKind.DENIAL, reasons="检测不合格", technical_standard="GB 4806.1-2016"))

    def test_head_may_return_the_draft(self, received, clerk, examiner, head):
        examining(received, clerk, examiner)
        with at("2025-02-10"):
            svc.decision_draft(application=received, actor=examiner,
                               draft=DecisionDraft(kind=DecisionKind.GRANT, scope="热食类"))
            svc.decision_return(application=received, actor=head, note="请补充许可条件")
        assert Application.objects.get(pk=received.pk).status == S.UNDER_EXAMINATION

    def test_on_the_spot_decision_only_where_the_item_allows_it(self, received, clerk, head):
        """#9, Art. 34(2)."""
        accepted(received, clerk)
        draft = DecisionDraft(kind=DecisionKind.GRANT, scope="当场准予")
        with at("2025-01-21"):
            with pytest.raises(InvalidTransition):
                svc.decision_on_the_spot(application=received, actor=head, draft=draft)
            received.item.on_the_spot = True
            received.item.save()
            decision = svc.decision_on_the_spot(application=received, actor=head, draft=draft)
        assert decision.on_the_spot and Application.objects.get(pk=received.pk).status == S.GRANTED

    def test_quantity_limit_grants_in_order_of_acceptance(self, item, applicant, clerk, examiner, head, requirements):
        """Art. 57: with one licence left, the earlier-accepted application is decided first."""
        item.quantity_limit = 1
        item.save()
        first = []
        with at("2025-01-20"):
            for _ in range(2):
                a = svc.application_create(item=item, applicant=applicant, holder_name="张三")
                first.append(svc.application_submit(application=a, actor=applicant))
        with at("2025-01-21"):
            for a in first:
                svc.application_accept(application=a, actor=clerk)
                svc.application_assign_examiner(application=a, actor=examiner, examiner=examiner)
        second = first[1]
        with at("2025-01-22"):
            svc.decision_draft(application=second, actor=examiner, draft=DecisionDraft(kind=DecisionKind.GRANT,
                                                                                      scope="x"))
            with pytest.raises(DomainError):
                svc.decision_sign(application=second, actor=head)


class TestCertificateAndWithdrawal:
    def test_certificate_issued_by_clerk_within_c6(self, received, clerk, examiner, head):
        """#25, Art. 39 and 44: licence with number, validity and an unguessable QR token; C6 stops."""
        received.item.validity_months = 60
        received.item.save()
        examining(received, clerk, examiner)
        with at("2025-02-10"):
            svc.decision_draft(application=received, actor=examiner,
                               draft=DecisionDraft(kind=DecisionKind.GRANT, scope="热食类食品制售"))
            svc.decision_sign(application=received, actor=head)
        with at("2025-02-12"):
            licence = svc.certificate_issue(application=received, actor=clerk)
        assert licence.valid_from == date(2025, 2, 10) and licence.valid_until == date(2030, 2, 9)
        assert len(licence.verification_token) >= 32
        assert clock(received, ClockKind.C6).state == "stopped"
        assert Application.objects.get(pk=received.pk).status == S.CERTIFICATE_ISSUED
        assert received.documents.filter(kind=DocumentKind.LICENCE_CERTIFICATE).exists()
        assert actions(received) == ["submit", "accept", "assign_examiner", "draft_decision", "decide",
                                     "issue_certificate"]

    def test_applicant_may_withdraw_before_the_decision(self, received, clerk, examiner, applicant):
        """#23 [INT]: withdrawal stops every clock."""
        examining(received, clerk, examiner)
        with at("2025-01-23"):
            svc.application_withdraw(application=received, actor=applicant, reason="不再经营")
        assert Application.objects.get(pk=received.pk).status == S.WITHDRAWN
        assert not Clock.objects.filter(application=received, state="running").exists()

    def test_withdrawal_after_the_decision_is_refused(self, received, clerk, head, applicant):
        received.item.on_the_spot = True
        received.item.save()
        accepted(received, clerk)
        with at("2025-01-21"):
            svc.decision_on_the_spot(application=received, actor=head,
                                     draft=DecisionDraft(kind=DecisionKind.GRANT, scope="x"))
            with pytest.raises(InvalidTransition):
                svc.application_withdraw(application=received, actor=applicant)

    def test_a_failed_act_changes_nothing(self, received, clerk, examiner):
        """Bad input loses nothing: a refused act leaves the application and the log as they were."""
        examining(received, clerk, examiner)
        before = (Application.objects.get(pk=received.pk).status, ActionLogEntry.objects.count())
        with at("2025-01-23"), pytest.raises(DomainError):
            svc.clock_pause(application=received, actor=examiner, reason=PauseReason.TESTING,
                            expected_end_on=date(2025, 2, 1), notice_text="")
        assert (Application.objects.get(pk=received.pk).status, ActionLogEntry.objects.count()) == before
