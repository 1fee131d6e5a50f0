from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ortaq.accounts.models import Role
from ortaq.accounts.selectors import access_for

from .models import IssuanceBatch, IssuedCredential, IssuerProfile, ShareCode


def wallet_of(*, user):
    return IssuedCredential.objects.filter(holder=user).select_related("issuer__institution").prefetch_related("share_codes")


def credentials_for_registrar(*, actor):
    access = access_for(actor)
    qs = IssuedCredential.objects.select_related("holder", "issuer__institution")
    if access.is_admin:
        return qs
    return qs.filter(issuer__institution_id__in=access.institutions_with({Role.REGISTRAR}))


def batches_for_registrar(*, actor):
    access = access_for(actor)
    qs = IssuanceBatch.objects.select_related("programme", "issuer__institution", "requested_by", "approved_by")
    if access.is_admin:
        return qs
    mine = access.institutions_with({Role.REGISTRAR})
    return qs.filter(Q(issuer__institution_id__in=mine) | Q(programme__awarding_institutions__in=mine)).distinct()


def credential_by_code(code: str) -> IssuedCredential | None:
    """A holder's share code (while valid) or the credential's printed verification code."""
    code = code.strip().upper().replace("-", "").replace(" ", "")
    share = ShareCode.objects.filter(code=code, revoked_at__isnull=True, expires_at__gt=timezone.now()).select_related("credential").first()
    if share:
        return share.credential
    return IssuedCredential.objects.filter(verify_code=code).first()


def known_issuer(did: str | None) -> IssuerProfile | None:
    return IssuerProfile.objects.select_related("institution").filter(did=did).first() if did else None
