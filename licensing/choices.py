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


class DecisionKind(models.TextChoices):
    NOT_ACCEPTED = "not_accepted", _("Non-acceptance (Art. 32)")
    GRANT = "grant", _("Grant (Art. 38(1))")
    DENIAL = "denial", _("Denial (Art. 38(2))")


class NonAcceptanceGround(models.TextChoices):
    """Art. 32(1)–(2): the two grounds for refusing to accept an application."""

    NO_LICENCE_NEEDED = "no_licence_needed", _("No licence is needed for this matter (Art. 32(1))")
    OUTSIDE_POWERS = "outside_powers", _("Outside this organ's powers (Art. 32(2))")


class LicenceStatus(models.TextChoices):
    """Licence states (law.md §2c)."""

    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked (Art. 69)")
    WITHDRAWN = "withdrawn", _("Withdrawn (Art. 8)")
    CANCELLED = "cancelled", _("Cancelled (Art. 70)")


class DocumentKind(models.TextChoices):
    """The written documents of law.md §5 that this procedure serves."""

    ACCEPTANCE_VOUCHER = "D2", _("Acceptance voucher (受理通知书)")
    NON_ACCEPTANCE = "D3", _("Non-acceptance decision (不予受理决定书)")
    SUPPLEMENT_NOTICE = "D4", _("One-time supplement notice (补正材料一次性告知书)")
    EXTENSION_NOTICE = "D5", _("Extension notice (延长期限告知书)")
    EXCLUDED_TIME_NOTICE = "D6", _("Excluded-time notice (特别程序所需时间告知书)")
    GRANT_DECISION = "D12", _("Grant decision (准予行政许可决定书)")
    DENIAL_DECISION = "D13", _("Denial decision (不予行政许可决定书)")
    LICENCE_CERTIFICATE = "D14", _("Licence certificate (许可证件)")
    WITHDRAWAL_NOTICE = "W", _("Withdrawal confirmation")


class ApplicantKind(models.TextChoices):
    """Who applies (Art. 29): a citizen, or a legal person or other organisation."""

    PERSON = "person", _("A person")
    ORGANISATION = "organisation", _("An organisation")


class RatingLevel(models.IntegerChoices):
    """The five levels of 政务服务"好差评" (国办发〔2019〕51号, law.md §4)."""

    VERY_SATISFIED = 1, _("Very satisfied (非常满意)")
    SATISFIED = 2, _("Satisfied (满意)")
    BASICALLY_SATISFIED = 3, _("Basically satisfied (基本满意)")
    DISSATISFIED = 4, _("Dissatisfied (不满意)")
    VERY_DISSATISFIED = 5, _("Very dissatisfied (非常不满意)")


BAD_RATING_LEVELS = frozenset({RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED})
"""The two lowest levels are bad ratings and open a rectification (law.md §4)."""


class NotificationKind(models.TextChoices):
    """What a person is told about, in the inbox and by email (an officer: a bad rating to rectify)."""

    STATUS = "status", _("Change of legal state")
    DOCUMENT = "document", _("Document issued")
    DEADLINE = "deadline", _("Deadline reminder")
    RECTIFICATION = "rectification", _("Follow-up of your rating")
    BAD_RATING = "bad_rating", _("Bad rating to rectify")
