"""Every enumerated legal value lives here, once (style.md 6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The people who act in the procedure (law.md §2, "Roles"); each is a Django group."""

    APPLICANT = "applicant", _("Applicant")
    CLERK = "clerk", _("Window clerk")
    EXAMINER = "examiner", _("Examiner")
    HEAD = "head", _("Head of the organ")
    HEARING_OFFICER = "hearing_officer", _("Hearing officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


STAFF_ROLES = frozenset(
    {
        Role.CLERK,
        Role.EXAMINER,
        Role.HEAD,
        Role.HEARING_OFFICER,
        Role.SUPERVISOR,
        Role.ADMINISTRATOR,
    }
)


class HandlingMode(models.TextChoices):
    """Art. 26: one unit, joint handling, or centralised handling. Joint and centralised
    handling have a 45 working-day decision limit and a 15-day extension (Art. 42(2))."""

    SINGLE = "single", _("Single organ")
    JOINT = "joint", _("Joint handling (Art. 26(2))")
    CENTRALISED = "centralised", _("Centralised handling (Art. 26(2))")


class ItemCategory(models.TextChoices):
    """The five kinds of licence in Art. 12, each with its special procedure (Arts. 53–56)."""

    GENERAL = "general", _("General activity licence (Art. 12(1))")
    RESOURCE = "resource", _("Allocation of limited resources (Art. 12(2), Art. 53)")
    QUALIFICATION = "qualification", _("Qualification (Art. 12(3), Art. 54)")
    EQUIPMENT = "equipment", _("Equipment, facilities and products (Art. 12(4), Art. 55)")
    ESTABLISHMENT = "establishment", _("Establishment of an entity (Art. 12(5), Art. 56)")


class CertificateType(models.TextChoices):
    """Art. 39: the kinds of licence document."""

    PERMIT = "permit", _("Permit or licence (许可证、执照)")
    QUALIFICATION = "qualification", _("Qualification or qualifying certificate (资格证、资质证)")
    APPROVAL = "approval", _("Approval or certifying document (批准文件、证明文件)")
    OTHER = "other", _("Other certificate provided by law")


class TopicKind(models.TextChoices):
    LIFE_EVENT = "life_event", _("Life event")
    BUSINESS = "business", _("Business topic")


class RequirementKind(models.TextChoices):
    REQUIRED = "required", _("Required")
    CONDITIONAL = "conditional", _("Required if a condition applies")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ELECTRONIC = "electronic", _("Electronic file")


class Channel(models.TextChoices):
    """Art. 29: how an application reached the organ."""

    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the service counter")
    LETTER = "letter", _("Letter")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("E-mail or electronic data interchange")


class ApplicationStatus(models.TextChoices):
    """The legal position of an application (law.md §2b). Only services change it."""

    DRAFT = "draft", _("Draft")
    RECEIVED = "received", _("Received")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    SUPPLEMENT_REQUIRED = "supplement_required", _("Supplement required")
    ACCEPTED = "accepted", _("Accepted")
    DEEMED_ACCEPTED = "deemed_accepted", _("Deemed accepted")
    UNDER_EXAMINATION = "under_examination", _("Under examination")
    EXCLUDED_PROCEDURE = "excluded_procedure", _("Excluded procedure (clock paused)")
    DECISION_PENDING = "decision_pending", _("Decision pending signature")
    GRANTED = "granted", _("Granted")
    DENIED = "denied", _("Denied")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


TERMINAL_STATUSES = frozenset(
    {
        ApplicationStatus.NOT_ACCEPTED,
        ApplicationStatus.DENIED,
        ApplicationStatus.CERTIFICATE_ISSUED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.CLOSED,
    }
)


class ClockKind(models.TextChoices):
    """The statutory clocks of law.md §2a, plus the promised (承诺) decision limit."""

    C1 = "C1", _("Acceptance check (Art. 32(4))")
    C2 = "C2", _("Decision (Art. 42)")
    C2_PROMISED = "C2P", _("Decision, promised limit (承诺时限)")
    C6 = "C6", _("Certificate (Art. 44)")
    C8 = "C8", _("Inspection dispatch (Art. 55)")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


class CalendarEntryKind(models.TextChoices):
    REST = "rest", _("Rest day in a holiday block")
    WORK = "work", _("Make-up working day (调休)")


class PauseReason(models.TextChoices):
    """The eight procedures whose time does not count (Art. 45). Nothing else pauses C2."""

    HEARING = "hearing", _("Hearing")
    TENDERING = "tendering", _("Tendering")
    AUCTION = "auction", _("Auction")
    INSPECTION = "inspection", _("Inspection (检验)")
    TESTING = "testing", _("Testing (检测)")
    QUARANTINE = "quarantine", _("Quarantine")
    APPRAISAL = "appraisal", _("Appraisal (鉴定)")
    EXPERT_REVIEW = "expert_review", _("Expert review")
