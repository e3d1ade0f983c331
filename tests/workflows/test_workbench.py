"""The officer workbench (viewflow's Material UI): lists limited to the officer's agency and role,
sorted by the statutory deadline with yellow and red warnings; task pages that show the whole
dossier; staff downloads checked by agency; page query counts that do not grow with the number
of applications."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing.choices import Role
from licensing.models import Document, Material
from licensing.services import applications as svc
from tests.factories import LicenceItemFactory, StaffFactory, UserFactory
from tests.workflows.helpers import at, open_task, process_of, submit, task_url

pytestmark = pytest.mark.django_db


def assign(task, user):
    with task.activation() as activation:
        activation.assign(user)


def rows(html: str) -> list[str]:
    """Application numbers in the order the list shows them."""
    return re.findall(r"XK-\d{4}-\d{6}", html)


class TestLists:
    def test_queue_sorted_by_due_date_with_red_and_yellow(self, item, applicant, requirements, clerk, client):
        """law.md §4: red once the clock ran out, yellow with 3 or fewer working days left."""
        late = submit(item, applicant, day="2025-01-13")  # C1 due Mon 1/20: overdue on 1/22
        near = submit(item, applicant, day="2025-01-20")  # C1 due Sun 1/26: 3 WD left on 1/22
        fresh = submit(item, applicant, day="2025-01-22")
        client.force_login(clerk)
        with at("2025-01-22"):
            html = client.get("/workbench/licensing/queue/").content.decode()
        assert rows(html) == [late.number, near.number, fresh.number]
        assert html.count("xuke-level--red") == 1 and html.count("xuke-level--yellow") == 1
        assert "2025-01-20 (overdue)" in html and "2025-01-26 (due soon)" in html

    def test_inbox_holds_only_my_tasks(self, item, applicant, requirements, clerk, agency, client):
        mine, theirs = submit(item, applicant), submit(item, applicant)
        assign(open_task(mine, "triage"), clerk)
        assign(open_task(theirs, "triage"), StaffFactory(username="clerk2", agency=agency, roles=[Role.CLERK]))
        client.force_login(clerk)
        with at("2025-01-21"):
            assert rows(client.get("/workbench/licensing/inbox/").content.decode()) == [mine.number]
            assert rows(client.get("/workbench/licensing/queue/").content.decode()) == []

    def test_queue_offers_only_steps_of_my_role(self, item, applicant, requirements, examiner, head, client):
        application = submit(item, applicant)
        for user in (examiner, head):
            client.force_login(user)
            with at("2025-01-21"):
                assert application.number not in client.get("/workbench/licensing/queue/").content.decode()

    def test_other_agency_sees_nothing_of_ours(self, item, applicant, requirements, outsider, client):
        application = submit(item, applicant)
        client.force_login(outsider)
        with at("2025-01-21"):
            for listing in ("queue/", "inbox/", "archive/", "tasks/", "flows/", ""):
                page = client.get(f"/workbench/licensing/{listing}")
                assert page.status_code == 200
                assert application.number not in page.content.decode()
                assert f"/workbench/licensing/{process_of(application).pk}/" not in page.content.decode()

    def test_applicant_and_anonymous_have_no_workbench(self, item, applicant, requirements, client):
        submit(item, applicant)
        assert client.get("/workbench/licensing/queue/").status_code == 302
        client.force_login(applicant)
        assert client.get("/workbench/licensing/queue/").status_code == 403


class TestTaskPage:
    def test_task_page_shows_the_whole_dossier(self, submitted, requirements, clerk, client):
        material = Material.objects.create(
            application=submitted,
            requirement=requirements[0],
            file=ContentFile(b"%PDF-1.4 test", name="form.pdf"),
            original_name="申请书.pdf",
            content_type="application/pdf",
            size=13,
            sha256="0" * 64,
            uploaded_by=submitted.applicant,
        )
        task = open_task(submitted, "triage")
        assign(task, clerk)
        client.force_login(clerk)
        with at("2025-01-21"):
            html = client.get(task_url(task, "execute")).content.decode()
        assert submitted.number in html and submitted.item.name in html and "示例餐饮有限公司" in html
        assert "seats" in html  # form data
        assert f"/workbench/files/materials/{material.pk}/" in html  # the material, with its download link
        assert "场所平面图 Floor plan" in html and "not submitted" in html  # the guide's checklist
        assert 'data-testid="clock-C1"' in html and "Due at the end of 2025-01-26" in html  # clock + explanation
        assert "submit · Art. 29" in html  # the audit timeline
        for name in ("accept", "request-supplement", "not-accept", "correct-on-the-spot"):
            assert f'data-act="{name}"' in html

    def test_detail_and_process_pages_show_the_dossier(self, submitted, clerk, client):
        task = open_task(submitted, "triage")
        client.force_login(clerk)
        with at("2025-01-21"):
            for url in (task_url(task, "detail"), f"/workbench/licensing/{process_of(submitted).pk}/"):
                html = client.get(url).content.decode()
                assert 'data-testid="dossier"' in html and 'data-testid="clock-C1"' in html, url

    def test_documents_listed_with_download_for_staff_only(self, submitted, clerk, outsider, client):
        with at("2025-01-21"):
            svc.application_accept(application=submitted, actor=clerk)
        document = Document.objects.get(application=submitted)
        client.force_login(clerk)
        response = client.get(f"/workbench/files/documents/{document.pk}/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        client.force_login(outsider)
        assert client.get(f"/workbench/files/documents/{document.pk}/").status_code == 403

    def test_material_download_checks_the_agency(self, submitted, requirements, clerk, outsider, client):
        material = Material.objects.create(
            application=submitted,
            requirement=requirements[0],
            file=ContentFile(b"%PDF-1.4 plan", name="plan.pdf"),
            original_name="plan.pdf",
            content_type="application/pdf",
            size=13,
            sha256="0" * 64,
            uploaded_by=submitted.applicant,
        )
        client.force_login(clerk)
        response = client.get(f"/workbench/files/materials/{material.pk}/")
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 plan"
        for user in (outsider, submitted.applicant, UserFactory(roles=[Role.SUPERVISOR])):
            client.force_login(user)
            assert client.get(f"/workbench/files/materials/{material.pk}/").status_code == 403


class TestQueryCounts:
    """Page queries do not grow with the number of applications (measured at N and 3N)."""

    N = 4

    def measure(self, client, url) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(queries)

    def make(self, item, applicant, clerk, count):
        for i in range(count):
            application = submit(item, applicant)
            if i % 2:  # half in the clerk's inbox, half in the queue
                assign(open_task(application, "triage"), clerk)

    @pytest.mark.parametrize("page", ["inbox", "queue", "task"])
    def test_constant_queries(self, page, agency, applicant, requirements, item, clerk, client):
        other_item = LicenceItemFactory(code="other-item", agency=agency)
        self.make(item, applicant, clerk, self.N)
        probe = submit(other_item, applicant)
        task = open_task(probe, "triage")
        assign(task, clerk)
        url = {
            "inbox": "/workbench/licensing/inbox/",
            "queue": "/workbench/licensing/queue/",
            "task": task_url(task, "execute"),
        }[page]
        client.force_login(clerk)
        with at("2025-01-21"):
            first = self.measure(client, url)
            first_again = self.measure(client, url)
        self.make(item, applicant, clerk, 2 * self.N)
        with at("2025-01-21"):
            second = self.measure(client, url)
        assert second == first_again, (page, first, first_again, second)


class TestBulkActions:
    def test_bulk_assign_takes_only_tasks_of_my_queue(self, item, applicant, requirements, clerk, outsider, client):
        ours = submit(item, applicant)
        task = open_task(ours, "triage")
        client.force_login(outsider)
        response = client.post("/workbench/licensing/queue/assign/", {"select_all": "1", "_confirm": "1"})
        assert response.status_code == 302
        task.refresh_from_db()
        assert task.owner is None
        client.force_login(clerk)
        response = client.post("/workbench/licensing/queue/assign/", {"pk": [task.pk], "_confirm": "1"})
        assert response.status_code == 302
        task.refresh_from_db()
        assert task.owner == clerk
