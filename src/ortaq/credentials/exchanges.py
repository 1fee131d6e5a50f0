"""Issuing into wallets: a holder takes one of their credentials into a standards-based wallet, which then holds
a copy whose subject is the wallet's DID (holder binding).

Two protocols start from the same one-time offer (models.WalletOffer), shown as QR codes on the holder's page:

- VC-API exchanges, as the Digital Credentials Consortium's Learner Credential Wallet speaks them (this module):
  the wallet POSTs `{}` to the exchange URL, is asked for a DIDAuthentication presentation (a fresh challenge and
  this platform's domain), POSTs it signed by its did:key, and receives the credential in a presentation
  (W3C VC-API, "Exchanges": https://w3c-ccg.github.io/vc-api/#exchanges; DCC's deep link
  `https://lcw.app/request.html?request={"credentialRequestOrigin", "protocols": {"vcapi": URL}}`).
- OpenID for Verifiable Credential Issuance 1.0, pre-authorised code flow (credentials.oid4vci).

Either way the copy is signed by `issuance.store_signed`, the platform's one signing service: recorded,
given status entries (revocable; it follows the original's status), audited, with the holder as actor. An offer
is used up by the first wallet that completes it and expires after LIFETIME; replays are refused.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ortaq.audit.services import audit_record
from ortaq.engines.credentials.datamodel import date_time_stamp
from ortaq.engines.credentials.presentations import verify_presentation
from ortaq.engines.credentials.proofs import proofs_of
from ortaq.errors import DomainError, Forbidden, NotFound

from . import issuance
from .keys import resolver
from .models import CredentialState, IssuedCredential, IssuerProfile, WalletOffer
from .presentations import presentation_domain

if TYPE_CHECKING:
    from ortaq.accounts.types import Actor, User

LIFETIME = dt.timedelta(minutes=15)
VC_API, OID4VCI = "vc-api", "oid4vci"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


# The one VC-API workflow the platform runs (VC-API "Exchanges and Workflows"): DID authentication of the wallet,
# then the credential bound to that DID. Its exchanges are the VC-API wallet offers, reachable at either address.
WORKFLOW = "claim-credential"


def exchange_url(offer: WalletOffer, *, scoped: bool = False) -> str:
    """Where the wallet POSTs (VC-API: POST /exchanges/{exchangeId}, or the workflow-scoped
    /workflows/{workflowId}/exchanges/{exchangeId}); the exchange id is the offer's secret."""
    if scoped:
        return f"{settings.SITE_ROOT}/api/v1/workflows/{WORKFLOW}/exchanges/{offer.secret}"
    return f"{settings.SITE_ROOT}/api/v1/exchanges/{offer.secret}"


def lcw_deep_link(offer: WalletOffer) -> str:
    """The Learner Credential Wallet's deep link: its request page with the VC-API `protocols` object (the same
    object an interaction URL answers, see /exchanges/{id}/protocols)."""
    request = {"credentialRequestOrigin": settings.SITE_ROOT, "protocols": {"vcapi": exchange_url(offer)}}
    return "https://lcw.app/request.html?request=" + quote(json.dumps(request, separators=(",", ":")), safe="")


@transaction.atomic
def wallet_offers_create(*, actor: User, credential: IssuedCredential) -> list[WalletOffer]:
    """Fresh one-time offers of `credential` for its holder's wallet, one per protocol (VC-API, OID4VCI)."""
    if actor is None or credential.holder_id != actor.pk:
        raise Forbidden()
    _check_offerable(credential)
    expires = timezone.now() + LIFETIME
    offers = [WalletOffer.objects.create(protocol=protocol, credential=credential, holder=actor, secret=secrets.token_urlsafe(32), expires_at=expires)
              for protocol in (VC_API, OID4VCI)]
    audit_record(actor=actor, action="create", obj=offers[0], after={"credential": str(credential.public_id), "protocols": [VC_API, OID4VCI]},
                 summary="wallet offer")
    return offers


def _check_offerable(credential: IssuedCredential) -> None:
    """A wallet may take a valid credential that is not itself a wallet's copy (the page's offers and the VC-API
    workflow's exchanges alike)."""
    if credential.state != CredentialState.VALID:
        raise DomainError(_("Only a valid credential can be added to a wallet."), code="state")
    if IssuedCredential.objects.filter(pk=credential.pk, wallet_claim__isnull=False).exists():
        raise DomainError(_("This is already a wallet's copy."), code="state")


def wallet_offers_open(*, actor: User, credential: IssuedCredential) -> dict[str, WalletOffer]:
    """The holder's newest offers of `credential` that a wallet can still use, by protocol."""
    found: dict[str, WalletOffer] = {}
    for offer in WalletOffer.objects.filter(credential=credential, holder=actor, completed_at__isnull=True, expires_at__gt=timezone.now()):
        found.setdefault(offer.protocol, offer)  # newest first (Meta.ordering)
    return found


def wallet_copies(*, credential: IssuedCredential) -> list[WalletOffer]:
    """The completed offers of `credential`: which wallet (DID) took it, when, by which protocol."""
    return list(WalletOffer.objects.filter(credential=credential, completed_at__isnull=False).select_related("issued"))


_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_offer_token(value: Any) -> bool:
    """Offer secrets and access tokens are secrets.token_urlsafe: anything else (a NUL byte PostgreSQL refuses in a
    query, a huge string) is unknown without asking the database."""
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def _offer_for_update(protocol: str, **lookup: Any) -> WalletOffer:
    """The offer a wallet names (by its secret, or OID4VCI's access token), locked; refused when unknown (404),
    used (409) or expired (410)."""
    ((field, value),) = lookup.items()
    if not is_offer_token(value):
        raise NotFound(_("No wallet offer has this code."))
    offer = WalletOffer.objects.select_for_update().select_related("credential__issuer", "holder").filter(protocol=protocol, **{field: value}).first()
    if offer is None:
        raise NotFound(_("No wallet offer has this code."))
    if offer.completed_at is not None:
        raise DomainError(_("This offer was already used: a credential is handed out once per offer."), code="duplicate")
    if offer.expires_at <= timezone.now():
        raise DomainError(_("This offer has expired: make a new one on your credential's page."), code="late")
    return offer


def wallet_copy_issue(*, offer: WalletOffer, holder_did: str) -> IssuedCredential:
    """Sign the wallet's copy of the offer's credential, with `holder_did` as credentialSubject.id, through the
    platform's one signing service (the same issuer and co-signers as the original), and use the offer up."""
    original = offer.credential
    if original.state != CredentialState.VALID:
        raise DomainError(_("Only a valid credential can be added to a wallet."), code="state")
    signers = [p.get("verificationMethod", "").split("#", 1)[0] for p in proofs_of(original.document) if isinstance(p, dict)]
    profiles = {p.did: p for p in IssuerProfile.objects.filter(did__in=signers)}
    cosigners = [profiles[did] for did in dict.fromkeys(signers) if did in profiles and did != original.issuer.did]

    def build(credential_uuid, status, _sign) -> dict:
        document = copy.deepcopy(original.document)
        document.pop("proof", None)
        document["id"], document["credentialStatus"] = f"urn:uuid:{credential_uuid}", status
        document["credentialSubject"]["id"] = holder_did
        return document

    record = issuance.store_signed(
        actor=offer.holder, issuer=original.issuer, holder=offer.holder, kind=original.kind, idempotency_key=f"wallet:{offer.pk}",
        title=original.title, build=build, cosigners=cosigners, wallet_copy_of=original,
        audit_after={"kind": original.kind, "wallet_copy_of": str(original.public_id), "holder_did": holder_did, "protocol": offer.protocol},
    )
    offer.issued, offer.holder_did, offer.completed_at = record, holder_did, timezone.now()
    offer.save(update_fields=["issued", "holder_did", "completed_at"])
    return record


def exchange_protocols(*, exchange_id: str, scoped: bool = False) -> dict:
    """The VC-API interaction URL's answer (GET with Accept: application/json): the protocols this exchange speaks."""
    with transaction.atomic():
        offer = _offer_for_update(VC_API, secret=exchange_id)
    return {"protocols": {"vcapi": exchange_url(offer, scoped=scoped)}}


def workflow_description() -> dict:
    """The claim-credential workflow as VC-API describes a workflow (its steps and the first one)."""
    return {"id": f"{settings.SITE_ROOT}/api/v1/workflows/{WORKFLOW}", "initialStep": "didAuthentication",
            "steps": {"didAuthentication": {"createChallenge": True, "nextStep": "issue",
                                            "verifiablePresentationRequest": {"query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}]}},
                      "issue": {}}}


@transaction.atomic
def workflow_exchange_create(*, actor: Actor, credential_id: Any, expires: Any = None) -> WalletOffer:
    """VC-API "create exchange" on the claim-credential workflow, by the holder (their API token): one VC-API offer of
    one of their own valid credentials, named by its public id (`variables.credential`). `expires` may shorten the
    offer's 15 minutes, never lengthen them. Audited like the offers made on the credential's page."""
    from ortaq.credentials.selectors import credential_of_holder

    if actor is None or not actor.is_authenticated:
        raise Forbidden()
    credential = credential_of_holder(user=actor, public_id=credential_id)
    if credential is None:
        raise NotFound(_("You hold no credential with this id."))
    _check_offerable(credential)
    latest = timezone.now() + LIFETIME
    asked = date_time_stamp(expires) if expires is not None else latest
    if asked is None:
        raise DomainError(_("expires must be a date and time with a time zone, such as 2026-06-30T12:00:00Z."), code="invalid")
    if asked <= timezone.now() or asked > latest:
        raise DomainError(_("An exchange expires within 15 minutes of its creation."), code="invalid")
    offer = WalletOffer.objects.create(protocol=VC_API, credential=credential, holder=actor, secret=secrets.token_urlsafe(32),
                                       expires_at=asked)
    audit_record(actor=actor, action="create", obj=offer, after={"credential": str(credential.public_id), "protocols": [VC_API], "workflow": WORKFLOW},
                 summary="wallet offer (VC-API workflow exchange)")
    return offer


def workflow_exchange_state(*, actor: Actor, exchange_id: str) -> dict:
    """VC-API "get exchange": the exchange's step and state, for the holder who made it (anyone else: 404, the
    exchange id is a secret). States: pending (not started), active (the wallet was asked for its DID), complete
    (the copy was issued), invalid (expired unused)."""
    offer = None
    if actor is not None and actor.is_authenticated and is_offer_token(exchange_id):
        offer = WalletOffer.objects.select_related("credential").filter(protocol=VC_API, secret=exchange_id, holder=actor).first()
    if offer is None:
        raise NotFound(_("No wallet offer has this code."))
    if offer.completed_at is not None:
        state, step, sequence = "complete", "issue", 2
    elif offer.expires_at <= timezone.now():
        state, step, sequence = "invalid", "issue" if offer.started_at else "didAuthentication", 1 if offer.started_at else 0
    elif offer.started_at is not None:
        state, step, sequence = "active", "didAuthentication", 1
    else:
        state, step, sequence = "pending", "didAuthentication", 0
    return {"id": offer.secret, "sequence": sequence, "expires": offer.expires_at.isoformat().replace("+00:00", "Z"), "step": step,
            "state": state, "variables": {"credential": str(offer.credential.public_id)}}


def exchange_participate(*, exchange_id: str, message: Any, scoped: bool = False) -> dict:
    """One step of the VC-API exchange (POST /exchanges/{exchangeId}).

    `{}` (any message without a `verifiablePresentation` member) -> a VerifiablePresentationRequest for DIDAuthentication with a
    fresh challenge and this platform's domain (VC-API "Exchanges"; VP Request Spec "DID Authentication").
    `{"verifiablePresentation": VP}` -> the VP must be signed (Data Integrity eddsa-rdfc-2022 / eddsa-jcs-2022, or
    Ed25519Signature2020, proofPurpose authentication) by a key of its holder, a did:key, naming that challenge
    and domain; then the copy is issued to that DID and answered as `{"verifiablePresentation": {...,
    "verifiableCredential": [copy]}}`."""
    if not isinstance(message, dict):
        raise DomainError(_("The exchange expects a JSON object."), code="invalid")
    with transaction.atomic():
        offer = _offer_for_update(VC_API, secret=exchange_id)
        if "verifiablePresentation" not in message:  # a wallet's first message ({}); `null` is a broken presentation
            offer.challenge, offer.started_at = secrets.token_urlsafe(24), offer.started_at or timezone.now()
            offer.save(update_fields=["challenge", "started_at"])
            return {"verifiablePresentationRequest": {
                "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}],
                           "acceptedCryptosuites": [{"cryptosuite": "eddsa-rdfc-2022"}, {"cryptosuite": "Ed25519Signature2020"}]}],
                "challenge": offer.challenge, "domain": presentation_domain(),
                "interact": {"service": [{"type": "UnmediatedHttpPresentationService2021", "serviceEndpoint": exchange_url(offer, scoped=scoped)}]},
            }}
        if not offer.challenge:
            raise DomainError(_("Start the exchange first: the wallet must be asked for its DID."), code="state")
        report = verify_presentation(message["verifiablePresentation"], challenge=offer.challenge, domain=presentation_domain(), resolver=resolver())
        if not report.verified:
            raise DomainError(_("The wallet's DID authentication did not verify: %(reasons)s")
                              % {"reasons": "; ".join(c.reason for c in report.checks if not c.ok)}, code="invalid")
        if not (report.holder or "").startswith("did:key:"):
            raise DomainError(_("The wallet must authenticate with a did:key."), code="invalid")
        record = wallet_copy_issue(offer=offer, holder_did=report.holder or "")
    return {"verifiablePresentation": {"@context": [VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [record.document]}}
