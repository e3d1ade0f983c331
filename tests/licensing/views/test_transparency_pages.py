"""The public transparency pages (issue 7): status lookup, the list of applications, the
register of licences, verification by QR code and the open data — what each shows, its 404s,
keyset pagination, and query counts that do not grow with the number of rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from licensing.choices import ApplicationStatus, LicenceStatus
from licensing.models import Application, Licence, LicenceVerification, VerificationResult
from licensing.services.clocks import application_clocks_recompute
from licensing.services.transparency import token_hash_prefix
from tests.factories import ActionLogEntryFactory, ApplicationFactory
from tests.transparency_data import EXTENSION_REASON, MASKED_PERSON, NOTICE_SECRET, ORGANISATION, build_public_world

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    return build_public_world()


def html(response) -> str:
    return response.content.decode()


def streamed(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


class TestLookup:
    def test_the_form_sends_a_typed_number_to_its_page(self, client, world):
        response = client.get(reverse("public:lookup"), {"number": " xk-2099-000001 "})
        assert response.status_code == 302
        assert response["Location"] == "/lookup/XK-2099-000001/"

    def test_a_malformed_number_is_explained(self, client):
        response = client.get(reverse("public:lookup"), {"number": "<script>"})
        assert response.status_code == 400
        assert "There is a problem" in html(response)
        assert "letters, digits and hyphens" in html(response)

    def test_an_unknown_number_is_a_404_that_says_so(self, client, world):
        response = client.get(reverse("public:lookup_detail", args=["XK-2099-999999"]))
        assert response.status_code == 404
        assert "There is no application with the number <strong>XK-2099-999999</strong>" in html(response)

    def test_a_draft_has_no_public_record(self, client, world):
        draft = ApplicationFactory(item=world.item, draft=True, number="XK-2099-777777")
        assert client.get(reverse("public:lookup_detail", args=[draft.number])).status_code == 404

    def test_the_documents_urls_match(self, world, settings):
        """The lookup URL printed on every document and the QR code's verify URL resolve here."""
        from licensing import documents

        number = world.applications[S.ACCEPTED].number
        token = world.person_licence.verification_token
        assert documents.lookup_url(number).endswith(reverse("public:lookup_detail", args=[number]))
        assert documents.verify_url(token).endswith(reverse("public:verify", args=[token]))

    def test_the_page_shows_item_agency_state_due_dates_timeline_and_document_titles(self, client, world):
        application = world.applications[S.GRANTED]
        page = html(client.get(reverse("public:lookup_detail", args=[application.number])))
        assert world.item.name in page and world.agency.name in page
        assert str(S.GRANTED.label) in page
        c2 = application.clocks.get(kind="C2")
        assert c2.due_on.isoformat() in page
        assert "How this date was calculated" in page and c2.explanation[0] in page
        # the Art. 45 pause: procedure and dates, not the notice (which names the applicant)
        assert "Expert review" in page
        assert NOTICE_SECRET not in page
        # the timeline: act, role and staff number
        assert "GH-1001" in page and "GH-1003" in page
        assert "Window clerk" in page and "Head of the organ" in page and "Applicant" in page
        assert "受理通知书 Acceptance voucher" in page
        assert ("Decided late" if c2.stopped_on > c2.due_on else "Decided in time") in page

    def test_an_overdue_application_says_so(self, client, world):
        overdue = world.applications[S.UNDER_EXAMINATION]
        page = html(client.get(reverse("public:lookup_detail", args=[overdue.number])))
        assert "Overdue." in page and "no decision has been made" in page
        on_time = world.applications[S.ACCEPTED]
        assert "Overdue" not in html(client.get(reverse("public:lookup_detail", args=[on_time.number])))

    def test_the_extension_and_its_reason_are_shown(self, client, world):
        application = world.applications[S.DECISION_PENDING]
        page = html(client.get(reverse("public:lookup_detail", args=[application.number])))
        assert "extended by 10 working days" in page
        assert EXTENSION_REASON in page

    def test_deemed_acceptance_is_explained(self, client, world):
        application = world.applications[S.DEEMED_ACCEPTED]
        page = html(client.get(reverse("public:lookup_detail", args=[application.number])))
        assert "deemed accepted from the receipt date" in page

    def test_query_count_does_not_grow_with_the_timeline(self, client, world, django_assert_max_num_queries):
        application = world.applications[S.ACCEPTED]
        url = reverse("public:lookup_detail", args=[application.number])
        client.get(url)
        with django_assert_max_num_queries(5) as short:
            client.get(url)
        for _ in range(20):
            ActionLogEntryFactory(actor=world.examiner, application=application, action="verify")
        with django_assert_max_num_queries(5) as long:
            client.get(url)
        assert len(long.captured_queries) == len(short.captured_queries)


def make_applications(world, n: int) -> None:
    now = timezone.now()
    for i in range(n):
        with transaction.atomic():
            application = Application.objects.create(
                number=f"XK-2098-{i + 1:06d}", item=world.item, agency=world.agency, applicant=world.applicant,
                status=S.ACCEPTED, received_at=now - timedelta(hours=i + 1), accepted_on=timezone.localdate(),
            )
            application_clocks_recompute(application=application)


class TestApplicationList:
    def test_lists_every_received_application_with_state_and_due_date(self, client, world):
        page = html(client.get(reverse("public:application_list")))
        assert "13 applications" in page or "14 applications" in page
        for application in world.applications.values():
            assert application.number in page

    def test_filters(self, client, world):
        overdue = world.applications[S.UNDER_EXAMINATION]
        page = html(client.get(reverse("public:application_list"), {"overdue": "on"}))
        assert overdue.number in page
        assert world.applications[S.ACCEPTED].number not in page
        page = html(client.get(reverse("public:application_list"), {"status": "granted"}))
        assert world.applications[S.GRANTED].number in page
        assert world.applications[S.DENIED].number not in page
        year = timezone.localdate().year
        page = html(client.get(reverse("public:application_list"), {"year": year - 5}))
        assert "0 applications" in page
        page = html(client.get(reverse("public:application_list"), {"agency": "nope"}))
        assert "There is a problem" in page  # an unknown agency is reported, then ignored

    def test_keyset_pages_walk_forward_and_back_without_gaps(self, client, world):
        make_applications(world, 60)
        seen: list[str] = []
        url = reverse("public:application_list")
        response = client.get(url)
        pages = []
        while True:
            rows = response.context["page"].rows
            pages.append([r["number"] for r in rows])
            seen += pages[-1]
            nxt = response.context["page"].next_cursor
            if not nxt:
                break
            response = client.get(url, {"after": nxt})
        assert len(seen) == len(set(seen)) == Application.objects.filter(received_at__isnull=False).count()
        # newest first
        times = list(Application.objects.filter(number__in=seen).order_by("-received_at", "-id").values_list(
            "number", flat=True))
        assert seen == times
        # and back from the last page
        prev = response.context["page"].prev_cursor
        back = client.get(url, {"before": prev})
        assert [r["number"] for r in back.context["page"].rows] == pages[-2]

    def test_query_count_does_not_grow_with_rows(self, client, world, django_assert_max_num_queries):
        url = reverse("public:application_list")
        with django_assert_max_num_queries(6) as few:
            client.get(url, {"overdue": "on"})
        make_applications(world, 40)
        with django_assert_max_num_queries(6) as many:
            client.get(url, {"overdue": "on"})
        assert len(many.captured_queries) == len(few.captured_queries)

    def test_the_count_is_bounded(self, client, world, settings):
        settings.XUKE_PUBLIC_COUNT_LIMIT = 5
        assert "More than 5 applications." in html(client.get(reverse("public:application_list")))


class TestRegister:
    def test_shows_number_holder_item_scope_validity_and_status(self, client, world):
        page = html(client.get(reverse("public:register")))
        assert world.person_licence.number in page and MASKED_PERSON in page
        assert world.organisation_licence.number in page and ORGANISATION in page
        assert "热食类食品制售" in page

    def test_an_active_licence_past_its_validity_shows_expired(self, client, world):
        response = client.get(reverse("public:register"), {"status": "expired"})
        numbers = [r["number"] for r in response.context["page"].rows]
        assert numbers == [world.organisation_licence.number]
        response = client.get(reverse("public:register"), {"status": "active"})
        assert [r["number"] for r in response.context["page"].rows] == [world.person_licence.number]

    def test_revoked_and_cancelled_are_shown(self, client, world):
        Licence.objects.filter(pk=world.person_licence.pk).update(status=LicenceStatus.REVOKED)
        response = client.get(reverse("public:register"), {"status": "revoked"})
        assert [r["status_label"] for r in response.context["page"].rows] == [str(LicenceStatus.REVOKED.label)]

    def test_search_by_licence_number(self, client, world):
        response = client.get(reverse("public:register"), {"q": world.person_licence.number})
        assert [r["number"] for r in response.context["page"].rows] == [world.person_licence.number]

    def test_query_count_does_not_grow_with_rows(self, client, world, django_assert_max_num_queries):
        url = reverse("public:register")
        with django_assert_max_num_queries(6) as few:
            client.get(url)
        clerk = world.clerk
        for i in range(30):
            application = ApplicationFactory(item=world.item, status=S.CERTIFICATE_ISSUED)
            Licence.objects.create(
                number=f"REG-{i:04d}", application=application, item=world.item, agency=world.agency,
                holder_name=f"公司{i}", holder_is_organisation=True, scope="s", valid_from=timezone.localdate(),
                issued_on=timezone.localdate(), issued_by=clerk,
            )
        with django_assert_max_num_queries(6) as many:
            client.get(url)
        assert len(many.captured_queries) == len(few.captured_queries)


class TestVerify:
    def test_a_valid_licence_is_confirmed_with_partial_data_and_logged(self, client, world):
        token = world.person_licence.verification_token
        response = client.get(reverse("public:verify", args=[token]), REMOTE_ADDR="203.0.113.7")
        page = html(response)
        assert response.status_code == 200
        assert "This licence is genuine and valid today." in page
        assert world.person_licence.number in page and MASKED_PERSON in page
        log = LicenceVerification.objects.get()
        assert log.licence_id == world.person_licence.pk
        assert log.result == VerificationResult.VALID
        assert log.token_hash_prefix == token_hash_prefix(token)
        stored = " ".join(str(v) for v in LicenceVerification.objects.values_list().get())
        assert token not in stored and "203.0.113.7" not in stored
        assert len(log.client_hash) == 32

    def test_an_expired_licence_says_it_is_not_valid(self, client, world):
        response = client.get(reverse("public:verify", args=[world.organisation_licence.verification_token]))
        assert "is not valid today: Expired" in html(response)
        assert LicenceVerification.objects.get().result == VerificationResult.EXPIRED

    def test_a_forged_code_is_a_clear_404_and_logged(self, client, world):
        response = client.get(reverse("public:verify", args=["NotARealToken-0123456789abcdef"]))
        assert response.status_code == 404
        assert "This code does not match any licence" in html(response)
        log = LicenceVerification.objects.get()
        assert log.licence is None and log.result == VerificationResult.UNKNOWN


class TestOpenData:
    def test_register_csv_is_streamed(self, client, world):
        response = client.get(reverse("public:open_data_download", kwargs={"dataset": "register", "fmt": "csv"}))
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(streamed(response).lstrip("\ufeff"))))
        holders = {r["number"]: r["holder"] for r in rows}
        assert holders == {world.person_licence.number: MASKED_PERSON, world.organisation_licence.number: ORGANISATION}

    def test_applications_json_is_streamed_and_parses(self, client, world):
        url = reverse("public:open_data_download", kwargs={"dataset": "applications", "fmt": "json"})
        data = json.loads(streamed(client.get(url)))
        assert {row["number"] for row in data} >= {a.number for a in world.applications.values()}
        overdue = [row["number"] for row in data if row["overdue"]]
        assert overdue == [world.applications[S.UNDER_EXAMINATION].number]

    def test_statistics_csv_has_the_columns(self, client, world):
        url = reverse("public:open_data_download", kwargs={"dataset": "statistics", "fmt": "csv"})
        rows = list(csv.DictReader(io.StringIO(streamed(client.get(url)).lstrip("\ufeff"))))
        assert rows and rows[0]["agency_code"] == world.agency.code
        assert rows[0]["on_time_statutory_percent"] == ""  # fewer than 20 cases

    def test_the_open_data_page_lists_the_downloads(self, client, world):
        page = html(client.get(reverse("public:open_data")))
        assert "/open-data/register.csv" in page and "/open-data/statistics.json" in page


class TestRateLimits:
    def test_lookups_over_the_limit_get_429_with_a_clear_message(self, client, world, settings):
        settings.XUKE_PUBLIC_RATE_LIMITS = {"lookup": "2/min"}
        url = reverse("public:lookup_detail", args=[world.applications[S.ACCEPTED].number])
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200
        response = client.get(url)
        assert response.status_code == 429
        assert "too many requests" in html(response).lower()
        assert int(response["Retry-After"]) >= 1
        # another client is not affected
        assert client.get(url, REMOTE_ADDR="198.51.100.9").status_code == 200

    def test_verification_and_downloads_are_limited(self, client, world, settings):
        settings.XUKE_PUBLIC_RATE_LIMITS = {"verify": "1/min", "download": "1/min"}
        verify = reverse("public:verify", args=["x" * 20])
        assert client.get(verify).status_code == 404
        assert client.get(verify).status_code == 429
        download = reverse("public:open_data_download", kwargs={"dataset": "register", "fmt": "csv"})
        assert client.get(download).status_code == 200
        assert client.get(download).status_code == 429

    def test_the_client_behind_a_trusted_proxy_is_the_forwarded_address(self, client, world, settings):
        settings.XUKE_PUBLIC_RATE_LIMITS = {"lookup": "1/min"}
        settings.XUKE_TRUSTED_PROXY_COUNT = 1
        url = reverse("public:lookup_detail", args=[world.applications[S.ACCEPTED].number])
        assert client.get(url, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 200
        assert client.get(url, HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 200
        assert client.get(url, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
