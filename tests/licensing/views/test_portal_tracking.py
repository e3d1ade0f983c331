"""Tracking and answering through the portal's pages: "your applications" with due dates and
warning colours (in a fixed number of queries), an application's timeline without officials'
names, documents and materials downloaded only through checked views, the supplement answer, the
withdrawal with its confirmation step, decisions with remedies, the rating and its follow-up."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing.choices import ApplicationStatus as S
from licensing.choices import DecisionKind, RatingLevel, Role
from licensing.models import Application, Document, Material, Notification, Rating
from licensing.services import applications as procedure
from licensing.services import portal as svc
from tests.factories import PDF_BYTES, StaffFactory
from tests.licensing.services.test_portal import complete_draft, decide, request_supplement, requirements

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def url(name, application):
    return reverse(f"portal:{name}", args=[application.pk])


@pytest.fixture
def signed_in(client, portal_applicant):
    client.force_login(portal_applicant)
    return client


@pytest.fixture
def received(portal_item, portal_applicant):
    application = complete_draft(portal_item, portal_applicant)
    return svc.application_file(application=application, actor=portal_applicant)[0]


@pytest.fixture
def received_in_march(portal_item, portal_applicant):
    with time_machine.travel(datetime(2025, 3, 3, 10, tzinfo=SHANGHAI), tick=False):
        application = complete_draft(portal_item, portal_applicant)
        return svc.application_file(application=application, actor=portal_applicant)[0]


class TestYourApplications:
    def test_state_due_date_explanation_and_colour(self, signed_in, received_in_march):
        received = received_in_march
        with time_machine.travel(datetime(2025, 3, 4, 10, tzinfo=SHANGHAI), tick=False):
            html = signed_in.get(reverse("portal:dashboard")).content.decode()
        assert received.number in html and "Received" in html
        assert "Acceptance decision due (Art. 32)" in html and "2025-03-10" in html
        assert "How this date was worked out" in html
        assert "tag-red" not in html and "tag-yellow" not in html
        with time_machine.travel(datetime(2025, 3, 10, 10, tzinfo=SHANGHAI), tick=False):
            assert "tag-yellow" in signed_in.get(reverse("portal:dashboard")).content.decode()
        with time_machine.travel(datetime(2025, 3, 12, 10, tzinfo=SHANGHAI), tick=False):
            assert "tag-red" in signed_in.get(reverse("portal:dashboard")).content.decode()

    def test_statutory_and_promised_due_dates_after_acceptance(self, signed_in, received_in_march, clerk):
        received = received_in_march
        with time_machine.travel(datetime(2025, 3, 4, 10, tzinfo=SHANGHAI), tick=False):
            procedure.application_accept(application=received, actor=clerk)
            html = signed_in.get(reverse("portal:dashboard")).content.decode()
        assert "Decision due by law (Art. 42)" in html and "Decision promised by" in html
        assert "2025-04-01" in html  # 20 working days after 4 March
        assert "2025-03-18" in html  # the promised 10

    def test_query_count_does_not_grow_with_rows(self, signed_in, portal_item, portal_applicant):
        def count():
            with CaptureQueriesContext(connection) as queries:
                assert signed_in.get(reverse("portal:dashboard")).status_code == 200
            return len(queries)

        for _ in range(2):
            svc.application_file(application=complete_draft(portal_item, portal_applicant), actor=portal_applicant)
        few = count()
        for _ in range(8):
            svc.application_file(application=complete_draft(portal_item, portal_applicant), actor=portal_applicant)
        assert count() == few

    def test_only_my_applications_are_listed(self, client, other_applicant, received):
        client.force_login(other_applicant)
        html = client.get(reverse("portal:dashboard")).content.decode()
        assert received.number not in html and "You have no applications yet." in html


class TestApplicationPage:
    def test_timeline_names_roles_and_staff_numbers_never_officials(self, signed_in, received, agency):
        clerk = StaffFactory(username="chen.clerk", first_name="陈", last_name="官员", agency=agency,
                             roles=[Role.CLERK], staff_number="A-0042")
        procedure.application_accept(application=received, actor=clerk)
        html = signed_in.get(url("application", received)).content.decode()
        assert "Application submitted (Art. 29)" in html and "The applicant" in html
        assert "Window clerk, staff number A-0042" in html
        assert "chen.clerk" not in html and "陈" not in html

    def test_documents_are_downloaded_through_a_checked_view(self, signed_in, client, received, clerk,
                                                             other_applicant, outsider):
        procedure.application_accept(application=received, actor=clerk)
        document = Document.objects.get(application=received)
        link = reverse("portal:document_download", args=[document.pk])
        assert link in signed_in.get(url("application", received)).content.decode()
        response = signed_in.get(link)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert "attachment" in response["Content-Disposition"]
        client.force_login(clerk)
        assert client.get(link).status_code == 200  # the handling agency's staff
        for person in (other_applicant, outsider):
            client.force_login(person)
            assert client.get(link).status_code == 404

    def test_materials_are_never_public(self, client, signed_in, received, other_applicant, clerk):
        material = Material.objects.filter(application=received).first()
        link = reverse("portal:material_download", args=[material.pk])
        assert signed_in.get(link).status_code == 200
        client.logout()
        assert client.get(link).status_code == 302  # to sign in
        client.force_login(other_applicant)
        assert client.get(link).status_code == 404
        client.force_login(clerk)
        response = client.get(link)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES

    def test_supplement_notice_says_what_is_expected(self, signed_in, received, clerk, portal_item):
        request_supplement(received, clerk, portal_item)
        html = signed_in.get(url("application", received)).content.decode()
        assert "The plan must show the kitchen." in html and "Upload the listed materials" in html

    def test_another_users_id_is_404_and_leaks_nothing(self, client, other_applicant, received):
        client.force_login(other_applicant)
        response = client.get(url("application", received))
        assert response.status_code == 404
        assert received.number.encode() not in response.content
        missing = client.get(reverse("portal:application", args=[received.pk + 1000]))
        assert missing.status_code == 404


class TestAnswering:
    def test_answer_the_supplement_notice(self, signed_in, received, clerk, portal_item):
        request_supplement(received, clerk, portal_item)
        plan, rules = requirements(portal_item)
        html = signed_in.get(url("supplement", received)).content.decode()
        assert f'name="r{plan.pk}"' in html and "Sign it." in html
        response = signed_in.post(url("supplement", received), {f"r{plan.pk}": SimpleUploadedFile("p.pdf", PDF_BYTES)})
        assert response.status_code == 400
        assert f'<a href="#id_r{rules.pk}">Upload Food safety rules</a>' in response.content.decode()
        assert not Material.objects.filter(answers_notice__isnull=False).exists()
        response = signed_in.post(url("supplement", received), {
            f"r{plan.pk}": SimpleUploadedFile("p.pdf", PDF_BYTES),
            f"r{rules.pk}": SimpleUploadedFile("r.pdf", PDF_BYTES),
        })
        assert response.status_code == 302
        assert Material.objects.filter(answers_notice__isnull=False).count() == 2
        notice = received.supplement_notices.get()
        assert notice.answered_at is not None

    def test_withdraw_needs_the_confirmation_step(self, signed_in, received):
        html = signed_in.get(url("withdraw", received)).content.decode()
        assert "Are you sure you want to withdraw your application?" in html
        assert Application.objects.get(pk=received.pk).status == S.RECEIVED
        response = signed_in.post(url("withdraw", received), {"reason": "Changed my plans."})
        assert response.status_code == 302
        assert Application.objects.get(pk=received.pk).status == S.WITHDRAWN
        assert "Withdraw this application" not in signed_in.get(url("application", received)).content.decode()

    def test_a_denial_shows_reasons_and_remedy_rights(self, signed_in, received, clerk, examiner, head):
        decide(received, clerk, examiner, head, DecisionKind.DENIAL)
        html = signed_in.get(url("application", received)).content.decode()
        assert "The kitchen is too small." in html
        assert "Your right to challenge this decision" in html and "60" in html and "6 months" in html
        assert "Rate the service" in html


class TestRatingPages:
    def test_bad_rating_and_the_follow_up(self, signed_in, received, clerk, examiner, head):
        from django.test import Client

        client = Client()
        decide(received, clerk, examiner, head)
        response = signed_in.post(url("rate", received), {})
        assert response.status_code == 400
        assert 'href="#id_level_0"' in response.content.decode()
        response = signed_in.post(url("rate", received), {"level": RatingLevel.VERY_DISSATISFIED,
                                                          "comment": "Nobody answered the phone."})
        assert response.status_code == 302
        rating = Rating.objects.get()
        rectification = rating.rectification
        assert signed_in.get(url("rate", received)).status_code == 302  # once only
        html = signed_in.get(url("application", received)).content.decode()
        assert "The agency must contact you by" in html and rectification.rectify_due_on.isoformat() in html

        client.force_login(clerk)
        listing = client.get(reverse("portal:rectifications")).content.decode()
        assert received.number in listing
        detail = reverse("portal:rectification", args=[rectification.pk])
        assert client.post(detail, {"step": "contact", "note": ""}).status_code == 400
        assert client.post(detail, {"step": "contact", "note": "Called on the phone."}).status_code == 302
        assert client.post(detail, {"step": "complete", "note": "Phone line staffed."}).status_code == 302
        html = signed_in.get(url("application", received)).content.decode()
        assert "Called on the phone." in html and "Phone line staffed." in html

    def test_staff_of_another_agency_see_no_rectification(self, client, received, clerk, examiner, head,
                                                          portal_applicant, outsider):
        decide(received, clerk, examiner, head)
        rating = svc.rating_submit(application=received, actor=portal_applicant, level=RatingLevel.DISSATISFIED)
        client.force_login(outsider)
        assert received.number not in client.get(reverse("portal:rectifications")).content.decode()
        assert client.get(reverse("portal:rectification", args=[rating.rectification.pk])).status_code == 404


class TestApplicantProfileForStaff:
    def test_handling_staff_only(self, client, received, clerk, outsider, other_applicant):
        link = reverse("portal:applicant_profile", args=[received.number])
        client.force_login(clerk)
        html = client.get(link).content.decode()
        assert "张三" in html and "13800000000" in html
        for person in (outsider, other_applicant):
            client.force_login(person)
            assert client.get(link).status_code == 404


class TestMessages:
    def test_inbox_and_reading(self, signed_in, received):
        html = signed_in.get(reverse("portal:notifications")).content.decode()
        message = Notification.objects.get(application=received)
        assert message.subject in html and "Unread:" in html
        assert '<span class="count-badge">1' in html
        html = signed_in.get(reverse("portal:notification", args=[message.pk])).content.decode()
        assert "We received your application" in html
        message.refresh_from_db()
        assert message.read_at is not None

    def test_someone_elses_message_is_404(self, client, other_applicant, received):
        client.force_login(other_applicant)
        message = Notification.objects.get(application=received)
        assert client.get(reverse("portal:notification", args=[message.pk])).status_code == 404

    def test_mark_all_read(self, signed_in, received):
        signed_in.post(reverse("portal:notifications"))
        assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_overdue_follow_up_shows_red(client, received, clerk, examiner, head, portal_applicant):
    decide(received, clerk, examiner, head)
    rating = svc.rating_submit(application=received, actor=portal_applicant, level=RatingLevel.DISSATISFIED)
    later = datetime.combine(rating.rectification.rectify_due_on + timedelta(days=3), datetime.min.time(), SHANGHAI)
    with time_machine.travel(later, tick=False):
        client.force_login(clerk)
        assert "tag-red" in client.get(reverse("portal:rectifications")).content.decode()
