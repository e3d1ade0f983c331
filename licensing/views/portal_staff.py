"""Staff pages that belong to the portal: the rectifications bad ratings opened (好差评: contact the
applicant within 1 working day, rectify within 15, law.md §4), and an applicant's profile for the
staff handling one of their applications (design.md principle 4)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from licensing.choices import STAFF_ROLES
from licensing.errors import DomainError
from licensing.models import Application
from licensing.portal_forms import NoteForm
from licensing.selectors_supervision import rectifications_visible_to
from licensing.services import portal as svc
from licensing.services.clocks import local_date
from licensing.views.portal import form_errors


def _staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and any(user.has_role(r) for r in STAFF_ROLES))


def _rectifications_for(user):
    """The agency's own rectifications for its officers; a supervisor's remit (not every agency)."""
    return rectifications_visible_to(user).order_by("rectified_at", "rectify_due_on", "pk")


@login_required
@require_http_methods(["GET"])
def rectification_list(request: HttpRequest) -> HttpResponse:
    """Open rectifications first, each with its two due dates and a warning colour."""
    if not _staff(request.user):
        raise Http404("Not found.")
    page = Paginator(_rectifications_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "supervision/rectification_list.html", {"page": page, "today": local_date(timezone.now())})


@login_required
@require_http_methods(["GET", "POST"])
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not _staff(request.user):
        raise Http404("Not found.")
    rectification = _rectifications_for(request.user).filter(pk=pk).first()
    if rectification is None:
        raise Http404("Not found.")
    form = NoteForm(request.POST if request.method == "POST" else None)
    errors = []
    if request.method == "POST":
        step = request.POST.get("step")
        if form.is_valid():
            action = svc.rectification_contact if step == "contact" else svc.rectification_complete
            try:
                action(rectification=rectification, actor=request.user, note=form.cleaned_data["note"])
            except DomainError as error:
                errors = [("#id_note", error.message)]
            else:
                messages.success(request, _("Recorded."))
                return redirect("portal:rectification", pk=rectification.pk)
        else:
            errors = form_errors(form)
    can_act = rectification.agency_id == request.user.agency_id and any(
        request.user.has_role(r) for r in svc.STAFF_RECTIFY_ROLES
    )
    return render(
        request,
        "supervision/rectification_detail.html",
        {
            "rectification": rectification,
            "form": form,
            "errors": errors,
            "can_act": can_act,
            "today": local_date(timezone.now()),
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def applicant_profile(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant's personal data for the staff of the agency handling this application."""
    application = Application.objects.select_related("applicant", "agent", "agency").filter(number=number).first()
    if application is None or application.status == "draft":
        raise Http404("Not found.")
    profile = svc.profile_for(application.applicant)
    if svc.is_owner(request.user, application) or not svc.profile_visible_to(viewer=request.user, profile=profile):
        raise Http404("Not found.")
    if request.user.agency_id != application.agency_id:
        raise Http404("Not found.")
    agent_profile = svc.profile_for(application.agent) if application.agent_id else None
    return render(
        request,
        "supervision/applicant_profile.html",
        {"application": application, "profile": profile, "agent_profile": agent_profile,
         "authorisation": getattr(application, "authorisation", None)},
    )
