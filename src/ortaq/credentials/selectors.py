from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from ortaq.accounts.selectors import access_for, memberships
from ortaq.accounts.types import Role

from .models import IssuanceBatch, IssuedCredential, IssuerProfile, ShareCode, SharedSet

if TYPE_CHECKING:
    import datetime as dt

    from django.db.models import QuerySet
    from ortaq.accounts.types import Actor, User


def wallet_of(*, user: User) -> QuerySet[IssuedCredential]:
    # A wallet's copy (credentials.exchanges) is the same credential with the wallet's DID: listed once, as the original.
    return IssuedCredential.objects.filter(holder=user, wallet_claim__isnull=True).select_related("issuer__institution").prefetch_related("share_codes")


def credential_of_holder(*, user: User, public_id: object) -> IssuedCredential | None:
    """One of the holder's own credentials (not a wallet's copy) by its public id; None for any other value."""
    try:
        key = uuid.UUID(public_id) if isinstance(public_id, str) and len(public_id) <= 64 else None
    except ValueError:
        key = None
    return wallet_of(user=user).filter(public_id=key).first() if key is not None else None


def credential_by_document_id(*, actor: Actor, document_id: str) -> IssuedCredential | None:
    """A credential the actor may manage (credentials_for_registrar) by the `id` its document carries: its
    urn:uuid (public id) or the id a VC-API caller gave it."""
    if not isinstance(document_id, str) or not 0 < len(document_id) <= 500:
        return None
    mine = credentials_for_registrar(actor=actor)
    prefix = "urn:uuid:"
    if document_id.startswith(prefix):
        try:
            found = mine.filter(public_id=uuid.UUID(document_id[len(prefix):])).first()
        except ValueError:
            found = None
        if found is not None:
            return found
    return mine.filter(external_id=document_id).first()


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


def may_use_registrar_desk(*, actor: Actor) -> bool:
    """Whether the registrar's desk is for this person (a registrar of some institution, or an administrator):
    pages link to it only then."""
    access = access_for(actor)
    return bool(access.is_admin or access.institutions_with({Role.REGISTRAR}))


def credential_for_viewer(*, actor: Actor, public_id: uuid.UUID | str) -> tuple[IssuedCredential | None, bool, bool]:
    """(credential, is its holder, is a registrar of its issuer or an administrator); (None, False, False) for
    anyone else, who must not learn that it exists."""
    credential = IssuedCredential.objects.select_related("issuer__institution", "holder", "batch").filter(public_id=public_id).first()
    if credential is None:
        return None, False, False
    holder = credential.holder_id is not None and credential.holder_id == actor.pk
    registrar = credentials_for_registrar(actor=actor).filter(pk=credential.pk).exists()
    if not (holder or registrar):
        return None, False, False
    return credential, holder, registrar


def credentials_search(*, actor: Actor, q: str = "", kind: str = "", state: str = "", issued_from: dt.date | None = None, issued_to: dt.date | None = None,
                       batch: int | None = None) -> QuerySet[IssuedCredential]:
    """The registrar's search of what their institutions issued: by the holder's name (any script) or
    username, kind, status, issue date and batch."""
    qs = credentials_for_registrar(actor=actor)
    if q:
        qs = qs.filter(Q(holder__full_name__icontains=q) | Q(holder__full_name_latin__icontains=q) | Q(holder__username__icontains=q)
                       | Q(holder__first_name__icontains=q) | Q(holder__last_name__icontains=q) | Q(verify_code=q.upper()))
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if issued_from:
        qs = qs.filter(issued_at__date__gte=issued_from)
    if issued_to:
        qs = qs.filter(issued_at__date__lte=issued_to)
    if batch:
        qs = qs.filter(batch_id=batch)
    return qs


def shared_sets_of(*, user: User) -> QuerySet[SharedSet]:
    return SharedSet.objects.filter(holder=user).prefetch_related("credentials")


def shared_set_by_code(code: str) -> SharedSet | None:
    """A holder's shared set while it is valid."""
    code = code.strip().upper().replace("-", "").replace(" ", "")
    return SharedSet.objects.filter(code=code, revoked_at__isnull=True, expires_at__gt=timezone.now()).first()


def credential_by_code(code: str) -> IssuedCredential | None:
    """A holder's share code (while valid) or the credential's printed verification code."""
    code = code.strip().upper().replace("-", "").replace(" ", "")
    share = ShareCode.objects.filter(code=code, revoked_at__isnull=True, expires_at__gt=timezone.now()).select_related("credential").first()
    if share:
        return share.credential
    return IssuedCredential.objects.filter(verify_code=code).first()


def known_issuer(did: str | None) -> IssuerProfile | None:
    """The registered issuer a DID names: an institution's did:web, or one of its did:key identities."""
    if not did:
        return None
    if did.startswith("did:key:"):
        from .keys import did_key_owner

        return did_key_owner(did)
    return IssuerProfile.objects.select_related("institution").filter(did=did).first()


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
            # Four eyes: one's own request waits for another registrar or an administrator; say so, so that the
            # registrar's home does not look empty while their work is in progress.
            ("credentials.awaiting", Action.READ, _("Your issuance batches waiting for a second approver"),
             list(batches.filter(state=BatchState.REQUESTED, requested_by_id=access.user_id).order_by("created_at").values_list("id", flat=True))),
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


def registrar_desk(*, actor: Actor) -> dict:
    """What the registrar's desk shows besides its form: the latest batches (and which of them this person may
    approve), the latest credentials, and the issuers with their keys."""
    access = access_for(actor)
    issuers = IssuerProfile.objects.all() if access.is_admin else IssuerProfile.objects.filter(institution_id__in=access.institutions_with({Role.REGISTRAR}))
    batches = list(batches_for_registrar(actor=actor)[:20])
    approvable = {b.pk for b in batches if b.state == "requested" and may_approve_batch(actor=actor, batch=b)}
    return {
        "batches": batches, "approvable": approvable, "credentials": credentials_for_registrar(actor=actor)[:50],
        "issuers": issuers.select_related("institution").prefetch_related("keys"),
    }


def credential_verification(document: object) -> dict:
    """The platform's verification report of a credential (verification.verify_document: offline, against the
    issuers hosted here and those other nodes sent), for other apps: `verified`, `checks`, `issuer`, and for another
    node's issuer `home_node`."""
    from .verification import verify_document

    report = verify_document(document)
    report.pop("known_issuer", None)  # a model instance: other apps read the report, not this app's models
    return report


def issuer_did_domain() -> str:
    """The host (with its port) of this node's issuers' did:web (ORTAQ_DID_DOMAIN, else the site's), for the manifest."""
    from .keys import did_domain

    return did_domain()
