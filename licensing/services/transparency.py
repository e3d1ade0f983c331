"""The one write of the public pages: logging a licence verification (issue 7 item 4).

A member of the public scans the QR code on a certificate (Art. 39; ``licensing.documents
.verify_url``); the answer confirms the licence and its status on the day, and every attempt —
found or not — is logged in ``LicenceVerification`` without the code itself or the client's
address (design.md principle 4)."""

from __future__ import annotations

import hashlib
from datetime import date

from licensing.choices import LicenceStatus
from licensing.models import LicenceVerification, VerificationResult
from licensing.selectors_public import PublicLicence, licence_get_by_token

__all__ = ["licence_verify", "token_hash_prefix"]


def token_hash_prefix(token: str) -> str:
    """The first 16 hex digits of the SHA-256 of the code presented: enough to group repeated
    checks of one (possibly forged) code, useless to rebuild a valid one."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:16]


def licence_verify(*, token: str, today: date, client_hash: str, channel: str = "web") -> PublicLicence | None:
    """Look the code up and log the verification; the licence's public record, or ``None``
    for an unknown or forged code."""
    licence = licence_get_by_token(token=token, today=today)
    if licence is None:
        result = VerificationResult.UNKNOWN
    elif licence.status == LicenceStatus.ACTIVE:
        result = VerificationResult.VALID
    else:
        result = VerificationResult(licence.status)
    LicenceVerification.objects.create(
        licence_id=licence.pk if licence else None,
        token_hash_prefix=token_hash_prefix(token),
        result=result,
        client_hash=client_hash,
        channel=channel,
    )
    return licence
