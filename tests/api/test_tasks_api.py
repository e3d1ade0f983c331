"""The officers' API: the task list (inbox, queue), taking and returning tasks, the application as
its agency sees it, and one endpoint per legal act — each checking role and agency itself
(viewflow.md trap 2), with the uniform error body: 400 refused (with fields), 403 wrong role or
agency, 409 the case moved on."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from viewflow.workflow.status import PROCESS, STATUS

from licensing.choices import ApplicationStatus as S
from licensing.choices import DecisionKind, NonAcceptanceGround, PauseReason, Role
from licensing.models import ActionLogEntry, ClockExtension, Licence
from tests.factories import StaffFactory
from tests.workflows.helpers import (
    at,
    make_requirements,
    open_nodes,
    open_task,
    process_of,
    status_of,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def requirements(item):
    return make_requirements(item)


@pytest.fixture
def submitted(item, applicant, requirements, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(item, applicant)


@pytest.fixture
def examiner2(agency):
    return StaffFactory(username="examiner2", agency=agency, roles=[Role.EXAMINER])


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def post(user, number, act_name, data=None):
    return api(user).post(f"/api/v1/applications/{number}/{act_name}/", data or {}, format="json")


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]


class TestTaskList:
    def test_queue_is_scoped_to_agency_and_role_and_sorted_by_due_date(
        self, item, applicant, requirements, clerk, examiner, outsider
    ):
        late = submit(item, applicant, day="2025-01-13")
        fresh = submit(item, applicant, day="2025-01-20")
        with at("2025-01-22"):
            body = api(clerk).get("/api/v1/tasks/?scope=queue").json()
            assert [t["application"]["number"] for t in body["results"]] == [late.number, fresh.number]
            first = body["results"][0]
            assert first["step"] == "triage" and first["clock"] == "C1" and first["level"] == "red"
            assert first["due_on"] == "2025-01-20" and first["url"].startswith("/workbench/licensing/")
            assert body["results"][1]["level"] == "yellow"
            assert api(examiner).get("/api/v1/tasks/?scope=queue").json()["results"] == []
            assert api(outsider).get("/api/v1/tasks/?scope=queue").json()["results"] == []

    def test_assign_then_inbox_then_unassign(self, submitted, clerk):
        task = open_task(submitted, "triage")
        response = api(clerk).post(f"/api/v1/tasks/{task.pk}/assign/")
        assert response.status_code == 200 and response.json()["owner"] == "clerk"
        inbox = api(clerk).get("/api/v1/tasks/?scope=inbox").json()["results"]
        assert [t["id"] for t in inbox] == [task.pk]
        assert api(clerk).post(f"/api/v1/tasks/{task.pk}/assign/").status_code == 409
        response = api(clerk).post(f"/api/v1/tasks/{task.pk}/unassign/")
        assert response.status_code == 200 and response.json()["status"] == STATUS.NEW

    def test_wrong_role_other_agency_and_applicant_cannot_take_tasks(self, submitted, examiner, outsider, applicant):
        task = open_task(submitted, "triage")
        assert error(api(examiner).post(f"/api/v1/tasks/{task.pk}/assign/"))["code"] == "permission_denied"
        assert api(outsider).post(f"/api/v1/tasks/{task.pk}/assign/").status_code == 404  # not even visible
        assert api(applicant).get("/api/v1/tasks/").status_code == 403
        assert api().get("/api/v1/tasks/").status_code in (401, 403)
        assert open_task(submitted, "triage").owner is None

    def test_bad_scope_is_400(self, clerk):
        assert error(api(clerk).get("/api/v1/tasks/?scope=all"))["fields"] == {"scope": ["Choose inbox or queue."]}


class TestApplication:
    def test_staff_of_the_agency_read_status_clocks_documents_materials_timeline(self, submitted, clerk):
        with at("2025-01-21"):
            body = api(clerk).get(f"/api/v1/applications/{submitted.number}/").json()
        assert body["status"] == S.RECEIVED
        c1 = next(c for c in body["clocks"] if c["kind"] == "C1")
        assert c1["due"] == "2025-01-26" and c1["explanation"] and c1["level"] in ("none", "yellow", "red")
        assert [t["action"] for t in body["timeline"]] == ["submit"]
        assert body["open_tasks"][0]["step"] == "triage"
        assert {"materials", "documents", "checklist"} <= set(body)

    def test_other_agency_and_applicant_get_403_unknown_404(self, submitted, outsider, applicant, clerk):
        assert error(api(outsider).get(f"/api/v1/applications/{submitted.number}/"))["code"] == "permission_denied"
        assert api(applicant).get(f"/api/v1/applications/{submitted.number}/").status_code == 403
        assert api(clerk).get("/api/v1/applications/XK-1999-000001/").status_code == 404


class TestActs:
    def test_accept_art_32_5(self, submitted, clerk):
        with at("2025-01-21"):
            response = post(clerk, submitted.number, "accept")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == S.ACCEPTED
        assert open_nodes(submitted) == ["assign_examiner"]
        assert open_task(submitted, "assign_examiner").status == STATUS.NEW

    def test_wrong_role_is_403_and_nothing_changes(self, submitted, examiner):
        with at("2025-01-21"):
            response = post(examiner, submitted.number, "accept")
        assert response.status_code == 403 and error(response)["code"] == "permission_denied"
        assert status_of(submitted) == S.RECEIVED and open_task(submitted, "triage").owner is None

    def test_other_agency_is_403(self, submitted, outsider):
        with at("2025-01-21"):
            assert post(outsider, submitted.number, "accept").status_code == 403
        assert status_of(submitted) == S.RECEIVED

    def test_invalid_input_is_400_with_fields(self, submitted, clerk):
        with at("2025-01-21"):
            response = post(clerk, submitted.number, "not-accept", {"ground": "nonsense"})
        assert response.status_code == 400
        assert set(error(response)["fields"]) == {"ground", "reasons"}

    def test_refusal_by_the_law_is_400_with_fields(self, submitted, clerk):
        """Art. 32(2): not accepting for lack of powers must name the competent organ."""
        with at("2025-01-21"):
            response = post(
                clerk,
                submitted.number,
                "not-accept",
                {"ground": NonAcceptanceGround.OUTSIDE_POWERS, "reasons": "区级事权"},
            )
        assert response.status_code == 400
        assert "competent_organ" in error(response)["fields"]
        assert open_task(submitted, "triage").owner is None  # the task was not taken either

    def test_act_whose_step_is_not_open_is_409(self, submitted, clerk):
        with at("2025-01-21"):
            assert post(clerk, submitted.number, "accept").status_code == 200
            response = post(clerk, submitted.number, "accept")
        assert response.status_code == 409 and error(response)["code"] == "conflict"
        assert ActionLogEntry.objects.filter(application=submitted, action="accept").count() == 1

    def test_task_held_by_another_officer_is_409(self, submitted, clerk, agency):
        colleague = StaffFactory(username="clerk2", agency=agency, roles=[Role.CLERK])
        api(colleague).post(f"/api/v1/tasks/{open_task(submitted, 'triage').pk}/assign/")
        with at("2025-01-21"):
            response = post(clerk, submitted.number, "accept")
        assert response.status_code == 409 and "clerk2" in error(response)["message"]

    def test_supplement_refused_after_deemed_acceptance_art_32_4(self, submitted, clerk, requirements):
        from django.core.management import call_command

        with at("2025-01-27", hour=0):
            call_command("sweep", stdout=open("/dev/null", "w"))
            response = post(
                clerk,
                submitted.number,
                "request-supplement",
                {"items": [{"requirement_id": requirements[0].pk, "what_is_needed": "缺"}], "how_to_submit": "在线"},
            )
        assert response.status_code == 409
        assert status_of(submitted) == S.DEEMED_ACCEPTED


class TestEndToEnd:
    def test_from_submission_to_certificate_through_the_api(
        self, submitted, clerk, head, examiner, examiner2, applicant, requirements
    ):
        """Every officer's act of the main path, through the API, in order (law.md §2b)."""
        number = submitted.number

        def ok(user, act_name, data=None):
            response = post(user, number, act_name, data)
            assert response.status_code == 200, (act_name, response.json())
            return response.json()

        with at("2025-01-21"):
            ok(clerk, "correct-on-the-spot", {"correction": "更正门牌号"})
            assert ok(clerk, "accept")["status"] == S.ACCEPTED
        with at("2025-01-22"):
            assert ok(head, "assign-examiner", {"examiner": "examiner"})["examiner"] == "examiner"
            ok(examiner, "verify", {"officers": ["examiner", "examiner2"], "findings": "一致"})
            paused = ok(
                examiner,
                "pause",
                {"reason": PauseReason.INSPECTION, "expected_end_on": "2025-02-10", "notice_text": "检验约10个工作日"},
            )
            assert paused["status"] == S.EXCLUDED_PROCEDURE
        with at("2025-02-10"):
            assert ok(examiner, "resume")["status"] == S.UNDER_EXAMINATION
            ok(examiner, "request-extension", {"reason": "检验结果需复核"})
            assert open_nodes(submitted) == ["approve_extension"]
            ok(head, "approve-extension")
            assert ClockExtension.objects.get(application=submitted).reason == "检验结果需复核"
            ok(examiner, "draft-decision", {"kind": DecisionKind.GRANT, "scope": "热食类食品制售"})
            ok(head, "return-decision", {"note": "补充条件"})
            ok(
                examiner,
                "draft-decision",
                {"kind": DecisionKind.GRANT, "scope": "热食类食品制售", "conditions": "限堂食"},
            )
            assert ok(head, "sign-decision")["status"] == S.GRANTED
        with at("2025-02-11"):
            body = ok(clerk, "issue-certificate")
        assert body["status"] == S.CERTIFICATE_ISSUED
        assert {d["kind"] for d in body["documents"]} >= {"D2", "D5", "D6", "D12", "D14"}
        assert Licence.objects.get(application=submitted).scope == "热食类食品制售"
        assert process_of(submitted).status == PROCESS.DONE
        assert [e["action"] for e in body["timeline"]] == [
            "submit",
            "correct_on_spot",
            "accept",
            "assign_examiner",
            "verify",
            "pause_clock",
            "resume_clock",
            "request_extension",
            "extend",
            "draft_decision",
            "return_decision",
            "draft_decision",
            "decide",
            "issue_certificate",
        ]


class TestSchema:
    def test_schema_lists_the_officer_endpoints(self, clerk):
        response = api(clerk).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        assert "/api/v1/tasks/" in paths and "/api/v1/tasks/{id}/assign/" in paths
        for act_name in ("accept", "request-supplement", "sign-decision", "issue-certificate"):
            assert f"/api/v1/applications/{{number}}/{act_name}/" in paths
