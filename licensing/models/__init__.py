"""Domain models, one module per aggregate."""

from licensing.models.agency import Agency, User, UserDeletionRefused
from licensing.models.application import Application, Clock, ClockExtension, ClockPause
from licensing.models.audit import ActionLogEntry, ActionLogHead, AuditAction, AuditLogAppendOnly
from licensing.models.calendar import NATIONAL, CalendarEntry, CalendarYear
from licensing.models.catalogue import Fee, LicenceItem, MaterialRequirement, Topic
from licensing.models.portal import (
    AgentAuthorisation,
    ApplicantProfile,
    Declaration,
    Notification,
    Rating,
    Rectification,
)
from licensing.models.procedure import (
    Decision,
    Document,
    Licence,
    Material,
    SupplementNotice,
    SupplementNoticeItem,
    Verification,
)
from licensing.models.supervision import (
    SupervisionCase,
    SupervisionCaseStatus,
    SupervisionStatWeek,
    SupervisionWarning,
    SupervisionWeeklyStat,
    SupervisoryOffice,
    WarningLevel,
)
from licensing.models.transparency import LicenceVerification, VerificationResult

__all__ = [
    "AgentAuthorisation",
    "ApplicantProfile",
    "Declaration",
    "Notification",
    "Rating",
    "Rectification",
    "NATIONAL",
    "ActionLogEntry",
    "ActionLogHead",
    "Agency",
    "Application",
    "AuditAction",
    "AuditLogAppendOnly",
    "CalendarEntry",
    "CalendarYear",
    "Clock",
    "Decision",
    "Document",
    "Licence",
    "LicenceVerification",
    "Material",
    "SupplementNotice",
    "SupplementNoticeItem",
    "Verification",
    "VerificationResult",
    "ClockExtension",
    "ClockPause",
    "Fee",
    "LicenceItem",
    "MaterialRequirement",
    "Topic",
    "User",
    "UserDeletionRefused",
    "SupervisionCase",
    "SupervisionCaseStatus",
    "SupervisionStatWeek",
    "SupervisionWarning",
    "SupervisionWeeklyStat",
    "SupervisoryOffice",
    "WarningLevel",
]
