"""Applicant accounts: sign up with an email address and a password, confirm the address by a
signed link, keep a profile as a person or an organisation, and reset a forgotten password
(Django's views with our templates).

The sign-up page says the same thing whether or not the address already has an account; the
email tells the owner of the address what to do, so the page reveals nothing about who is
registered."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from licensing.errors import DomainError
from licensing.portal_forms import ProfileForm, SignUpForm
from licensing.services import portal as svc
from licensing.views.portal import form_errors, safe_next

log = logging.getLogger(__name__)


def _send(request: HttpRequest, user, template: str, subject: str, context: dict) -> None:
    """Send an account email now (the account is committed already). A mail failure is logged,
    not shown: signing up again sends a new link."""
    body = render_to_string(template, {"user": user, **context}, request=request)
    try:
        send_mail(subject, body, None, [user.email], fail_silently=False)
    except Exception:  # the mail system is down: the page must still not reveal anything
        log.exception("could not send the account email to user %s", user.pk)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:dashboard")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    errors = []
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"]
            user, created = svc.account_signup(email=email, password=form.cleaned_data["password1"])
            profile = svc.profile_for(user)
            if created or (not user.is_active and profile.email_verified_at is None):
                link = request.build_absolute_uri(
                    reverse("portal:verify", args=[svc.account_verification_token(user)])
                )
                _send(request, user, "applicant/email/verify.txt", _("Confirm your email address – Xuke"),
                      {"link": link})
            else:
                _send(request, user, "applicant/email/already_registered.txt",
                      _("You already have a Xuke account"),
                      {"login": request.build_absolute_uri(reverse("login")),
                       "reset": request.build_absolute_uri(reverse("portal:password_reset"))})
            request.session["signup_email"] = email
            return redirect("portal:signup_sent")
        errors = form_errors(form)
    return render(request, "applicant/signup.html", {"form": form, "errors": errors}, status=400 if errors else 200)


@require_http_methods(["GET"])
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "applicant/signup_sent.html", {"email": request.session.get("signup_email", "")})


@require_http_methods(["GET"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        svc.account_verify(token=token)
    except DomainError as error:
        return render(request, "applicant/verify_failed.html", {"message": error.message}, status=400)
    messages.success(request, _("Your email address is confirmed. Sign in to continue."))
    return redirect(f"{reverse('login')}?next={reverse('portal:profile')}")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Who the applicant is. Visible only to them and to the staff handling their applications."""
    record = svc.profile_for(request.user)
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=record)
    errors = []
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your details have been saved."))
            return redirect(safe_next(request, reverse("portal:dashboard")))
        errors = form_errors(form)
    return render(
        request,
        "applicant/profile.html",
        {"form": form, "errors": errors, "next": safe_next(request, "")},
        status=400 if errors else 200,
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "applicant/password_reset.html"
    email_template_name = "applicant/email/password_reset.txt"
    subject_template_name = "applicant/email/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "applicant/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "applicant/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "applicant/password_reset_complete.html"
