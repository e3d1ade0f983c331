"""Task views of the officer workbench, and the staff downloads of materials and documents.

A task page offers the acts of its step (``workflows.acts``). Posting one validates its form,
calls exactly one licensing service and, if the act finishes the step, completes the task
(``activation.execute()``), all under the flow lock the node's URL wrapper holds
(``workflows.nodes``). A refusal by the service (``DomainError``) is shown on the form; the
wrong role or agency (``NotAllowed``) is a 403; a case that moved on under the officer
(``InvalidTransition``, ``Conflict``) is the 409 conflict page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_GET

from licensing import documents as licensing_documents
from licensing.choices import ApplicationStatus as S
from licensing.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from licensing.models import Application, Decision, Document, Material
from workflows import scoping
from workflows.acts import Act, acts_for_node
from workflows.forms import FORMS, ActForm
from workflows.nodes import conflict_response
from workflows.services import act_run


class TaskActView(generic.TemplateView):
    """One step of the procedure: its acts as forms beside the application's dossier."""

    template_name = "workflows/task_act.html"

    def dispatch(self, request, *args, **kwargs):
        self.activation = request.activation
        self.process = self.activation.process
        self.application = Application.objects.select_related("item", "agency").get(pk=self.process.application_id)
        return super().dispatch(request, *args, **kwargs)

    # -- which acts, which forms --------------------------------------------------------------

    def visible_acts(self) -> list[Act]:
        return acts_for_node(self.activation.flow_task.name)

    def form_kwargs(self, act: Act) -> dict:
        return {}

    def build_forms(self, data=None, bound: str | None = None) -> list[tuple[Act, ActForm]]:
        built = []
        for act in self.visible_acts():
            form_class = FORMS[act.name]
            form = form_class(
                data if act.name == bound else None,
                prefix=act.name,
                application=self.application,
                actor=self.request.user,
                process=self.process,
                **self.form_kwargs(act),
            )
            built.append((act, form))
        return built

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("act_forms", self.build_forms())
        context.update(
            process=self.process,
            task=self.activation.task,
            application=self.application,
            flow_task=self.activation.flow_task,
        )
        return context

    # -- posting an act -----------------------------------------------------------------------

    def post(self, request, *args, **kwargs):
        name = request.POST.get("_act", "")
        act_forms = self.build_forms(request.POST, bound=name)
        chosen = next(((act, form) for act, form in act_forms if act.name == name), None)
        if chosen is None:
            return HttpResponseBadRequest(_("Unknown act."))
        act, form = chosen
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(act_forms=act_forms, failed=act.name))
        try:
            with transaction.atomic():
                act_run(
                    act=act,
                    activation=self.activation,
                    actor=request.user,
                    data=form.cleaned_data,
                    note=form.cleaned_data.get("note") or "",
                )
        except NotAllowed as error:
            raise PermissionDenied(error.message)
        except (InvalidTransition, Conflict) as error:
            return conflict_response(request, error.message)
        except DomainError as error:
            _add_errors(form, error)
            return self.render_to_response(self.get_context_data(act_forms=act_forms, failed=act.name))
        messages.success(
            request, _("%(act)s: done for %(number)s.") % {"act": act.label, "number": self.application.number}
        )
        if not act.completes:
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(self.success_url())

    def success_url(self) -> str:
        viewset = getattr(self.request.resolver_match, "flow_viewset", None)
        if viewset is not None:
            return viewset.get_success_url(self.request)
        return self.activation.flow_task.reverse("detail", args=[self.process.pk, self.activation.task.pk])


def _add_errors(form: ActForm, error: DomainError) -> None:
    form.add_error(None, error.message)
    for field, field_messages in (error.fields or {}).items():
        for message in field_messages if isinstance(field_messages, list | tuple) else [field_messages]:
            if field in form.fields:
                form.add_error(field, str(message))
            else:
                form.add_error(None, f"{field}: {message}")


class TriageView(TaskActView):
    """Acceptance check (Art. 32): accept, one-time supplement notice, not accept, or record an
    on-the-spot correction (which keeps the task open)."""


class ReviewSupplementView(TaskActView):
    """The applicant answered the one-time notice: accept, or repeat still-unmet items."""

    def form_kwargs(self, act: Act) -> dict:
        if act.name != "request-supplement":
            return {}
        notice = self.application.supplement_notices.order_by("-pk").first()
        if notice is None:
            return {}
        return {"requirements": [i.requirement for i in notice.items.select_related("requirement") if i.met_at is None]}

    def visible_acts(self) -> list[Act]:
        acts = super().visible_acts()
        notice = self.application.supplement_notices.order_by("-pk").first()
        if notice is not None and not notice.items.filter(met_at__isnull=True).exists():
            acts = [act for act in acts if act.name != "request-supplement"]
        return acts


class OnTheSpotView(TaskActView):
    """Art. 34(2): the head decides on the spot, or sends the case to an examiner."""


class AssignExaminerView(TaskActView):
    """Hand the accepted application to an examiner of the agency (Art. 34)."""


class ExamineView(TaskActView):
    """Examination: verifications, excluded procedures and the extension request are steps inside
    the task; the draft decision (or the extension request) finishes it."""

    def visible_acts(self) -> list[Act]:
        paused = self.application.status == S.EXCLUDED_PROCEDURE
        hidden = {"pause", "draft-decision"} if paused else {"resume"}
        return [act for act in super().visible_acts() if act.name not in hidden]


class ApproveExtensionView(TaskActView):
    """The head approves (or declines) the examiner's request for the one extension (Art. 42)."""


class SignView(TaskActView):
    """The head signs the drafted decision or returns it (Arts. 37–38)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["draft"] = (
            Decision.objects.filter(application=self.application, signed_on__isnull=True, returned=False)
            .order_by("-pk")
            .first()
        )
        return context


class CertificateView(TaskActView):
    """The clerk issues the licence within 10 working days of the grant (Art. 44)."""


# -- staff downloads ---------------------------------------------------------------------------


def _require_agency_staff(user, application: Application) -> None:
    if not (scoping.sees_every_agency(user) or (scoping.is_officer(user) and user.agency_id == application.agency_id)):
        raise PermissionDenied(_("Only the staff of the agency handling this application may open its files."))


@login_required
@require_GET
def material_download(request, pk: int):
    """A material the applicant submitted, for the handling agency's staff only (principle 4)."""
    material = get_object_or_404(Material.objects.select_related("application"), pk=pk)
    _require_agency_staff(request.user, material.application)
    return FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=material.original_name,
        content_type=material.content_type or "application/octet-stream",
    )


@login_required
@require_GET
def document_download(request, pk: int):
    """A document served on the application (voucher, notice, decision, licence), for staff."""
    document = get_object_or_404(Document.objects.select_related("application"), pk=pk)
    _require_agency_staff(request.user, document.application)
    response = HttpResponse(licensing_documents.document_read(document), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{document.application.number}-{document.kind}-v{document.version}.pdf"'
    )
    return response
