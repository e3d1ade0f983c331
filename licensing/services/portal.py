"""The applicant portal's writes: accounts and profiles, drafts and their uploads, filing,
answering a one-time supplement notice, and rating the service (好差评) with the rectification a
bad rating opens.

Each write that touches an application locks its row (``select_for_update``), checks who acts and
the legal state, and changes nothing unless every check passes: a refused upload or an invalid
answer leaves the draft exactly as it was. Status changes go through ``licensing.services.
applications`` (``application_submit``, ``supplement_mark_met``, ``application_withdraw``), which
write the action log and the clocks."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.audit import audit_record
from licensing.calendar import calendar_for_region
from licensing.choices import (
    BAD_RATING_LEVELS,
    ApplicantKind,
    ApplicationStatus,
    NotificationKind,
    RatingLevel,
    RequirementKind,
    Role,
)
from licensing.errors import DomainError, InvalidTransition, NotAllowed
from licensing.models import (
    ActionLogEntry,
    AgentAuthorisation,
    ApplicantProfile,
    Application,
    Declaration,
    LicenceItem,
    Material,
    MaterialRequirement,
    Rating,
    Rectification,
    SupplementNotice,
    User,
)
from licensing.portal_forms import DECLARATION_TEXT, form_data_clean
from licensing.rules.working_days import add_working_days
from licensing.services.applications import application_submit, supplement_mark_met
from licensing.services.clocks import local_date
from licensing.uploads import check_upload

log = logging.getLogger(__name__)

VERIFY_SALT = "xuke.portal.verify-email"
VERIFY_MAX_AGE = 3 * 24 * 3600
"""An email verification link works for three days."""

DECIDED_STATES = frozenset(
    {
        ApplicationStatus.NOT_ACCEPTED,
        ApplicationStatus.GRANTED,
        ApplicationStatus.DENIED,
        ApplicationStatus.CERTIFICATE_ISSUED,
    }
)
"""States reached by a written decision (Art. 32, 38): the service can be rated from here."""

STAFF_RECTIFY_ROLES = (Role.CLERK, Role.HEAD, Role.EXAMINER)
AUTHORISATION_TYPES = ["pdf", "jpg", "png"]
AUTHORISATION_MAX_MB = 10


def rectify_contact_days() -> int:
    """Working days to contact the rater (default 1: Shanghai Business Environment Regulation
    2024 Art. 30; Anyang Government Service Regulation Art. 52)."""
    return int(getattr(settings, "XUKE_RECTIFY_CONTACT_DAYS", 1))


def rectify_days() -> int:
    """Working days to rectify (default 15: Zhejiang and Sichuan practice; law.md §4 [UNCONF])."""
    return int(getattr(settings, "XUKE_RECTIFY_DAYS", 15))


# -- guards ---------------------------------------------------------------------------------------


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("item", "agency").get(pk=application.pk)


def is_owner(user: User, application: Application) -> bool:
    """The applicant of record or the agent filing for them (Art. 29)."""
    return bool(user and user.is_authenticated and user.pk in (application.applicant_id, application.agent_id))


def _require_owner(actor: User, application: Application) -> None:
    if not (actor and actor.is_active and is_owner(actor, application)):
        raise NotAllowed(_("Only the applicant or their agent may do this."))


def _require_draft(application: Application) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise InvalidTransition(
            _("Application %(number)s has been submitted; it can no longer be changed.")
            % {"number": application.number}
        )


# -- accounts -------------------------------------------------------------------------------------


def account_signup(*, email: str, password: str) -> tuple[User, bool]:
    """Create an applicant account that stays inactive until its email address is verified.

    Returns ``(user, created)``. If the address is already registered nothing is created and
    the existing user is returned (the caller tells them by email, never on screen, so the page
    does not reveal who has an account). New users get the applicant role."""
    email = email.strip().lower()
    with transaction.atomic():
        existing = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).order_by("pk").first()
        if existing is not None:
            return existing, False
        user = User(username=email, email=email, is_active=False)
        user.set_password(password)
        user.save()
        group, _created = Group.objects.get_or_create(name=Role.APPLICANT)
        user.groups.add(group)
        ApplicantProfile.objects.create(user=user)
    return user, True


def account_verification_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT, compress=True)


def account_verify(*, token: str) -> User:
    """Activate the account a verification link was sent for. A link works once per account
    and for three days; it can never reactivate an account staff deactivated."""
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise DomainError(_("This link has expired. Sign up again to get a new one."), code="expired")
    except signing.BadSignature:
        raise DomainError(_("This link is not valid. Check you copied the whole link."), code="invalid")
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=payload.get("u"), email=payload.get("e")).first()
        if user is None:
            raise DomainError(_("This link is not valid. Check you copied the whole link."), code="invalid")
        profile, _created = ApplicantProfile.objects.get_or_create(user=user)
        if profile.email_verified_at is not None:
            return user
        if user.is_active:
            raise DomainError(_("This link is not valid. Check you copied the whole link."), code="invalid")
        user.is_active = True
        user.save(update_fields=["is_active"])
        profile.email_verified_at = timezone.now()
        profile.save(update_fields=["email_verified_at", "updated_at"])
    return user


def profile_for(user: User) -> ApplicantProfile:
    profile, _created = ApplicantProfile.objects.get_or_create(user=user)
    return profile


def profile_visible_to(*, viewer: User, profile: ApplicantProfile) -> bool:
    """Personal data is visible only to its owner and to the staff of an agency handling one of
    the owner's submitted applications (design.md principle 4)."""
    if not (viewer and viewer.is_authenticated and viewer.is_active):
        return False
    if viewer.pk == profile.user_id:
        return True
    if not viewer.agency_id or not any(viewer.has_role(r) for r in (Role.CLERK, Role.EXAMINER, Role.HEAD,
                                                                      Role.HEARING_OFFICER)):
        return False
    return (
        Application.objects.filter(Q(applicant_id=profile.user_id) | Q(agent_id=profile.user_id))
        .filter(agency_id=viewer.agency_id)
        .exclude(status=ApplicationStatus.DRAFT)
        .exists()
    )


# -- drafts ---------------------------------------------------------------------------------------


def draft_start(*, item: LicenceItem, actor: User) -> Application:
    """Start a draft for a published item that can be filed online (Art. 29, 33), in the name of
    the applicant's profile."""
    from licensing.services.applications import application_create

    if not (actor and actor.is_active and actor.has_role(Role.APPLICANT)):
        raise NotAllowed(_("Sign in with an applicant account to apply."))
    if not item.published or not item.online_available or item.in_person_required:
        raise DomainError(_("This licence cannot be applied for online. See the service guide for how to apply."))
    profile = profile_for(actor)
    if not profile.is_complete:
        raise DomainError(_("Complete your profile before you apply."), code="profile_incomplete")
    return application_create(
        item=item,
        applicant=actor,
        holder_name=profile.display_name,
        holder_is_organisation=profile.kind == ApplicantKind.ORGANISATION,
    )


def draft_set_applicant(
    *,
    application: Application,
    actor: User,
    as_agent: bool,
    holder_name: str = "",
    holder_is_organisation: bool = False,
    principal_id_number: str = "",
) -> Application:
    """Record who applies: the account holder in their own name (the profile), or an agent for a
    principal, who then owes the authorisation document (Art. 29)."""
    with transaction.atomic():
        application = _lock(application)
        _require_owner(actor, application)
        _require_draft(application)
        if as_agent:
            if not holder_name.strip() or not principal_id_number.strip():
                raise DomainError(_("Name the applicant you act for and give their identifier."), code="invalid")
            application.agent = actor
            application.holder_name = holder_name.strip()
            application.holder_is_organisation = holder_is_organisation
            authorisation, _created = AgentAuthorisation.objects.get_or_create(application=application)
            authorisation.principal_id_number = principal_id_number.strip().upper()
            authorisation.save()
        else:
            profile = profile_for(application.applicant)
            application.agent = None
            application.holder_name = profile.display_name
            application.holder_is_organisation = profile.kind == ApplicantKind.ORGANISATION
        application.save(update_fields=["agent", "holder_name", "holder_is_organisation", "updated_at"])
    return application


def draft_update(*, application: Application, actor: User, form_data: Mapping, partial: bool = False) -> Application:
    """Save answers to the item's application form. Every answer is validated first
    (``form_data_clean``); if any is wrong nothing is saved. ``partial`` merges the answers given
    into the saved ones (the API's PATCH)."""
    cleaned = form_data_clean(application.item, dict(form_data), partial=partial)
    with transaction.atomic():
        application = _lock(application)
        _require_owner(actor, application)
        _require_draft(application)
        application.form_data = {**application.form_data, **cleaned} if partial else cleaned
        application.save(update_fields=["form_data", "updated_at"])
    return application


def _store(field_file, name: str, upload: UploadedFile) -> None:
    field_file.save(name, upload, save=False)


def _discard(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - best effort
            log.warning("could not delete %s after a refused upload", name)


def requirements_to_upload(item: LicenceItem):
    """The slots of the materials page: every listed material except those the organ obtains by
    data sharing (Decree 716 Art. 7)."""
    return MaterialRequirement.objects.filter(item=item, shared_data_source="").order_by("order", "pk")


def material_upload(
    *, application: Application, actor: User, requirement: MaterialRequirement, upload: UploadedFile
) -> Material:
    """Store one file for one material of a draft (see ``draft_upload``)."""
    return draft_upload(application=application, actor=actor, uploads={requirement.pk: upload})[0]


def draft_upload(
    *,
    application: Application,
    actor: User,
    uploads: Mapping[int, UploadedFile],
    authorisation: UploadedFile | None = None,
) -> list[Material]:
    """Store files for materials of a draft, keyed by material requirement, and the agent's
    authorisation document if given. Every file is checked first — its real type read from its
    content, its size, and its SHA-256 computed (Art. 31: only materials on the item's list) —
    and if any is refused nothing is stored: the draft stays exactly as it was. A file uploaded
    again for the same material supersedes the earlier one."""
    requirements = {r.pk: r for r in requirements_to_upload(application.item).filter(pk__in=list(uploads))}
    errors: dict[str, list[str]] = {}
    checked = {}
    for pk, upload in uploads.items():
        requirement = requirements.get(pk)
        if requirement is None:
            errors[f"r{pk}"] = [_("This material is not asked for by this licence (Art. 31).")]
            continue
        try:
            checked[pk] = check_upload(
                upload, accepted=requirement.accepted_type_list, max_size_mb=requirement.max_size_mb,
                label=requirement.name,
            )
        except DomainError as error:
            errors[f"r{pk}"] = [error.message]
    checked_authorisation = None
    if authorisation is not None:
        try:
            checked_authorisation = check_upload(
                authorisation, accepted=AUTHORISATION_TYPES, max_size_mb=AUTHORISATION_MAX_MB,
                label=_("Authorisation document"),
            )
        except DomainError as error:
            errors["authorisation"] = [error.message]
    if errors:
        message = next(iter(errors.values()))[0] if len(errors) == 1 else _("None of the files was saved: "
                                                                            "correct the files below.")
        raise DomainError(message, code="upload_refused", fields=errors)
    stored: list[str] = []
    materials: list[Material] = []
    try:
        with transaction.atomic():
            application = _lock(application)
            _require_owner(actor, application)
            _require_draft(application)
            for pk, upload in uploads.items():
                material = _material_create(application, actor, requirements[pk], upload, checked[pk], notice=None)
                stored.append(material.file.name)
                materials.append(material)
            if checked_authorisation is not None:
                if application.agent_id is None:
                    raise DomainError(_("Only an agent needs an authorisation document."), code="invalid")
                record, _created = AgentAuthorisation.objects.get_or_create(application=application)
                _store(record.file, checked_authorisation.name, authorisation)
                stored.append(record.file.name)
                record.original_name = checked_authorisation.name
                record.content_type = checked_authorisation.content_type
                record.size = checked_authorisation.size
                record.sha256 = checked_authorisation.sha256
                record.uploaded_by = actor
                record.uploaded_at = timezone.now()
                record.save()
    except BaseException:
        _discard(stored)
        raise
    return materials


def _material_create(application, actor, requirement, upload, checked, *, notice) -> Material:
    stored: list[str] = []
    try:
        for old in Material.objects.filter(application=application, requirement=requirement, superseded=False):
            old.superseded = True
            old.save(update_fields=["superseded"])
        material = Material(
            application=application,
            requirement=requirement,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=actor,
            answers_notice=notice,
        )
        _store(material.file, checked.name, upload)
        stored.append(material.file.name)
        material.save()
        return material
    except BaseException:
        _discard(stored)
        raise


def material_remove(*, application: Application, actor: User, material: Material) -> None:
    """Take a file off a draft (it stays on record, marked superseded)."""
    with transaction.atomic():
        application = _lock(application)
        _require_owner(actor, application)
        _require_draft(application)
        if material.application_id != application.pk:
            raise DomainError(_("This file does not belong to this application."), code="not_found")
        material.superseded = True
        material.save(update_fields=["superseded"])


def authorisation_upload(*, application: Application, actor: User, upload: UploadedFile) -> AgentAuthorisation:
    """Store the principal's written authorisation for an agent (Art. 29): PDF, PNG or JPEG."""
    draft_upload(application=application, actor=actor, uploads={}, authorisation=upload)
    return AgentAuthorisation.objects.get(application=application)


def draft_declare(*, application: Application, actor: User) -> Declaration:
    """Record the truthfulness declaration (Art. 31) with its wording and time."""
    with transaction.atomic():
        application = _lock(application)
        _require_owner(actor, application)
        _require_draft(application)
        declaration, _created = Declaration.objects.update_or_create(
            application=application,
            defaults={"declared_by": actor, "declared_at": timezone.now(), "text": str(DECLARATION_TEXT)},
        )
    return declaration


def current_materials(application: Application) -> dict[int, Material]:
    """The file in force for each material (the latest not superseded), by requirement id."""
    materials = Material.objects.filter(application=application, superseded=False).order_by("pk")
    return {m.requirement_id: m for m in materials}


def draft_problems(application: Application) -> dict[str, list[str]]:
    """What must be done before a draft can be submitted, keyed by the page that fixes it:
    ``who``, ``details`` (keyed further by form field), ``materials`` and ``declaration``."""
    problems: dict[str, list[str]] = {}
    try:
        form_data_clean(application.item, application.form_data)
    except DomainError as error:
        problems["details"] = [m for messages in error.fields.values() for m in messages]
    if not application.holder_name.strip():
        problems["who"] = [_("Say who is applying")]
    if application.agent_id is not None:
        authorisation = AgentAuthorisation.objects.filter(application=application).first()
        if authorisation is None or not authorisation.file:
            problems.setdefault("who", []).append(_("Upload the authorisation document from the applicant you act for"))
    have = current_materials(application)
    missing = [
        r.name
        for r in requirements_to_upload(application.item)
        if r.kind == RequirementKind.REQUIRED and r.pk not in have
    ]
    if missing:
        problems["materials"] = [_("Upload %(name)s") % {"name": name} for name in missing]
    if not Declaration.objects.filter(application=application).exists():
        problems["declaration"] = [_("Confirm the declaration that your application is true (Art. 31)")]
    return problems


def application_file(*, application: Application, actor: User) -> tuple[Application, bool]:
    """Submit a complete draft: DRAFT → RECEIVED through ``application_submit``, which records the
    receipt time and starts clock C1 (Art. 29, 32). Returns ``(application, submitted_now)``.

    Idempotent: an application already submitted is returned unchanged with ``False``, so a
    second click on the button (or a retried request) makes no second receipt."""
    with transaction.atomic():
        application = _lock(application)
        _require_owner(actor, application)
        if application.status != ApplicationStatus.DRAFT:
            return application, False
        problems = draft_problems(application)
        if problems:
            raise DomainError(
                _("The application is not complete yet."), code="incomplete", fields=problems
            )
        return application_submit(application=application, actor=actor), True


# -- answering ------------------------------------------------------------------------------------


def supplement_notice_open(application: Application) -> SupplementNotice | None:
    """The latest one-time supplement notice while the application waits for it (Art. 32(4))."""
    if application.status != ApplicationStatus.SUPPLEMENT_REQUIRED:
        return None
    return application.supplement_notices.order_by("-pk").prefetch_related("items__requirement").first()


def supplement_answer(
    *, application: Application, actor: User, uploads: Mapping[int, UploadedFile]
) -> SupplementNotice:
    """Answer the one-time supplement notice with exactly the listed items still unmet: one file
    for each, nothing else (Art. 31, 32(4)). Every file is checked first; if one is missing,
    unlisted or refused, nothing is stored. Then the items are marked met
    (``supplement_mark_met``), which writes the action log."""
    application = Application.objects.select_related("item", "agency").get(pk=application.pk)
    notice = supplement_notice_open(application)
    if notice is None:
        raise InvalidTransition(_("There is no supplement notice waiting for an answer."))
    unmet = {i.requirement_id: i for i in notice.items.all() if i.met_at is None}
    errors: dict[str, list[str]] = {}
    for pk in sorted(set(uploads) - set(unmet)):
        errors[f"r{pk}"] = [_("Only the items listed in the notice can be supplied.")]
    for pk, item in unmet.items():
        if pk not in uploads:
            errors[f"r{pk}"] = [_("Upload %(name)s") % {"name": item.requirement.name}]
    checked = {}
    for pk, upload in uploads.items():
        if pk not in unmet:
            continue
        requirement = unmet[pk].requirement
        try:
            checked[pk] = check_upload(
                upload, accepted=requirement.accepted_type_list, max_size_mb=requirement.max_size_mb,
                label=requirement.name,
            )
        except DomainError as error:
            errors[f"r{pk}"] = [error.message]
    if errors:
        raise DomainError(_("Nothing was sent: correct the files below."), code="invalid", fields=errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _lock(application)
            _require_owner(actor, locked)
            if locked.status != ApplicationStatus.SUPPLEMENT_REQUIRED:
                raise InvalidTransition(_("There is no supplement notice waiting for an answer."))
            current = locked.supplement_notices.order_by("-pk").first()
            if current.pk != notice.pk:
                raise InvalidTransition(_("The notice changed while you were answering; please look at it again."))
            for pk, upload in uploads.items():
                material = _material_create(locked, actor, unmet[pk].requirement, upload, checked[pk], notice=notice)
                stored.append(material.file.name)
            supplement_mark_met(application=locked, actor=actor, requirement_ids=list(uploads))
    except BaseException:
        _discard(stored)
        raise
    notice.refresh_from_db()
    return notice


# -- rating (好差评) --------------------------------------------------------------------------------


def rating_submit(*, application: Application, actor: User, level: int, comment: str = "") -> Rating:
    """Rate the service once, after a decision, on the five national levels (国办发〔2019〕51号).
    A bad rating (the two lowest) opens a rectification for the agency: contact the applicant
    within ``rectify_contact_days()`` and rectify within ``rectify_days()`` working days,
    counted on the agency's calendar (Art. 82 by analogy)."""
    if level not in RatingLevel.values:
        raise DomainError(_("Select how satisfied you are"), code="invalid", fields={"level": [_("Required.")]})
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        application = _lock(application)
        _require_owner(actor, application)
        if application.status not in DECIDED_STATES:
            raise InvalidTransition(_("You can rate the service once the agency has decided."))
        if Rating.objects.filter(application=application).exists():
            raise InvalidTransition(_("You have already rated this application."), code="already_rated")
        rating = Rating.objects.create(application=application, rater=actor, level=level, comment=comment)
        changes = {"rating": [None, int(level)]}
        if level in BAD_RATING_LEVELS:
            cal = calendar_for_region(application.agency.region)
            today = local_date(timezone.now())
            rectification = Rectification.objects.create(
                rating=rating,
                application=application,
                agency=application.agency,
                opened_on=today,
                contact_due_on=add_working_days(today, rectify_contact_days(), cal),
                rectify_due_on=add_working_days(today, rectify_days(), cal),
                calendar_version=cal.version,
            )
            changes["rectify_due_on"] = [None, rectification.rectify_due_on]
            _notify_agency_of_bad_rating(rectification, rating)
        audit_record(
            actor=actor,
            action="rate",
            application=application,
            reason=comment,
            changes=changes,
            role=Role.APPLICANT,
        )
    return rating


def _notify_agency_of_bad_rating(rectification: Rectification, rating: Rating) -> None:
    """Tell the agency it owes a follow-up: its head and every officer of the agency who acted on
    the application, each in the inbox and by email, in the rating's transaction."""
    from licensing.notifications import notify_each

    application, agency = rectification.application, rectification.agency
    actor_ids = set(
        ActionLogEntry.objects.filter(application=application, agency=agency, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )
    if agency.head_id:
        actor_ids.add(agency.head_id)
    link = reverse("portal:rectification", args=[rectification.pk])
    body = _(
        "The applicant rated application %(number)s as %(level)s. Contact them by %(contact)s and rectify by "
        "%(rectify)s (both counted in working days), then record each on the rectification page: %(link)s"
    ) % {
        "number": application.number,
        "level": RatingLevel(rating.level).label,
        "contact": rectification.contact_due_on.isoformat(),
        "rectify": rectification.rectify_due_on.isoformat(),
        "link": f"{settings.PUBLIC_BASE_URL}{link}",
    }
    if rating.comment:
        body += "\n\n" + _("Their comment:") + " " + rating.comment
    notify_each(
        key=f"bad-rating:{rectification.pk}",
        recipients=User.objects.filter(pk__in=actor_ids, is_active=True, agency_id=agency.pk).order_by("pk"),
        kind=NotificationKind.BAD_RATING,
        subject=_("Bad rating on application %(number)s: rectify by %(date)s")
        % {"number": application.number, "date": rectification.rectify_due_on.isoformat()},
        body=body,
        application=application,
        link=link,
    )


def _require_rectifier(actor: User, rectification: Rectification) -> str:
    if not (actor and actor.is_active and actor.agency_id == rectification.agency_id):
        raise NotAllowed(_("Only staff of the agency concerned may record this."))
    role = next((r for r in STAFF_RECTIFY_ROLES if actor.has_role(r)), None)
    if role is None:
        raise NotAllowed(_("Your role does not allow this act."))
    return role


def _notify_rectification(rectification: Rectification, subject: str, body: str, step: str) -> None:
    from licensing.notifications import notify_owners

    notify_owners(
        application=rectification.application,
        key=f"rectification:{rectification.pk}:{step}",
        kind=NotificationKind.RECTIFICATION,
        subject=subject,
        body=body,
    )


def rectification_contact(*, rectification: Rectification, actor: User, note: str) -> Rectification:
    """Record that the agency contacted the applicant about their bad rating."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Enter a note"), code="invalid", fields={"note": [_("Enter a note")]})
    with transaction.atomic():
        rectification = Rectification.objects.select_for_update().select_related("application").get(
            pk=rectification.pk
        )
        role = _require_rectifier(actor, rectification)
        if rectification.contacted_at is not None:
            raise InvalidTransition(_("The contact has already been recorded."))
        rectification.contacted_at = timezone.now()
        rectification.contacted_by = actor
        rectification.contact_note = note
        rectification.save()
        audit_record(
            actor=actor,
            action="rectification_contact",
            application=rectification.application,
            reason=note,
            changes={"contacted_at": [None, rectification.contacted_at]},
            role=role,
        )
        _notify_rectification(
            rectification,
            _("Application %(number)s: the agency followed up your rating") % {"number": rectification.application},
            _("The agency recorded that it contacted you about your rating:\n\n%(note)s") % {"note": note},
            "contact",
        )
    return rectification


def rectification_complete(*, rectification: Rectification, actor: User, note: str) -> Rectification:
    """Record what the agency put right after a bad rating; the applicant sees it."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Enter a note"), code="invalid", fields={"note": [_("Enter a note")]})
    with transaction.atomic():
        rectification = Rectification.objects.select_for_update().select_related("application").get(
            pk=rectification.pk
        )
        role = _require_rectifier(actor, rectification)
        if rectification.rectified_at is not None:
            raise InvalidTransition(_("The rectification has already been recorded."))
        if rectification.contacted_at is None:
            raise InvalidTransition(_("Record the contact with the applicant first."))
        rectification.rectified_at = timezone.now()
        rectification.rectified_by = actor
        rectification.rectification_note = note
        rectification.save()
        audit_record(
            actor=actor,
            action="rectification_complete",
            application=rectification.application,
            reason=note,
            changes={"rectified_at": [None, rectification.rectified_at]},
            role=role,
        )
        _notify_rectification(
            rectification,
            _("Application %(number)s: what the agency put right") % {"number": rectification.application},
            _("The agency recorded what it put right after your rating:\n\n%(note)s") % {"note": note},
            "complete",
        )
    return rectification


def decision_for_applicant(application: Application):
    """The signed decisions the applicant can read, newest first (Art. 32, 38)."""
    return application.decisions.filter(signed_on__isnull=False).order_by("-signed_on", "-pk")

