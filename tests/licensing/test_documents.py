"""The written documents (law.md §5): every kind renders a PDF whose Chinese text can be read
back, carries the content the law requires (Arts. 32, 38, 39, 42, 44, 45, 55), is sealed and dated
(Decree 716 Art. 9), and is fixed once issued: re-issuing makes a new version, a changed file is
detected, and nothing is updated or deleted.

pypdf (test-only) reads the PDFs back."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from licensing import documents
from licensing.choices import DocumentKind
from licensing.documents import (
    DocumentContextError,
    DocumentImmutable,
    DocumentTampered,
    document_issue,
    document_read,
    document_render,
    remedy_block,
)
from licensing.models import Document
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

HOLDER = "上海张三餐饮有限公司"
RECONSIDERATION_ORGAN = "上海市浦东新区人民政府"
RECEIVED = date(2026, 3, 2)


def text_of(pdf: bytes) -> str:
    """All text pypdf extracts, whitespace removed (lines wrap anywhere in Chinese)."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def case(application, agency):
    agency.reconsideration_organ = RECONSIDERATION_ORGAN
    agency.address = "上海市浦东新区世纪大道1号"
    agency.phone = "021-12345678"
    agency.save()
    application.holder_name = HOLDER
    application.save()
    return application


def issue(application, kind, context, **kwargs) -> tuple[Document, str]:
    with transaction.atomic():
        document = document_issue(application=application, kind=kind, context=context, **kwargs)
    return document, text_of(document_read(document))


CONTEXTS = {
    DocumentKind.ACCEPTANCE_VOUCHER: {
        "accepted_on": date(2026, 3, 4),
        "decision_due": date(2026, 4, 1),
        "statutory_days": 20,
    },
    DocumentKind.NON_ACCEPTANCE: {"reasons": "申请事项不需要取得行政许可。", "ground": "no_licence_needed"},
    DocumentKind.SUPPLEMENT_NOTICE: {
        "items": [{"name": "营业执照", "what_is_needed": "加盖公章的复印件"}],
        "how_to_submit": "登录一网通办上传。",
        "received_on": timezone.localdate(),  # the notice is issued today, within the 5 working days
    },
    DocumentKind.EXTENSION_NOTICE: {
        "reason": "现场核查需要更多时间",
        "approved_by": "李局长",
        "days": 10,
        "new_due": date(2026, 4, 15),
    },
    DocumentKind.EXCLUDED_TIME_NOTICE: {
        "procedure": "testing",
        "started_on": date(2026, 3, 10),
        "expected_end_on": date(2026, 3, 30),
    },
    DocumentKind.GRANT_DECISION: {"scope": "热食类食品制售", "valid_from": date(2026, 4, 1)},
    DocumentKind.DENIAL_DECISION: {"reasons": "经营场所布局不符合要求。"},
    DocumentKind.LICENCE_CERTIFICATE: {
        "licence_number": "JY23101150000001",
        "token": "tok-123",
        "scope": "热食类食品制售",
        "valid_from": date(2026, 4, 1),
    },
    DocumentKind.WITHDRAWAL_NOTICE: {"withdrawn_on": date(2026, 3, 6), "reason": "改变经营计划"},
}


class TestEveryKind:
    @pytest.mark.parametrize("kind", DocumentKind.values)
    def test_renders_a_sealed_dated_pdf_with_readable_chinese(self, case, clerk, kind):
        """Every document is written, sealed and dated (law.md §5 heading; Art. 32(2)), names the
        organ, carries its own number, and tells how to verify it."""
        document, text = issue(case, kind, CONTEXTS[kind], actor=clerk)
        assert document.version == 1
        assert document.issued_by == clerk
        assert document.file.name.endswith(f"{case.number}-{kind}-v1.pdf")
        assert len(document.sha256) == 64
        assert case.agency.name in text
        assert f"{case.number}-{kind}-1" in text
        assert squash(f"Verify at {settings.PUBLIC_BASE_URL}/lookup/{case.number}/") in text
        assert squash("行政许可专用章 (electronic seal, Decree 716 Art. 9)") in text
        assert timezone.localdate(document.issued_at).isoformat() in text
        assert HOLDER in text
        if kind != DocumentKind.LICENCE_CERTIFICATE:
            assert documents.TITLES[kind][0] in text

    @pytest.mark.parametrize("kind", DocumentKind.values)
    def test_rendering_is_reproducible(self, case, kind):
        context = {
            **documents.document_base_context(application=case, kind=kind, version=1, issued_on=date(2026, 3, 5)),
            **CONTEXTS[kind],
        }
        assert document_render(kind=kind, context=context) == document_render(kind=kind, context=context)


class TestAcceptanceVoucher:
    def test_names_applicant_item_acceptance_and_due_date_with_the_limit(self, case):
        """D2 (Art. 32(2)): applicant, item, acceptance date, decision due date and limit."""
        _, text = issue(case, DocumentKind.ACCEPTANCE_VOUCHER, CONTEXTS[DocumentKind.ACCEPTANCE_VOUCHER])
        assert "受理" in text
        assert case.item.name in text
        assert "2026年3月4日" in text and "2026-04-01" in text
        assert "20个工作日" in text and squash("20 working days") in text
        assert "Deemed" not in text

    def test_deemed_acceptance_says_so_with_the_receipt_date(self, case):
        """D2 for deemed acceptance: no one-time notice within 5 working days (Art. 32(1)(4))."""
        context = {**CONTEXTS[DocumentKind.ACCEPTANCE_VOUCHER], "deemed": True, "received_on": RECEIVED}
        _, text = issue(case, DocumentKind.ACCEPTANCE_VOUCHER, context)
        assert squash("Deemed accepted under Art. 32(4); receipt date 2026-03-02") in text
        assert "视为受理" in text and "第三十二条第一款第（四）项" in text

    def test_without_the_due_date_it_is_refused(self, case):
        context = {**CONTEXTS[DocumentKind.ACCEPTANCE_VOUCHER], "decision_due": None}
        with pytest.raises(DocumentContextError, match="decision_due"), transaction.atomic():
            document_issue(application=case, kind=DocumentKind.ACCEPTANCE_VOUCHER, context=context)
        assert not Document.objects.exists()


class TestNonAcceptance:
    def test_outside_powers_names_the_competent_organ_reasons_and_remedy(self, case):
        """D3 (Art. 32(1)(2), 72(7)): reasons, the competent organ, the remedy block."""
        context = {
            "reasons": "药品零售许可由药品监督管理部门负责。",
            "ground": "outside_powers",
            "competent_organ": "上海市药品监督管理局",
        }
        _, text = issue(case, DocumentKind.NON_ACCEPTANCE, context)
        assert "不予受理" in text
        assert "药品零售许可由药品监督管理部门负责" in text
        assert "请向上海市药品监督管理局提出申请" in text
        assert RECONSIDERATION_ORGAN in text and "六十日" in text and "六个月" in text

    def test_outside_powers_without_the_competent_organ_is_refused(self, case):
        with pytest.raises(DocumentContextError, match="competent_organ"), transaction.atomic():
            document_issue(
                application=case,
                kind=DocumentKind.NON_ACCEPTANCE,
                context={"reasons": "不属于本机关职权。", "ground": "outside_powers"},
            )

    def test_without_reasons_it_is_refused(self, case):
        """Art. 72(7): no non-acceptance without reasons."""
        with pytest.raises(DocumentContextError, match="reasons"), transaction.atomic():
            document_issue(application=case, kind=DocumentKind.NON_ACCEPTANCE, context={"reasons": ""})


class TestSupplementNotice:
    ITEMS = [
        {"name": "营业执照复印件", "what_is_needed": "加盖公章的复印件一份"},
        {"name": "经营场所平面图", "what_is_needed": "标明加工操作区域，比例1:100"},
        {"name": "食品安全管理制度", "what_is_needed": "补充进货查验记录制度"},
    ]

    def context(self, **extra):
        return {
            "items": self.ITEMS,
            "how_to_submit": "登录一网通办“我的申请”上传，或到本局政务服务窗口提交。",
            "received_on": RECEIVED,
            **extra,
        }

    def test_lists_every_item_how_to_submit_and_acceptance_once_supplied(self, case):
        """D4 (Art. 32(1)(4), 72(4)): every item at once, with what is needed; how and where;
        accepted once everything is supplied; issued within 5 working days."""
        # The issue date is today: pass no deadline so the test does not depend on the calendar.
        _, text = issue(case, DocumentKind.SUPPLEMENT_NOTICE, self.context())
        for entry in self.ITEMS:
            assert squash(entry["name"]) in text
            assert squash(entry["what_is_needed"]) in text
        assert "共3项" in text
        assert "我的申请" in text and "政务服务窗口" in text
        assert case.agency.address in text
        assert "本机关即予受理" in text
        assert squash("Once everything listed above has been supplied, the application is accepted.") in text
        assert "五个工作日内" in text and squash("within 5 working days of receipt") in text

    def test_after_the_five_working_days_it_is_refused(self, case):
        """Past C1 the application is deemed accepted; a notice can no longer be issued."""
        yesterday = timezone.localdate() - timedelta(days=1)  # document_issue dates the notice today
        with pytest.raises(DocumentContextError) as refusal, transaction.atomic():
            document_issue(
                application=case, kind=DocumentKind.SUPPLEMENT_NOTICE, context=self.context(notice_due=yesterday)
            )
        assert refusal.value.code == "deemed_accepted"

    @pytest.mark.parametrize("items", [[], [{"name": "营业执照", "what_is_needed": ""}]])
    def test_without_items_or_what_is_needed_it_is_refused(self, case, items):
        with pytest.raises(DocumentContextError), transaction.atomic():
            document_issue(application=case, kind=DocumentKind.SUPPLEMENT_NOTICE, context=self.context(items=items))


class TestExtensionNotice:
    def test_gives_reason_approving_head_length_and_new_due_date(self, case):
        """D5 (Art. 42(1))."""
        context = {**CONTEXTS[DocumentKind.EXTENSION_NOTICE], "original_due": date(2026, 4, 1)}
        _, text = issue(case, DocumentKind.EXTENSION_NOTICE, context)
        assert "现场核查需要更多时间" in text
        assert "李局长" in text and "本行政机关负责人" in text
        assert "延长10个工作日" in text
        assert "2026年4月15日" in text and "2026-04-01" in text
        assert "第四十二条" in text and squash("Art. 42(1)") in text

    def test_joint_handling_names_the_head_of_government(self, case):
        """Art. 42(2): +15 working days approved by the head of the people's government."""
        context = {**CONTEXTS[DocumentKind.EXTENSION_NOTICE], "days": 15, "approver": "government"}
        _, text = issue(case, DocumentKind.EXTENSION_NOTICE, context)
        assert "本级人民政府负责人" in text and "延长15个工作日" in text and squash("Art. 42(2)") in text


class TestExcludedTimeNotice:
    def test_names_the_procedure_the_time_needed_and_that_it_does_not_count(self, case):
        """D6 (Art. 45)."""
        context = {**CONTEXTS[DocumentKind.EXCLUDED_TIME_NOTICE], "notice_text": "委托第三方检测水质。"}
        _, text = issue(case, DocumentKind.EXCLUDED_TIME_NOTICE, context)
        assert "检测" in text and "testing" in text
        assert "约21日" in text and "2026-03-30" in text
        assert "不计算在" in text and squash("does not count toward the statutory time limit") in text
        assert "委托第三方检测水质" in text

    def test_accepts_the_label_as_well_as_the_value(self, case):
        context = {**CONTEXTS[DocumentKind.EXCLUDED_TIME_NOTICE], "procedure": "Expert review", "time_needed": "15日"}
        _, text = issue(case, DocumentKind.EXCLUDED_TIME_NOTICE, context)
        assert "专家评审" in text and "15日" in text

    def test_a_procedure_outside_article_45_is_refused(self, case):
        """Nothing but the eight procedures of Art. 45 stops the clock."""
        context = {**CONTEXTS[DocumentKind.EXCLUDED_TIME_NOTICE], "procedure": "补充材料"}
        with pytest.raises(DocumentContextError, match="Art. 45"), transaction.atomic():
            document_issue(application=case, kind=DocumentKind.EXCLUDED_TIME_NOTICE, context=context)


class TestGrantDecision:
    def test_states_scope_conditions_term_and_publication(self, case):
        """D12 (Art. 38(1), 40, 44)."""
        context = {
            "scope": "热食类食品制售；冷食类食品制售",
            "conditions": "每年提交食品安全自查报告",
            "valid_from": date(2026, 4, 1),
            "valid_until": date(2031, 3, 31),
            "certificate_due": date(2026, 4, 15),
            "signed_by": "王局长",
        }
        _, text = issue(case, DocumentKind.GRANT_DECISION, context)
        assert "准予行政许可" in text
        assert "热食类食品制售；冷食类食品制售" in text
        assert "每年提交食品安全自查报告" in text
        assert "2026年4月1日" in text and "2031年3月31日" in text
        assert "第四十条" in text and squash("published in the public register") in text
        assert "十个工作日" in text and "2026-04-15" in text
        assert "王局长" in text
        assert case.item.legal_articles in text

    def test_without_expiry_says_so(self, case):
        _, text = issue(case, DocumentKind.GRANT_DECISION, CONTEXTS[DocumentKind.GRANT_DECISION])
        assert "长期有效" in text and "无" in text


class TestDenialDecision:
    def test_gives_reasons_standard_and_the_remedy_periods_and_organ(self, case):
        """D13 (Art. 38(2), 55(3)): reasons, the technical standard, reconsideration within 60
        days to the named organ (Reconsideration Law Art. 20), lawsuit within 6 months (ALL Art. 46)."""
        context = {"reasons": "加工操作区布局不符合要求。", "technical_standard": "GB 31654-2021", "test_based": True}
        _, text = issue(case, DocumentKind.DENIAL_DECISION, context)
        assert "不予行政许可" in text
        assert "加工操作区布局不符合要求" in text
        assert "GB31654-2021" in text and "第五十五条" in text
        assert "60日" in text and "6个月" in text
        assert squash("within 60 days") in text and squash("within 6 months") in text
        assert RECONSIDERATION_ORGAN in text
        assert "第二十条" in text and "第四十六条" in text

    def test_the_decision_service_may_pass_its_own_remedy_text(self, case):
        context = {"reasons": "不符合条件。", "remedy": remedy_block(agency=case.agency) + "\n（已送达）"}
        _, text = issue(case, DocumentKind.DENIAL_DECISION, context)
        assert "（已送达）" in text

    def test_without_reasons_it_is_refused(self, case):
        """Art. 38(2), 72(7)."""
        with pytest.raises(DocumentContextError, match="reasons"), transaction.atomic():
            document_issue(application=case, kind=DocumentKind.DENIAL_DECISION, context={"reasons": ""})

    def test_a_test_based_denial_without_the_standard_is_refused(self, case):
        """Art. 55(3)."""
        with pytest.raises(DocumentContextError, match="technical_standard"), transaction.atomic():
            document_issue(
                application=case,
                kind=DocumentKind.DENIAL_DECISION,
                context={"reasons": "检测不合格。", "test_based": True},
            )


class TestRemedyBlock:
    def test_names_the_reconsideration_organ_and_both_periods_in_both_languages(self, agency):
        agency.reconsideration_organ = RECONSIDERATION_ORGAN
        text = remedy_block(agency=agency)
        zh, en = text.splitlines()
        assert RECONSIDERATION_ORGAN in zh and "六十日" in zh and "六个月" in zh
        assert RECONSIDERATION_ORGAN in en and "within 60 days" in en and "within 6 months" in en
        assert "Art. 20" in en and "Art. 46" in en

    def test_falls_back_to_the_government_at_the_same_level(self):
        agency = AgencyFactory(reconsideration_organ="")
        text = remedy_block(agency=agency)
        assert "本级人民政府" in text
        assert "the people's government at the same level" in text


class TestLicenceCertificate:
    def test_carries_number_holder_item_scope_validity_organ_and_a_qr_code(self, case, monkeypatch):
        """D14 (Art. 39, 44; Decree 716 Art. 10)."""
        encoded = []
        real = documents.QrCodeWidget

        def spy(value, **kwargs):
            encoded.append(value)
            return real(value, **kwargs)

        monkeypatch.setattr(documents, "QrCodeWidget", spy)
        case.item.certificate_name = "食品经营许可证"
        case.item.save()
        context = {**CONTEXTS[DocumentKind.LICENCE_CERTIFICATE], "valid_until": date(2031, 3, 31)}
        document, text = issue(case, DocumentKind.LICENCE_CERTIFICATE, context)
        url = f"{settings.PUBLIC_BASE_URL}/verify/tok-123/"
        assert encoded == [url]
        assert url in text
        assert document.title.startswith("食品经营许可证")
        assert "食品经营许可证" in text
        assert "JY23101150000001" in text
        assert HOLDER in text and case.item.name in text
        assert "热食类食品制售" in text
        assert "2026年4月1日" in text and "2031年3月31日" in text
        assert "发证机关" in text and case.agency.name in text
        assert "许可证、执照" in text  # the Art. 39 type
        assert "第十条" in text
        page = PdfReader(io.BytesIO(document_read(document))).pages[0]
        assert page.get_contents().get_data().count(b" re") > 100  # the QR modules, drawn as rectangles


class TestWithdrawal:
    def test_confirms_the_date_and_the_end_of_the_procedure(self, case):
        _, text = issue(case, DocumentKind.WITHDRAWAL_NOTICE, CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE])
        assert "撤回" in text and "2026年3月6日" in text and "改变经营计划" in text
        assert "程序终止" in text


class TestFixedOnceIssued:
    def test_reissuing_creates_version_two_and_leaves_version_one_untouched(self, case):
        kind = DocumentKind.DENIAL_DECISION
        first, first_text = issue(case, kind, {"reasons": "第一次的理由。"})
        first_bytes = document_read(first)
        first_name, first_hash = first.file.name, first.sha256

        second, second_text = issue(case, kind, {"reasons": "更正后的理由。"})

        assert (first.version, second.version) == (1, 2)
        assert second.file.name != first_name and second.file.name.endswith(f"{case.number}-{kind}-v2.pdf")
        assert f"{case.number}-{kind}-2" in second_text and "更正后的理由" in second_text
        first.refresh_from_db()
        assert (first.file.name, first.sha256) == (first_name, first_hash)
        assert document_read(first) == first_bytes
        assert hashlib.sha256(first_bytes).hexdigest() == first_hash
        assert "第一次的理由" in first_text

    def test_versions_count_per_kind(self, case):
        issue(case, DocumentKind.DENIAL_DECISION, {"reasons": "理由。"})
        withdrawal, _ = issue(case, DocumentKind.WITHDRAWAL_NOTICE, CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE])
        assert withdrawal.version == 1

    def test_a_tampered_file_is_detected(self, case):
        document, _ = issue(case, DocumentKind.WITHDRAWAL_NOTICE, CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE])
        with open(document.file.path, "r+b") as handle:  # one byte changed, same length
            handle.seek(len(handle.read()) // 2)
            byte = handle.read(1)
            handle.seek(-1, io.SEEK_CUR)
            handle.write(bytes([byte[0] ^ 0xFF]))
        with pytest.raises(DocumentTampered, match="SHA-256"):
            document_read(document)

    def test_a_missing_file_is_detected(self, case):
        document, _ = issue(case, DocumentKind.WITHDRAWAL_NOTICE, CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE])
        document.file.storage.delete(document.file.name)
        with pytest.raises(DocumentTampered, match="missing"):
            document_read(document)

    def test_a_document_cannot_be_deleted(self, case):
        document, _ = issue(case, DocumentKind.WITHDRAWAL_NOTICE, CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE])
        with pytest.raises(DocumentImmutable):
            document.delete()
        assert Document.objects.filter(pk=document.pk).exists()
        assert document.file.storage.exists(document.file.name)

    def test_a_document_cannot_be_updated(self, case):
        document, _ = issue(case, DocumentKind.WITHDRAWAL_NOTICE, CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE])
        original = (document.file.name, document.sha256, document.title)
        document.sha256 = "0" * 64
        document.file.name = "documents/elsewhere.pdf"
        with pytest.raises(DocumentImmutable):
            document.save()
        with pytest.raises(DocumentImmutable):
            document.save(update_fields=["title"])
        document.refresh_from_db()
        assert (document.file.name, document.sha256, document.title) == original

    def test_documents_cannot_be_changed_or_deleted_in_bulk(self, case):
        document, _ = issue(case, DocumentKind.WITHDRAWAL_NOTICE, CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE])
        documents = Document.objects.filter(application=document.application)
        with pytest.raises(DocumentImmutable):
            documents.update(title="Altered")
        with pytest.raises(DocumentImmutable):
            documents.delete()
        document.title = "Altered"
        with pytest.raises(DocumentImmutable):
            Document.objects.bulk_update([document], ["title"])
        document.refresh_from_db()
        assert document.title != "Altered" and documents.count() == 1

    def test_the_organ_number_and_date_cannot_be_overridden(self, case):
        context = {
            **CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE],
            "organ": "冒名机关",
            "document_number": "FAKE-1",
            "date": date(2000, 1, 1),
        }
        _, text = issue(case, DocumentKind.WITHDRAWAL_NOTICE, context)
        assert "冒名机关" not in text and "FAKE-1" not in text and "2000-01-01" not in text
        assert case.agency.name in text

    def test_the_application_number_gives_the_file_name(self, case):
        document, _ = issue(case, DocumentKind.WITHDRAWAL_NOTICE, CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE])
        assert document.file.name == f"documents/{case.pk}/{case.number}-W-v1.pdf"


@pytest.mark.django_db(transaction=True)
def test_issuing_outside_a_transaction_is_refused(application):
    """The document belongs to the legal act: it commits or rolls back with it."""
    with pytest.raises(RuntimeError, match="transaction.atomic"):
        document_issue(
            application=application,
            kind=DocumentKind.WITHDRAWAL_NOTICE,
            context=CONTEXTS[DocumentKind.WITHDRAWAL_NOTICE],
        )
    assert not Document.objects.exists()
