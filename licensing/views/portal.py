"""The applicant portal under /my/: file an application one question group per page (who is
applying; the item's form; materials; the declaration), check the answers, submit, and then track
it, answer a supplement notice, withdraw, read decisions, rate the service and read messages.

Server-rendered, works without JavaScript, and follows the GOV.UK patterns: an error summary that
links to each field, a check-your-answers page and a confirmation page with the application
number. Every page reads the application through ``application_for_owner``: someone else's
application is "not found" (404), never "forbidden"."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensing import selectors_portal as sel
from licensing.choices import ApplicationStatus as S
from licensing.choices import RequirementKind, Role
from licensing.errors import DomainError
from licensing.models import (
    AgentAuthorisation,
    Application,
    Declaration,
    Document,
    LicenceItem,
    Material,
    Notification,
    Rating,
)
from licensing.portal_forms import (
    DECLARATION_TEXT,
    DeclarationForm,
    RatingForm,
    WhoForm,
    WithdrawForm,
    form_answers,
    form_data_initial,
    item_form_class,
)
from licensing.services import portal as svc
from licensing.services.applications import PRE_DECISION, application_withdraw
from licensing.services.clocks import local_date
from licensing.uploads import accepted_labels

log = logging.getLogger(__name__)

PAGE_SIZE = 20
DRAFT_STEPS = ("who", "details", "materials", "declaration")


# -- helpers --------------------------------------------------------------------------------------


def form_errors(form, prefix_map: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary: one link per message, to its field (a radio
    group links to its first option)."""
    out = []
    for name, errors in form.errors.items():
        if name == "__all__":
            first = next(iter(form.fields), None)
            anchor = f"#{form[first].auto_id}" if first else "#main"
        else:
            field = form.fields.get(name)
            bound = form[name]
            radio = getattr(field.widget, "input_type", "") == "radio" if field is not None else False
            anchor = f"#{bound.auto_id}_0" if radio else f"#{bound.auto_id}"
        for message in errors:
            out.append((anchor, str(message)))
    return out


def _today():
    return local_date(timezone.now())


def _owned(request: HttpRequest, pk) -> Application:
    return sel.application_for_owner(request.user, pk)


def _draft_or_redirect(request: HttpRequest, pk):
    """The owner's draft, or a redirect to its page once submitted (the draft pages are gone)."""
    application = _owned(request, pk)
    if application.status != S.DRAFT:
        return application, redirect("portal:application", pk=application.pk)
    return application, None


def _domain_errors(error: DomainError, anchors: dict[str, str] | None = None) -> list[tuple[str, str]]:
    anchors = anchors or {}
    if error.fields:
        return [
            (anchors.get(key, f"#{key}"), str(message))
            for key, messages_ in error.fields.items()
            for message in (messages_ if isinstance(messages_, list | tuple) else [messages_])
        ]
    return [("#main", error.message)]


def _next_step(application: Application, step: str) -> HttpResponse:
    index = DRAFT_STEPS.index(step)
    if index + 1 < len(DRAFT_STEPS):
        return redirect(f"portal:draft_{DRAFT_STEPS[index + 1]}", pk=application.pk)
    return redirect("portal:draft_check", pk=application.pk)


def _back_to_check(request: HttpRequest, application: Application, step: str) -> HttpResponse:
    if request.GET.get("from") == "check":
        return redirect("portal:draft_check", pk=application.pk)
    return _next_step(application, step)


# -- tracking -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """"Your applications": state, due dates (statutory and promised, with the explanation) and
    the warning colour, in a fixed number of queries whatever the number of rows."""
    page = Paginator(sel.my_applications(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    today = _today()
    rows = [(application, sel.due_dates(application, today)) for application in page.object_list]
    profile = svc.profile_for(request.user)
    return render(request, "applicant/dashboard.html", {"page": page, "rows": rows, "profile": profile})


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """Choose the licence to apply for; starting creates a draft that can be resumed later."""
    items = (
        LicenceItem.objects.published()
        .filter(online_available=True, in_person_required=False)
        .select_related("agency")
        .order_by("agency__code", "code")
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        items = items.filter(name__icontains=query) | items.filter(name_en__icontains=query) | items.filter(
            code__icontains=query
        )
    errors = []
    profile = svc.profile_for(request.user)
    if request.method == "POST":
        item = LicenceItem.objects.published().filter(code=request.POST.get("item", "")).first()
        if item is None:
            errors = [("#item-list", _("Select the licence you want to apply for"))]
        else:
            try:
                application = svc.draft_start(item=item, actor=request.user)
            except DomainError as error:
                if error.code == "profile_incomplete":
                    messages.info(request, _("Tell us who you are before you apply."))
                    return redirect(f"{reverse('portal:profile')}?next={reverse('portal:apply')}")
                errors = [("#item-list", error.message)]
            else:
                return redirect("portal:application", pk=application.pk)
    return render(
        request,
        "applicant/apply.html",
        {"items": items[:200], "query": query, "errors": errors, "profile": profile},
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def application_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's task list, or a submitted application's page: its state, due dates with their
    explanation, what the applicant must do and by when, its timeline, decisions and documents."""
    application = _owned(request, pk)
    if application.status == S.DRAFT:
        return _draft_overview(request, application)
    today = _today()
    notice = svc.supplement_notice_open(application)
    decisions = list(svc.decision_for_applicant(application))
    rating = Rating.objects.filter(application=application).select_related("rectification").first()
    rectification = getattr(rating, "rectification", None) if rating else None
    licence = getattr(application, "licence", None) if application.status == S.CERTIFICATE_ISSUED else None
    context = {
        "application": application,
        "due_dates": sel.due_dates(application, today),
        "notice": notice,
        "decisions": decisions,
        "documents": sel.documents_for_applicant(application),
        "timeline": sel.timeline_for_applicant(application),
        "materials": Material.objects.filter(application=application).select_related("requirement").order_by(
            "requirement__order", "pk"
        ),
        "can_withdraw": application.status in PRE_DECISION,
        "can_rate": application.status in svc.DECIDED_STATES and rating is None,
        "rating": rating,
        "rectification": rectification,
        "licence": licence,
        "pauses": application.pauses.filter(ended_on__isnull=True),
    }
    return render(request, "applicant/application.html", context)


def _draft_overview(request: HttpRequest, application: Application) -> HttpResponse:
    problems = svc.draft_problems(application)
    steps = [
        ("who", _("Who is applying"), reverse("portal:draft_who", args=[application.pk])),
        ("details", _("Application details"), reverse("portal:draft_details", args=[application.pk])),
        ("materials", _("Materials"), reverse("portal:draft_materials", args=[application.pk])),
        ("declaration", _("Declaration"), reverse("portal:draft_declaration", args=[application.pk])),
    ]
    return render(
        request,
        "applicant/draft.html",
        {"application": application, "steps": steps, "problems": problems, "ready": not problems},
    )


# -- the draft, one question group per page -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def draft_who(request: HttpRequest, pk: int) -> HttpResponse:
    application, gone = _draft_or_redirect(request, pk)
    if gone:
        return gone
    authorisation = AgentAuthorisation.objects.filter(application=application).first()
    initial = {
        "as_agent": "yes" if application.agent_id else "no",
        "holder_name": application.holder_name if application.agent_id else "",
        "holder_is_organisation": ("yes" if application.holder_is_organisation else "no")
        if application.agent_id
        else "",
        "principal_id_number": authorisation.principal_id_number if authorisation else "",
    }
    form = WhoForm(request.POST if request.method == "POST" else None, initial=initial)
    errors = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                svc.draft_set_applicant(
                    application=application,
                    actor=request.user,
                    as_agent=data["as_agent"],
                    holder_name=data.get("holder_name", ""),
                    holder_is_organisation=bool(data.get("holder_is_organisation")),
                    principal_id_number=data.get("principal_id_number", ""),
                )
            except DomainError as error:
                errors = _domain_errors(error)
            else:
                return _back_to_check(request, application, "who")
        else:
            errors = form_errors(form)
    return render(
        request,
        "applicant/draft_who.html",
        {"application": application, "form": form, "errors": errors, "profile": svc.profile_for(request.user)},
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_details(request: HttpRequest, pk: int) -> HttpResponse:
    """The item's application form, generated from its configuration and validated here."""
    application, gone = _draft_or_redirect(request, pk)
    if gone:
        return gone
    form_class = item_form_class(application.item)
    data = request.POST if request.method == "POST" else None
    form = form_class(data, initial=form_data_initial(application.form_data))
    errors = []
    if request.method == "POST":
        if form.is_valid():
            answers = {name[2:]: value for name, value in request.POST.items() if name.startswith("f_")}
            try:
                svc.draft_update(application=application, actor=request.user, form_data=answers)
            except DomainError as error:
                errors = _domain_errors(error, {k: f"#id_f_{k}" for k in error.fields})
            else:
                return _back_to_check(request, application, "details")
        else:
            errors = form_errors(form)
    return render(
        request,
        "applicant/draft_details.html",
        {"application": application, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


def _accept(types: list[str]) -> str:
    """The ``accept`` attribute of a file input: a hint to the browser; the server checks content."""
    return ",".join(f".{t}" for t in types)


def _slots(application: Application, field_errors: dict[str, str] | None = None):
    current = svc.current_materials(application)
    field_errors = field_errors or {}
    return [
        {
            "requirement": requirement,
            "name": f"r{requirement.pk}",
            "material": current.get(requirement.pk),
            "types": accepted_labels(requirement.accepted_type_list),
            "accept": _accept(requirement.accepted_type_list),
            "required": requirement.kind == RequirementKind.REQUIRED,
            "error": field_errors.get(f"r{requirement.pk}"),
        }
        for requirement in svc.requirements_to_upload(application.item)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def draft_materials(request: HttpRequest, pk: int) -> HttpResponse:
    """One upload slot per material on the item's list. All chosen files are checked before any is
    stored: a refused file leaves the draft exactly as it was."""
    application, gone = _draft_or_redirect(request, pk)
    if gone:
        return gone
    errors: list[tuple[str, str]] = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        uploads = {}
        for key, upload in request.FILES.items():
            if key.startswith("r") and key[1:].isdigit():
                uploads[int(key[1:])] = upload
        authorisation = request.FILES.get("authorisation")
        try:
            svc.draft_upload(application=application, actor=request.user, uploads=uploads, authorisation=authorisation)
        except DomainError as error:
            errors = _domain_errors(error, {k: f"#id_{k}" for k in error.fields})
            field_errors = {k: str(v[0]) for k, v in error.fields.items()}
            if not error.fields:
                field_errors = {}
        else:
            count = len(uploads) + (1 if authorisation else 0)
            if count:
                messages.success(request, _("%(n)d file(s) uploaded.") % {"n": count})
            if request.POST.get("action") == "continue":
                return _back_to_check(request, application, "materials")
            return redirect("portal:draft_materials", pk=application.pk)
    authorisation_record = (
        AgentAuthorisation.objects.filter(application=application).first() if application.agent_id else None
    )
    return render(
        request,
        "applicant/draft_materials.html",
        {
            "application": application,
            "slots": _slots(application, field_errors),
            "errors": errors,
            "field_errors": field_errors,
            "authorisation": authorisation_record,
            "from_check": request.GET.get("from") == "check",
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def draft_material_remove(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    application, gone = _draft_or_redirect(request, pk)
    if gone:
        return gone
    material = get_object_or_404(Material, pk=material_pk, application=application, superseded=False)
    svc.material_remove(application=application, actor=request.user, material=material)
    messages.success(request, _("“%(name)s” removed.") % {"name": material.original_name})
    return redirect("portal:draft_materials", pk=application.pk)


@login_required
@require_http_methods(["GET", "POST"])
def draft_declaration(request: HttpRequest, pk: int) -> HttpResponse:
    """The truthfulness declaration (Art. 31), required before submission."""
    application, gone = _draft_or_redirect(request, pk)
    if gone:
        return gone
    declared = Declaration.objects.filter(application=application).exists()
    form = DeclarationForm(request.POST if request.method == "POST" else None, initial={"confirm": declared})
    errors = []
    if request.method == "POST":
        if form.is_valid():
            svc.draft_declare(application=application, actor=request.user)
            return redirect("portal:draft_check", pk=application.pk)
        errors = form_errors(form)
    return render(
        request,
        "applicant/draft_declaration.html",
        {"application": application, "form": form, "errors": errors, "text": DECLARATION_TEXT},
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, then submit. Submitting twice (a double click, a retried request) is
    harmless: the second request finds the application submitted and shows the confirmation."""
    application = _owned(request, pk)
    if application.status != S.DRAFT:
        if request.method == "POST":
            return redirect("portal:submitted", pk=application.pk)
        return redirect("portal:application", pk=application.pk)
    errors = []
    if request.method == "POST":
        try:
            application, _now = svc.application_file(application=application, actor=request.user)
        except DomainError as error:
            anchors = {step: f"#section-{step}" for step in DRAFT_STEPS}
            errors = _domain_errors(error, anchors)
        else:
            return redirect("portal:submitted", pk=application.pk)
    problems = svc.draft_problems(application)
    authorisation = AgentAuthorisation.objects.filter(application=application).first()
    return render(
        request,
        "applicant/draft_check.html",
        {
            "application": application,
            "answers": form_answers(application.item, application.form_data),
            "slots": _slots(application),
            "declaration": Declaration.objects.filter(application=application).first(),
            "authorisation": authorisation,
            "problems": problems,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def submitted(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page with the application number and when to expect an answer."""
    application = _owned(request, pk)
    if application.status == S.DRAFT:
        return redirect("portal:draft_check", pk=application.pk)
    clocks = {c.kind: c for c in application.clocks.all()}
    return render(request, "applicant/submitted.html", {"application": application, "c1": clocks.get("C1")})


# -- answering ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def supplement(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer the one-time supplement notice (Art. 32(4)) with exactly the items it lists."""
    application = _owned(request, pk)
    notice = svc.supplement_notice_open(application)
    if notice is None:
        messages.info(request, _("There is no supplement notice waiting for an answer."))
        return redirect("portal:application", pk=application.pk)
    items = [i for i in notice.items.all() if i.met_at is None]
    errors: list[tuple[str, str]] = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        uploads = {}
        for key, upload in request.FILES.items():
            if key.startswith("r") and key[1:].isdigit():
                uploads[int(key[1:])] = upload
        try:
            svc.supplement_answer(application=application, actor=request.user, uploads=uploads)
        except DomainError as error:
            errors = _domain_errors(error, {k: f"#id_{k}" for k in error.fields})
            field_errors = {k: str(v[0]) for k, v in error.fields.items()}
        else:
            messages.success(request, _("Your materials were sent. The agency will now decide whether to accept "
                                        "your application."))
            return redirect("portal:application", pk=application.pk)
    slots = [
        {
            "item": item,
            "requirement": item.requirement,
            "name": f"r{item.requirement_id}",
            "types": accepted_labels(item.requirement.accepted_type_list),
            "accept": _accept(item.requirement.accepted_type_list),
            "error": field_errors.get(f"r{item.requirement_id}"),
        }
        for item in items
    ]
    return render(
        request,
        "applicant/supplement.html",
        {"application": application, "notice": notice, "slots": slots, "errors": errors,
         "field_errors": field_errors},
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw before the decision, after a confirmation step."""
    application = _owned(request, pk)
    if application.status not in PRE_DECISION:
        messages.info(request, _("This application can no longer be withdrawn."))
        return redirect("portal:application", pk=application.pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            application_withdraw(application=application, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            errors = _domain_errors(error)
        else:
            messages.success(request, _("Application %(number)s has been withdrawn.") % {"number": application.number})
            return redirect("portal:application", pk=application.pk)
    elif request.method == "POST":
        errors = form_errors(form)
    return render(
        request,
        "applicant/withdraw.html",
        {"application": application, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate the service once, after the decision (好差评)."""
    application = _owned(request, pk)
    if application.status not in svc.DECIDED_STATES or Rating.objects.filter(application=application).exists():
        messages.info(request, _("You can rate the service once, after the agency has decided."))
        return redirect("portal:application", pk=application.pk)
    form = RatingForm(request.POST if request.method == "POST" else None)
    errors = []
    if request.method == "POST":
        if form.is_valid():
            try:
                rating = svc.rating_submit(
                    application=application,
                    actor=request.user,
                    level=form.cleaned_data["level"],
                    comment=form.cleaned_data["comment"],
                )
            except DomainError as error:
                errors = _domain_errors(error)
            else:
                if rating.is_bad:
                    messages.success(request, _("Thank you. The agency must contact you by %(date)s and put things "
                                                "right by %(due)s.")
                                     % {"date": rating.rectification.contact_due_on.isoformat(),
                                        "due": rating.rectification.rectify_due_on.isoformat()})
                else:
                    messages.success(request, _("Thank you for rating the service."))
                return redirect("portal:application", pk=application.pk)
        else:
            errors = form_errors(form)
    return render(
        request,
        "applicant/rate.html",
        {"application": application, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


# -- messages -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The in-app inbox. "Mark all as read" is a POST."""
    if request.method == "POST":
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
        messages.success(request, _("All messages marked as read."))
        return redirect("portal:notifications")
    page = Paginator(sel.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applicant/notifications.html", {"page": page})


@login_required
@require_http_methods(["GET"])
def notification(request: HttpRequest, pk: int) -> HttpResponse:
    item = Notification.objects.filter(recipient=request.user, pk=pk).select_related("application").first()
    if item is None:
        raise Http404("No such message.")
    if item.read_at is None:
        Notification.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "applicant/notification.html", {"item": item})


# -- files: never a public URL --------------------------------------------------------------------


def can_read_files(user, application: Application) -> bool:
    """The owner, or the staff of the agency handling a submitted application."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if svc.is_owner(user, application):
        return True
    if application.status == S.DRAFT or not user.agency_id or user.agency_id != application.agency_id:
        return False
    return any(user.has_role(r) for r in (Role.CLERK, Role.EXAMINER, Role.HEAD, Role.HEARING_OFFICER))


def _file_response(handle, name: str, content_type: str) -> FileResponse:
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET"])
def material_download(request: HttpRequest, pk: int) -> HttpResponse:
    material = Material.objects.select_related("application").filter(pk=pk).first()
    if material is None or not can_read_files(request.user, material.application):
        raise Http404("No such file.")
    return _file_response(material.file.open("rb"), material.original_name, material.content_type)


@login_required
@require_http_methods(["GET"])
def authorisation_download(request: HttpRequest, pk: int) -> HttpResponse:
    record = AgentAuthorisation.objects.select_related("application").filter(pk=pk).first()
    if record is None or not record.file or not can_read_files(request.user, record.application):
        raise Http404("No such file.")
    return _file_response(record.file.open("rb"), record.original_name, record.content_type)


@login_required
@require_http_methods(["GET"])
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A served document, proved identical to what was issued (``document_read`` checks its
    SHA-256) before it is sent."""
    from licensing.documents import DocumentTampered, document_read

    document = Document.objects.select_related("application").filter(pk=pk).first()
    if document is None or not can_read_files(request.user, document.application):
        raise Http404("No such document.")
    try:
        data = document_read(document)
    except DocumentTampered:
        log.error("document %s failed its integrity check on download", document.pk)
        return render(request, "applicant/document_unavailable.html", {"document": document}, status=503)
    response = HttpResponse(data, content_type="application/pdf")
    filename = f"{document.application.number}-{document.kind}-v{document.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback

