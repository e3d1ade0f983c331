"""Accounts: sign up, confirm the address by the emailed link, sign in, keep a profile as a person or
an organisation (with the check characters of its identifiers), and reset a password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from licensing.choices import ApplicantKind, Role
from licensing.models import ApplicantProfile, User
from tests.factories import TEST_PASSWORD, VALID_CREDIT_CODE, VALID_ID_NUMBER

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough passphrase"


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


class TestSignUp:
    def test_sign_up_confirm_sign_in(self, client):
        response = client.post(reverse("portal:signup"), {"email": "Li@Example.org", "password1": PASSWORD,
                                                         "password2": PASSWORD})
        assert response.status_code == 302 and response["Location"] == reverse("portal:signup_sent")
        assert "li@example.org" in client.get(response["Location"]).content.decode()
        user = User.objects.get(username="li@example.org")
        assert not user.is_active
        assert not client.login(username="li@example.org", password=PASSWORD)  # not confirmed yet
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["li@example.org"]
        link = link_in(mail.outbox[0])
        response = client.get(link)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        user.refresh_from_db()
        assert user.is_active and Role.APPLICANT in user.roles()
        assert client.login(username="li@example.org", password=PASSWORD)

    def test_errors_link_to_their_fields(self, client):
        response = client.post(reverse("portal:signup"), {"email": "not-an-email", "password1": "12345678",
                                                         "password2": "12345679"})
        html = response.content.decode()
        assert response.status_code == 400
        assert '<a href="#id_email">Enter an email address in the correct format, like name@example.com</a>' in html
        assert '<a href="#id_password2">The passwords do not match</a>' in html
        assert not User.objects.exists()

    def test_weak_password_is_refused(self, client):
        response = client.post(reverse("portal:signup"), {"email": "li@example.org", "password1": "12345678",
                                                         "password2": "12345678"})
        assert response.status_code == 400 and 'href="#id_password1"' in response.content.decode()

    def test_a_registered_address_is_not_revealed(self, client, portal_applicant):
        response = client.post(reverse("portal:signup"), {"email": "wang@example.org", "password1": PASSWORD,
                                                         "password2": PASSWORD})
        assert response.status_code == 302 and response["Location"] == reverse("portal:signup_sent")
        assert User.objects.filter(email="wang@example.org").count() == 1
        assert "already has one" in mail.outbox[0].body
        portal_applicant.refresh_from_db()
        assert portal_applicant.check_password(TEST_PASSWORD)

    def test_a_bad_link_is_explained(self, client):
        response = client.get(reverse("portal:verify", args=["nonsense"]))
        assert response.status_code == 400 and "not valid" in response.content.decode()


class TestProfile:
    def test_person(self, client, applicant):
        client.force_login(applicant)
        response = client.post(reverse("portal:profile"), {"kind": "person", "full_name": "张三",
                                                           "id_number": VALID_ID_NUMBER.lower(), "phone": "138"})
        assert response.status_code == 302
        profile = ApplicantProfile.objects.get(user=applicant)
        assert profile.kind == ApplicantKind.PERSON and profile.id_number == VALID_ID_NUMBER and profile.is_complete

    def test_organisation_credit_code_is_checked(self, client, applicant):
        client.force_login(applicant)
        data = {"kind": "organisation", "organisation_name": "示例餐饮有限公司", "credit_code": "91350100M000100Y44",
                "contact_person": "李四", "phone": "138"}
        response = client.post(reverse("portal:profile"), data)
        html = response.content.decode()
        assert response.status_code == 400
        assert '<a href="#id_credit_code">Enter a unified social credit code in the correct format' in html
        assert not ApplicantProfile.objects.filter(user=applicant, kind="organisation").exists()
        response = client.post(reverse("portal:profile"), {**data, "credit_code": VALID_CREDIT_CODE})
        assert response.status_code == 302
        assert ApplicantProfile.objects.get(user=applicant).display_name == "示例餐饮有限公司"

    def test_required_fields_by_kind(self, client, applicant):
        client.force_login(applicant)
        response = client.post(reverse("portal:profile"), {"kind": "person"})
        html = response.content.decode()
        assert "Enter your full name" in html and "Enter your resident identity card number" in html
        assert "Enter a phone number" in html
        response = client.post(reverse("portal:profile"), {})
        assert 'href="#id_kind_0"' in response.content.decode()

    def test_the_profile_page_shows_only_my_data(self, client, portal_applicant, other_applicant):
        client.force_login(other_applicant)
        html = client.get(reverse("portal:profile")).content.decode()
        assert VALID_ID_NUMBER in html  # their own (the factory gives both the same number)
        assert "wang@example.org" not in html


class TestPasswordReset:
    def test_reset_by_email_link(self, client, portal_applicant):
        response = client.post(reverse("portal:password_reset"), {"email": "wang@example.org"})
        assert response.status_code == 302
        assert mail.outbox[0].subject == "Reset your Xuke password"
        link = link_in(mail.outbox[0])
        response = client.get(link, follow=True)
        assert "Choose a new password" in response.content.decode()
        response = client.post(response.redirect_chain[-1][0], {"new_password1": "a brand new passphrase",
                                                                 "new_password2": "a brand new passphrase"})
        assert response.status_code == 302 and response["Location"] == reverse("portal:password_reset_complete")
        assert client.login(username="wang@example.org", password="a brand new passphrase")

    def test_unknown_address_gives_the_same_answer(self, client):
        response = client.post(reverse("portal:password_reset"), {"email": "nobody@example.org"})
        assert response.status_code == 302 and mail.outbox == []
