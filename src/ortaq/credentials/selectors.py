from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role

from .models import IssuanceBatch, IssuedCredential, IssuerProfile, ShareCode

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from ortaq.accounts.types import Actor, User


def wallet_of(*, user: User) -> QuerySet[IssuedCredential]:
    return IssuedCredential.objects.filter(holder=user).select_related("issuer__institution").prefetch_related("share_codes")


def credentials_for_registrar(*, actor: Actor) -> QuerySet[IssuedCredential]:
    access = access_for(actor)
    qs = IssuedCredential.objects.select_related("holder", "issuer__institution")
    if access.is_admin:
        return qs
    return qs.filter(issuer__institution_id__in=access.institutions_with({Role.REGISTRAR}))


def batches_for_registrar(*, actor: Actor) -> QuerySet[IssuanceBatch]:
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


def batch_has_second_approver(batch: IssuanceBatch) -> bool:
    """Whether someone besides the registrar who prepared the batch can approve it: another registrar of an
    awarding institution, or a platform administrator. Where nobody can (a lone registrar on a platform
    without administrators), the requester approves alone and the audit record says so."""
    awarding = [batch.issuer.institution_id, *batch.programme.awarding_institutions.values_list("pk", flat=True)] if batch.programme is not None else [batch.issuer.institution_id]
    others = memberships(institutions=awarding, roles=[Role.REGISTRAR]).filter(user__is_active=True).exclude(user_id=batch.requested_by_id)
    admins = memberships(roles=[Role.PLATFORM_ADMIN]).filter(user__is_active=True).exclude(user_id=batch.requested_by_id)
    superusers = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(pk=batch.requested_by_id)
    return others.exists() or admins.exists() or superusers.exists()


def may_approve_batch(*, actor: Actor, batch: IssuanceBatch) -> bool:
    """Four eyes: a registrar of an awarding institution (or an administrator) other than the one who prepared
    it, unless nobody else can approve."""
    access = access_for(actor)
    awarding = {batch.issuer.institution_id, *(batch.programme.awarding_institutions.values_list("pk", flat=True) if batch.programme is not None else ())}
    if not (access.is_admin or any(access.has_role(i, Role.REGISTRAR) for i in awarding)):
        return False
    return actor.pk != batch.requested_by_id or not batch_has_second_approver(batch)


def credential_rows() -> QuerySet[IssuedCredential]:
    """Every issued credential, whoever asks: for analytics' nightly facts only, which publish aggregates."""
    return IssuedCredential.objects.all()


def inbox_items(*, actor: Actor) -> list:
    """Work waiting in credentials: issuance batches for a registrar to approve (prepared by someone else: four
    eyes) or to look at again (failed), and for a holder the credentials received in the last 30 days."""
    import datetime as dt

    from django.urls import reverse
    from django.utils.translation import gettext as _

    from ortaq.lib.inbox import Action, InboxItem

    from .models import BatchState

    access = access_for(actor)
    if access.user_id is None:
        return []
    items = []
    if access.institutions_with({Role.REGISTRAR}):
        batches = batches_for_registrar(actor=actor)
        for kind, action, title, rows in (
            ("credentials.approve", Action.APPROVE, _("Issuance batches to approve"),
             list(batches.filter(state=BatchState.REQUESTED).exclude(requested_by_id=access.user_id).order_by("created_at").values_list("id", flat=True))),
            ("credentials.failed", Action.PREPARE, _("Issuance batches that failed"),
             list(batches.filter(state=BatchState.FAILED).order_by("created_at").values_list("id", flat=True))),
        ):
            if rows:
                one = len(rows) == 1
                items.append(InboxItem(kind=kind, action=action, title=title, count=len(rows),
                                       url=reverse("credentials:batch_status", args=[rows[0]]) if one else reverse("credentials:registrar"),
                                       ref=f"credentials.batch:{rows[0]}" if one else ""))
    since = timezone.now() - dt.timedelta(days=30)
    received = IssuedCredential.objects.filter(holder_id=access.user_id, issued_at__gte=since).count()
    if received:
        items.append(InboxItem(kind="credentials.received", action=Action.READ, title=_("New credentials in your wallet"), count=received,
                               url=reverse("credentials:wallet")))
    return items
