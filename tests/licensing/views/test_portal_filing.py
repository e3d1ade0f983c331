"""Filing through the portal's pages: one question group per page, an error summary linking to each
field, the check-your-answers page, the confirmation with the number — and bad input (a renamed
file, an oversized file, a missing answer, a double click) that changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from licensing.choices import ApplicationStatus as S
from licensing.models import ActionLogEntry, AgentAuthorisation, Application, Declaration, Material
from licensing.services import portal as svc
from tests.factories import PDF_BYTES, PNG_BYTES, VALID_CREDIT_CODE

pytestmark = pytest.mark.django_db


def url(name, application, **kwargs):
    return reverse(f"portal:{name}", args=[application.pk], **kwargs)


@pytest.fixture
def signed_in(client, portal_applicant):
    client.force_login(portal_applicant)
    return client


@pytest.fixture
def draft(signed_in, portal_item):
    response = signed_in.post(reverse("portal:apply"), {"item": portal_item.code})
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == url("application", application)
    return application


def slots(item):
    return list(svc.requirements_to_upload(item))


def state(application):
    application.refresh_from_db()
    return (application.status, application.form_data, application.updated_at,
            list(Material.objects.filter(application=application).values_list("pk", "sha256", "superseded")))


DETAILS = {"f_premises": "1 Renmin Road", "f_area": "85", "f_category": "catering", "f_opening": "", "f_notes": ""}


def fill(client, application, item):
    assert client.post(url("draft_who", application), {"as_agent": "no"}).status_code == 302
    assert client.post(url("draft_details", application), DETAILS).status_code == 302
    plan, rules = slots(item)
    response = client.post(url("draft_materials", application), {
        f"r{plan.pk}": SimpleUploadedFile("plan.png", PNG_BYTES),
        f"r{rules.pk}": SimpleUploadedFile("rules.pdf", PDF_BYTES),
        "action": "continue",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.post(url("draft_declaration", application), {"confirm": "on"}).status_code == 302


class TestStart:
    def test_choose_page_lists_online_items(self, signed_in, portal_item):
        html = signed_in.get(reverse("portal:apply")).content.decode()
        assert portal_item.name in html and 'name="item"' in html

    def test_an_incomplete_profile_is_sent_to_the_profile_page(self, client, applicant, portal_item):
        client.force_login(applicant)
        response = client.post(reverse("portal:apply"), {"item": portal_item.code})
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:profile"))
        assert not Application.objects.exists()

    def test_choosing_nothing_is_an_error(self, signed_in):
        response = signed_in.post(reverse("portal:apply"), {})
        assert response.status_code == 400
        assert 'href="#item-list"' in response.content.decode()

    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        response = client.get(reverse("portal:dashboard"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


class TestQuestionPages:
    def test_draft_task_list(self, signed_in, draft):
        html = signed_in.get(url("application", draft)).content.decode()
        for label in ("Who is applying", "Application details", "Materials", "Declaration"):
            assert label in html
        assert "Not finished" in html

    def test_form_is_generated_from_the_item(self, signed_in, draft):
        html = signed_in.get(url("draft_details", draft)).content.decode()
        assert 'name="f_premises"' in html and 'id="id_f_premises-hint"' in html
        assert 'aria-describedby="id_f_premises-hint"' in html
        assert 'type="radio" name="f_category" value="catering"' in html
        assert 'type="date"' in html and "Anything else we should know" in html

    def test_missing_answers_give_an_error_summary_linking_to_each_field(self, signed_in, draft):
        before = state(draft)
        response = signed_in.post(url("draft_details", draft), {**DETAILS, "f_premises": "", "f_category": ""})
        html = response.content.decode()
        assert response.status_code == 400
        assert '<a href="#id_f_premises">Enter Business premises address</a>' in html
        assert '<a href="#id_f_category_0">Select Business category</a>' in html
        assert 'id="id_f_premises-error"' in html and 'aria-invalid="true"' in html
        assert "<title>Error:" in html
        assert state(draft) == before

    def test_answers_are_saved_and_resumable(self, signed_in, draft):
        signed_in.post(url("draft_details", draft), DETAILS)
        draft.refresh_from_db()
        assert draft.form_data == {"premises": "1 Renmin Road", "area": "85", "category": "catering"}
        html = signed_in.get(url("draft_details", draft)).content.decode()
        assert 'value="1 Renmin Road"' in html

    def test_materials_page_has_one_slot_per_requirement_but_not_shared_data(self, signed_in, draft, portal_item):
        html = signed_in.get(url("draft_materials", draft)).content.decode()
        plan, rules = slots(portal_item)
        assert f'name="r{plan.pk}"' in html and f'name="r{rules.pk}"' in html
        assert "Business licence" not in html  # obtained by data sharing (Decree 716 Art. 7)

    def test_a_renamed_file_is_refused_and_nothing_is_stored(self, signed_in, draft, portal_item):
        plan, rules = slots(portal_item)
        before = state(draft)
        response = signed_in.post(url("draft_materials", draft), {
            f"r{plan.pk}": SimpleUploadedFile("plan.png", PNG_BYTES),
            f"r{rules.pk}": SimpleUploadedFile("rules.pdf", b"PK\x03\x04 a zip file renamed"),
            "action": "continue",
        })
        html = response.content.decode()
        assert response.status_code == 400
        assert f'href="#id_r{rules.pk}"' in html
        assert "is named .pdf but its content is not a PDF file" in html
        assert state(draft) == before

    def test_an_oversized_file_is_refused(self, signed_in, draft, portal_item):
        plan = slots(portal_item)[0]
        before = state(draft)
        response = signed_in.post(url("draft_materials", draft), {
            f"r{plan.pk}": SimpleUploadedFile("plan.pdf", PDF_BYTES + b"x" * (1024 * 1024 + 1)),
        })
        assert response.status_code == 400
        assert "must be smaller than 1 MB" in response.content.decode()
        assert state(draft) == before

    def test_remove_a_file(self, signed_in, draft, portal_item):
        plan = slots(portal_item)[0]
        signed_in.post(url("draft_materials", draft), {f"r{plan.pk}": SimpleUploadedFile("p.pdf", PDF_BYTES)})
        material = Material.objects.get()
        response = signed_in.post(reverse("portal:draft_material_remove", args=[draft.pk, material.pk]))
        assert response.status_code == 302
        material.refresh_from_db()
        assert material.superseded

    def test_declaration_must_be_confirmed(self, signed_in, draft):
        response = signed_in.post(url("draft_declaration", draft), {})
        assert response.status_code == 400
        assert '<a href="#id_confirm">Confirm the declaration to continue</a>' in response.content.decode()
        assert not Declaration.objects.exists()

    def test_agent_filing_with_the_authorisation(self, signed_in, draft, portal_item):
        response = signed_in.post(url("draft_who", draft), {"as_agent": "yes"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Enter the name of the applicant you act for" in html
        response = signed_in.post(url("draft_who", draft), {
            "as_agent": "yes", "holder_name": "示例餐饮有限公司", "holder_is_organisation": "yes",
            "principal_id_number": VALID_CREDIT_CODE,
        })
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.agent_id == draft.applicant_id and draft.holder_name == "示例餐饮有限公司"
        html = signed_in.get(url("draft_materials", draft)).content.decode()
        assert 'name="authorisation"' in html
        signed_in.post(url("draft_materials", draft),
                       {"authorisation": SimpleUploadedFile("authorisation.pdf", PDF_BYTES)})
        assert AgentAuthorisation.objects.get(application=draft).sha256


class TestCheckAndSubmit:
    def test_check_answers_lists_everything_with_change_links(self, signed_in, draft, portal_item):
        fill(signed_in, draft, portal_item)
        html = signed_in.get(url("draft_check", draft)).content.decode()
        assert "Check your answers before submitting your application" in html
        assert "1 Renmin Road" in html and "Catering service" in html and "plan.png" in html
        assert f'{url("draft_details", draft)}?from=check#id_f_premises' in html
        assert "Change<span class=\"visually-hidden\"> Business premises address</span>" in html

    def test_submitting_an_incomplete_draft_lists_what_is_missing(self, signed_in, draft):
        before = state(draft)
        response = signed_in.post(url("draft_check", draft))
        html = response.content.decode()
        assert response.status_code == 400
        assert 'href="#section-materials"' in html and 'href="#section-declaration"' in html
        assert state(draft) == before

    def test_submit_shows_the_confirmation_with_the_number(self, signed_in, draft, portal_item):
        fill(signed_in, draft, portal_item)
        response = signed_in.post(url("draft_check", draft))
        assert response.status_code == 302 and response["Location"] == url("submitted", draft)
        html = signed_in.get(response["Location"]).content.decode()
        draft.refresh_from_db()
        assert draft.status == S.RECEIVED and draft.received_at is not None
        assert "Application submitted" in html and draft.number in html
        c1 = draft.clocks.get(kind="C1")
        assert c1.due_on.isoformat() in html

    def test_a_double_click_makes_one_receipt(self, signed_in, draft, portal_item):
        fill(signed_in, draft, portal_item)
        first = signed_in.post(url("draft_check", draft))
        draft.refresh_from_db()
        received_at = draft.received_at
        second = signed_in.post(url("draft_check", draft))
        assert first["Location"] == second["Location"] == url("submitted", draft)
        draft.refresh_from_db()
        assert draft.received_at == received_at
        assert ActionLogEntry.objects.filter(application=draft, action="submit").count() == 1

    def test_draft_pages_are_closed_after_submission(self, signed_in, draft, portal_item):
        fill(signed_in, draft, portal_item)
        signed_in.post(url("draft_check", draft))
        for name in ("draft_who", "draft_details", "draft_materials", "draft_declaration"):
            response = signed_in.post(url(name, draft), DETAILS)
            assert response.status_code == 302 and response["Location"] == url("application", draft)
        draft.refresh_from_db()
        assert draft.form_data["premises"] == "1 Renmin Road"


class TestSomeoneElsesDraft:
    @pytest.mark.parametrize("name", ["application", "draft_who", "draft_details", "draft_materials",
                                      "draft_declaration", "draft_check", "submitted", "supplement", "withdraw",
                                      "rate"])
    def test_is_not_found_and_unchanged(self, client, other_applicant, draft, name):
        before = state(draft)
        client.force_login(other_applicant)
        assert client.get(url(name, draft)).status_code == 404
        response = client.post(url(name, draft), DETAILS)
        assert response.status_code == (405 if name in ("application", "submitted") else 404)  # GET-only pages
        assert draft.number.encode() not in response.content
        assert state(draft) == before
