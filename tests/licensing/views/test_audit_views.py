"""The action log on screen (design.md principles 4 and 5): an application's audit timeline for
its agency's staff, everything one official did for supervisors, streamed exports, the public
daily digests, the read-only admin, and the acting user on simple-history rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing.choices import Role
from licensing.models import ActionLogEntry, AuditAction, LicenceItem
from tests.factories import ActionLogEntryFactory, ApplicationFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 2):
    """A moment on 2026-04-<day>, Beijing time (02:00 UTC is 10:00 there)."""
    return time_machine.travel(datetime(2026, 4, day, hour, tzinfo=UTC), tick=False)


@pytest.fixture
def log(clerk, examiner, head, application, other_agency):
    """Acts on two applications of two agencies, on 1, 2 and 3 April 2026."""
    foreign_clerk = StaffFactory(username="foreign-clerk", agency=other_agency, roles=[Role.CLERK])
    foreign = ApplicationFactory(item__agency=other_agency, number="XK-2026-900001")
    with at(1):
        ActionLogEntryFactory(actor=clerk, application=application, reason="materials complete")
        ActionLogEntryFactory(actor=foreign_clerk, application=foreign)
    with at(2):
        ActionLogEntryFactory(
            actor=examiner,
            application=application,
            action=AuditAction.PAUSE_CLOCK,
            legal_basis="Art. 45",
            changes={"state": ["running", "paused"]},
        )
    with at(3):
        ActionLogEntryFactory(actor=head, application=application, action=AuditAction.EXTEND, legal_basis="Art. 42")
        ActionLogEntryFactory(actor=None, action=AuditAction.RECOMPUTE_CLOCKS, legal_basis="Art. 82")
    return {"foreign": foreign, "foreign_clerk": foreign_clerk}


class TestApplicationTimeline:
    def url(self, application):
        return reverse("staff:application_audit", args=[application.number])

    @pytest.mark.parametrize("persona", ["clerk", "examiner", "head", "supervisor", "administrator"])
    def test_agency_staff_and_supervision_read_it_in_order(self, client, request, persona, application, log):
        client.force_login(request.getfixturevalue(persona))
        response = client.get(self.url(application))
        assert response.status_code == 200
        html = response.content.decode()
        assert [e.seq for e in response.context["page"]] == [1, 3, 4]
        assert html.index("<td>clerk</td>") < html.index("<td>examiner</td>") < html.index("<td>head</td>")
        assert "materials complete" in html and "Art. 45" in html and "running" in html

    def test_changes_read_as_before_and_after(self, client, clerk, application):
        ActionLogEntryFactory(
            actor=None,
            action=AuditAction.RECOMPUTE_CLOCKS,
            application=application,
            changes={"status": ["received", "accepted"], "C2": {"due_on": ["2026-05-06", "2026-05-20"]}},
        )
        client.force_login(clerk)
        html = client.get(self.url(application)).content.decode()
        assert "<code>status</code>: received → accepted" in html
        assert "<code>C2.due_on</code>: 2026-05-06 → 2026-05-20" in html

    @pytest.mark.parametrize("persona", ["outsider", "applicant"])
    def test_others_are_refused(self, client, request, persona, application, log):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(self.url(application)).status_code == 403

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, application):
        response = client.get(self.url(application))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_a_deactivated_official_is_refused(self, client, clerk, application):
        clerk.is_active = False
        clerk.save()
        client.force_login(clerk)
        assert client.get(self.url(application)).status_code in (302, 403)


class TestSupervisorView:
    url = reverse("staff:audit")

    def entries(self, client, **query):
        response = client.get(self.url, query)
        assert response.status_code == 200
        return [(e.seq, e.actor_label) for e in response.context["page"]]

    def test_everything_newest_first(self, client, supervisor, log):
        client.force_login(supervisor)
        assert [seq for seq, _ in self.entries(client)] == [5, 4, 3, 2, 1]

    def test_filters_by_official_action_agency_application_and_period(self, client, supervisor, agency, log):
        client.force_login(supervisor)
        assert self.entries(client, actor="examiner") == [(3, "examiner")]
        assert self.entries(client, actor="system") == [(5, "system")]
        assert self.entries(client, action="extend") == [(4, "head")]
        assert self.entries(client, agency=agency.code) == [(4, "head"), (3, "examiner"), (1, "clerk")]
        assert self.entries(client, application="XK-2026-900001") == [(2, "foreign-clerk")]
        assert [s for s, _ in self.entries(client, **{"from": "2026-04-02", "to": "2026-04-02"})] == [3]
        assert [s for s, _ in self.entries(client, **{"from": "2026-04-02"})] == [5, 4, 3]
        assert [s for s, _ in self.entries(client, to="2026-04-01", actor="clerk")] == [1]

    def test_the_day_is_the_local_day(self, client, supervisor, clerk):
        with at(5, hour=17):  # 2026-04-06 01:00 in Beijing
            ActionLogEntryFactory(actor=clerk)
        client.force_login(supervisor)
        assert self.entries(client, **{"from": "2026-04-05", "to": "2026-04-05"}) == []
        assert self.entries(client, **{"from": "2026-04-06", "to": "2026-04-06"}) == [(1, "clerk")]

    def test_bad_filters_are_explained(self, client, supervisor, log):
        client.force_login(supervisor)
        response = client.get(self.url, {"from": "2026-04-03", "to": "2026-04-01", "action": "bribe"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "There is a problem" in html
        assert "The end date must not be before the start date." in html
        assert list(response.context["page"]) == []

    def test_pages_of_fifty(self, client, supervisor, clerk):
        for _ in range(51):
            ActionLogEntryFactory(actor=clerk)
        client.force_login(supervisor)
        assert len(self.entries(client)) == 50
        assert self.entries(client, page=2) == [(1, "clerk")]

    @pytest.mark.parametrize("persona", ["clerk", "examiner", "head", "applicant", "outsider"])
    def test_only_supervisors_and_administrators(self, client, request, persona):
        client.force_login(request.getfixturevalue(persona))
        assert client.get(self.url).status_code == 403
        assert client.get(reverse("staff:audit_export_csv")).status_code == 403
        assert client.get(reverse("staff:audit_export_json")).status_code == 403

    def test_administrators_may_read_it(self, client, administrator, log):
        client.force_login(administrator)
        assert client.get(self.url).status_code == 200

    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        for name in ("staff:audit", "staff:audit_export_csv", "staff:audit_export_json"):
            response = client.get(reverse(name))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))

    def test_the_number_of_queries_does_not_grow_with_the_entries(self, client, supervisor, clerk, application):
        client.force_login(supervisor)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(self.url, {"agency": clerk.agency.code}).status_code == 200
            return len(captured)

        ActionLogEntryFactory(actor=clerk, application=application)
        few = queries()
        for _ in range(60):
            ActionLogEntryFactory(actor=clerk, application=ApplicationFactory(item=application.item))
        assert queries() == few


class TestExports:
    def test_csv_is_streamed_with_the_filtered_rows_oldest_first(self, client, supervisor, agency, application, log):
        client.force_login(supervisor)
        response = client.get(reverse("staff:audit_export_csv"), {"agency": agency.code})
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="xuke-audit-')
        body = b"".join(response.streaming_content).decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
        assert [(r["seq"], r["actor"], r["action"]) for r in rows] == [
            ("1", "clerk", "accept"),
            ("3", "examiner", "pause_clock"),
            ("4", "head", "extend"),
        ]
        assert rows[0]["application"] == application.number
        assert json.loads(rows[1]["changes"]) == {"state": ["running", "paused"]}
        assert rows[2]["hash"] == ActionLogEntry.objects.get(seq=4).hash

    def test_csv_cells_cannot_smuggle_spreadsheet_formulas(self, client, supervisor, clerk):
        ActionLogEntryFactory(actor=clerk, reason='=HYPERLINK("http://evil.example","click")')
        client.force_login(supervisor)
        body = b"".join(client.get(reverse("staff:audit_export_csv")).streaming_content).decode()
        row = next(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
        assert row["reason"] == '\'=HYPERLINK("http://evil.example","click")'

    def test_json_is_streamed_as_one_array_and_keeps_what_the_hash_covers(self, client, supervisor, log):
        client.force_login(supervisor)
        response = client.get(reverse("staff:audit_export_json"), {"from": "2026-04-03"})
        assert isinstance(response, StreamingHttpResponse)
        chunks = list(response.streaming_content)
        assert chunks[0] == b"["
        rows = json.loads(b"".join(chunks))
        assert [r["seq"] for r in rows] == [4, 5]
        system = rows[1]
        assert (system["actor"], system["actor_id"], system["role"], system["agency"]) == (
            "system",
            None,
            "system",
            None,
        )
        entry = ActionLogEntry.objects.get(seq=4)
        assert rows[0]["actor_id"] == entry.actor_id and rows[0]["prev_hash"] == entry.prev_hash
        assert datetime.fromisoformat(rows[0]["at"]) == entry.at

    def test_an_empty_export_is_still_valid(self, client, supervisor):
        client.force_login(supervisor)
        assert json.loads(b"".join(client.get(reverse("staff:audit_export_json")).streaming_content)) == []

    def test_bad_filters_are_refused(self, client, supervisor):
        client.force_login(supervisor)
        response = client.get(reverse("staff:audit_export_csv"), {"from": "yesterday"})
        assert response.status_code == 400
        assert "date_from" in response.json()["errors"]

    def test_the_export_reads_the_rows_in_one_query(self, client, supervisor, clerk):
        for _ in range(30):
            ActionLogEntryFactory(actor=clerk)
        client.force_login(supervisor)
        response = client.get(reverse("staff:audit_export_json"))
        with CaptureQueriesContext(connection) as captured:
            rows = json.loads(b"".join(response.streaming_content))
        assert len(rows) == 30
        assert len(captured) == 1


class TestPublicDigests:
    def test_anyone_can_read_the_daily_chain_heads_without_personal_data(self, client, log):
        response = client.get(reverse("public:audit_digests"))
        assert response.status_code == 200
        html = response.content.decode()
        for seq in (2, 3, 5):  # the last entry of 1, 2 and 3 April
            assert ActionLogEntry.objects.get(seq=seq).hash in html
        assert ActionLogEntry.objects.get(seq=1).hash not in html
        assert "2026-04-01" in html and "2026-04-03" in html
        for name in ("clerk", "examiner", "foreign-clerk", "materials complete", "XK-2026-"):
            assert name not in html

    def test_an_empty_log_says_so(self, client):
        assert "No acts have been recorded yet." in client.get(reverse("public:audit_digests")).content.decode()


class TestAdmin:
    @pytest.fixture
    def superuser(self, db):
        return UserFactory(username="root", is_staff=True, is_superuser=True)

    def test_the_log_is_read_only_even_for_superusers(self, client, superuser, clerk):
        entry = ActionLogEntryFactory(actor=clerk, reason="materials complete")
        client.force_login(superuser)
        changelist = client.get(reverse("admin:licensing_actionlogentry_changelist"))
        assert changelist.status_code == 200
        assert client.get(reverse("admin:licensing_actionlogentry_add")).status_code == 403
        detail = client.get(reverse("admin:licensing_actionlogentry_change", args=[entry.pk]))
        assert detail.status_code == 200
        assert detail.context["adminform"].form.fields == {}  # every field is read-only
        assert "materials complete" in detail.content.decode()
        posted = client.post(reverse("admin:licensing_actionlogentry_change", args=[entry.pk]), {"reason": "x"})
        assert posted.status_code == 403
        assert client.post(reverse("admin:licensing_actionlogentry_delete", args=[entry.pk])).status_code == 403
        assert ActionLogEntry.objects.get().reason == "materials complete"


class TestModelHistory:
    def test_an_admin_change_records_the_acting_user_on_the_history_row(self, client, administrator, item):
        """django-simple-history's middleware puts the request's user on the history row."""
        client.force_login(administrator)
        url = reverse("admin:licensing_licenceitem_change", args=[item.pk])
        data = admin_form_data(client.get(url))
        data["name"] = "食品经营许可（新）"

        response = client.post(url, data)

        assert response.status_code == 302, response.context and response.context["adminform"].form.errors
        latest = LicenceItem.history.filter(id=item.pk).latest("history_date")
        assert latest.name == "食品经营许可（新）"
        assert latest.history_user == administrator
        assert latest.history_type == "~"


def admin_form_data(response) -> dict:
    """The POST data an unchanged admin change form would send."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
    return data
