"""The applicant's API (/api/v1/my/…): token authentication, drafts, uploads checked by content,
idempotent submission, supplement answers, withdrawal, documents, rating and messages — all scoped
to the owner, so someone else's id is 404 with nothing leaked."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from licensing.choices import ApplicationStatus as S
from licensing.choices import DecisionKind
from licensing.models import ActionLogEntry, Application, Document, Material, Notification
from licensing.services import applications as procedure
from licensing.services import portal as svc
from tests.factories import PDF_BYTES, PNG_BYTES, TEST_PASSWORD
from tests.licensing.services.test_portal import ANSWERS, decide, request_supplement

pytestmark = pytest.mark.django_db
BASE = "/api/v1/my/applications/"


@pytest.fixture(autouse=True)
def no_throttle_memory():
    cache.clear()  # the token endpoint's throttle counts per address in the cache


@pytest.fixture
def api(portal_applicant):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "wang@example.org", "password": TEST_PASSWORD},
                           format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


@pytest.fixture
def other_api(other_applicant):
    client = APIClient()
    client.force_authenticate(other_applicant)
    return client


def slots(item):
    return list(svc.requirements_to_upload(item))


def create(api, item, **extra):
    response = api.post(BASE, {"item": item.code, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def complete(api, item):
    draft = create(api, item, form_data=ANSWERS)
    plan, rules = slots(item)
    for requirement, name in ((plan, "plan.png"), (rules, "rules.pdf")):
        content = PNG_BYTES if name.endswith("png") else PDF_BYTES
        response = api.post(f"{BASE}{draft['id']}/materials/",
                            {"requirement": requirement.pk, "file": SimpleUploadedFile(name, content)},
                            format="multipart")
        assert response.status_code == 201, response.content
    return draft


class TestAuth:
    def test_token_needs_a_right_password(self, portal_applicant):
        response = APIClient().post("/api/v1/auth/token/", {"username": "wang@example.org", "password": "wrong"},
                                    format="json")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"

    def test_anonymous_is_refused(self):
        assert APIClient().get(BASE).status_code in (401, 403)


class TestDrafts:
    def test_create_update_and_list(self, api, portal_item):
        draft = create(api, portal_item)
        assert draft["status"] == "draft" and draft["number"].startswith("XK-")
        assert set(draft["problems"]) == {"details", "materials", "declaration"}
        response = api.patch(f"{BASE}{draft['id']}/", {"form_data": {"premises": "1 Renmin Road"}}, format="json")
        assert response.status_code == 200 and response.json()["form_data"] == {"premises": "1 Renmin Road"}
        listing = api.get(BASE).json()
        assert listing["count"] == 1 and listing["results"][0]["number"] == draft["number"]

    def test_invalid_answers_change_nothing(self, api, portal_item):
        draft = create(api, portal_item, form_data=ANSWERS)
        response = api.patch(f"{BASE}{draft['id']}/", {"form_data": {"area": "lots", "premises": ""}}, format="json")
        body = response.json()
        assert response.status_code == 400
        assert body["error"]["fields"]["area"] == ["Floor area in square metres must be a number"]
        assert body["error"]["fields"]["premises"] == ["Enter Business premises address"]
        assert Application.objects.get(pk=draft["id"]).form_data == ANSWERS

    def test_a_renamed_file_is_refused(self, api, portal_item):
        draft = create(api, portal_item)
        rules = slots(portal_item)[1]
        response = api.post(f"{BASE}{draft['id']}/materials/",
                            {"requirement": rules.pk, "file": SimpleUploadedFile("rules.pdf", b"<html>not a pdf")},
                            format="multipart")
        assert response.status_code == 400
        assert "is named .pdf but its content is not a PDF file" in response.json()["error"]["message"]
        assert not Material.objects.exists()

    def test_an_oversized_file_is_refused(self, api, portal_item):
        draft = create(api, portal_item)
        plan = slots(portal_item)[0]
        response = api.post(f"{BASE}{draft['id']}/materials/",
                            {"requirement": plan.pk, "file": SimpleUploadedFile("p.pdf", PDF_BYTES + b"0" * 2 ** 20)},
                            format="multipart")
        assert response.status_code == 400 and "smaller than 1 MB" in response.json()["error"]["message"]
        assert not Material.objects.exists()

    def test_submit_needs_the_declaration_and_is_idempotent(self, api, portal_item):
        draft = complete(api, portal_item)
        refused = api.post(f"{BASE}{draft['id']}/submit/", {}, format="json")
        assert refused.status_code == 400 and "declaration" in refused.json()["error"]["fields"]
        assert Application.objects.get(pk=draft["id"]).status == S.DRAFT
        first = api.post(f"{BASE}{draft['id']}/submit/", {"declaration": True}, format="json")
        second = api.post(f"{BASE}{draft['id']}/submit/", {"declaration": True}, format="json")
        assert first.status_code == second.status_code == 200
        assert first.json()["status"] == "received" and first.json()["received_at"] == second.json()["received_at"]
        assert [d["label"] for d in first.json()["due_dates"]] == ["Acceptance decision due (Art. 32)"]
        assert ActionLogEntry.objects.filter(action="submit").count() == 1


class TestScope:
    @pytest.mark.parametrize("method, path", [
        ("get", ""), ("patch", ""), ("post", "materials/"), ("post", "submit/"), ("post", "withdraw/"),
        ("post", "supplement/"), ("get", "documents/"), ("get", "rating/"), ("post", "rating/"),
    ])
    def test_someone_elses_application_is_404(self, api, other_api, portal_item, method, path):
        draft = create(api, portal_item, form_data=ANSWERS)
        response = getattr(other_api, method)(f"{BASE}{draft['id']}/{path}", {}, format="json")
        assert response.status_code == 404
        assert draft["number"] not in response.content.decode()
        assert Application.objects.get(pk=draft["id"]).form_data == ANSWERS

    def test_someone_elses_messages_are_404(self, api, other_api, portal_item):
        draft = complete(api, portal_item)
        api.post(f"{BASE}{draft['id']}/submit/", {"declaration": True}, format="json")
        message = Notification.objects.get()
        assert other_api.get(f"/api/v1/my/notifications/{message.pk}/").status_code == 404
        assert api.get(f"/api/v1/my/notifications/{message.pk}/").status_code == 200


class TestAfterSubmission:
    def submitted(self, api, portal_item):
        draft = complete(api, portal_item)
        api.post(f"{BASE}{draft['id']}/submit/", {"declaration": True}, format="json")
        return Application.objects.get(pk=draft["id"])

    def test_answer_the_supplement_notice(self, api, portal_item, clerk):
        application = self.submitted(api, portal_item)
        request_supplement(application, clerk, portal_item)
        detail = api.get(f"{BASE}{application.pk}/").json()
        fields = [i["field"] for i in detail["supplement_notice"]["items"]]
        plan, rules = slots(portal_item)
        assert fields == [f"r{plan.pk}", f"r{rules.pk}"]
        partial = api.post(f"{BASE}{application.pk}/supplement/",
                           {f"r{plan.pk}": SimpleUploadedFile("p.pdf", PDF_BYTES)}, format="multipart")
        assert partial.status_code == 400 and f"r{rules.pk}" in partial.json()["error"]["fields"]
        response = api.post(f"{BASE}{application.pk}/supplement/",
                            {f"r{plan.pk}": SimpleUploadedFile("p.pdf", PDF_BYTES),
                             f"r{rules.pk}": SimpleUploadedFile("r.pdf", PDF_BYTES)}, format="multipart")
        assert response.status_code == 200 and response.json()["answered_at"]

    def test_documents_and_download(self, api, portal_item, clerk):
        application = self.submitted(api, portal_item)
        procedure.application_accept(application=application, actor=clerk)
        documents = api.get(f"{BASE}{application.pk}/documents/").json()
        assert len(documents) == 1
        response = api.get(documents[0]["download"])
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        assert Document.objects.get().sha256 == documents[0]["sha256"]

    def test_withdraw(self, api, portal_item):
        application = self.submitted(api, portal_item)
        response = api.post(f"{BASE}{application.pk}/withdraw/", {"reason": "No longer needed."}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "withdrawn"
        again = api.post(f"{BASE}{application.pk}/withdraw/", {}, format="json")
        assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"

    def test_rating(self, api, portal_item, clerk, examiner, head):
        application = self.submitted(api, portal_item)
        assert api.post(f"{BASE}{application.pk}/rating/", {"level": 1}, format="json").status_code == 409
        decide(application, clerk, examiner, head, DecisionKind.DENIAL)
        response = api.post(f"{BASE}{application.pk}/rating/", {"level": 5, "comment": "Slow."}, format="json")
        assert response.status_code == 201
        body = response.json()
        assert body["level_display"].startswith("Very dissatisfied") and body["rectification"]["rectify_due_on"]
        assert api.post(f"{BASE}{application.pk}/rating/", {"level": 1}, format="json").status_code == 409
        assert api.get(f"{BASE}{application.pk}/rating/").json()["level"] == 5

    def test_messages(self, api, portal_item):
        self.submitted(api, portal_item)
        messages = api.get("/api/v1/my/notifications/").json()
        assert messages["count"] == 1 and messages["results"][0]["read_at"] is None
        pk = messages["results"][0]["id"]
        assert api.post(f"/api/v1/my/notifications/{pk}/read/").json()["read_at"]


def test_the_schema_still_builds(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200 and b"/api/v1/my/applications/" in response.content
