"""Credentials that a registrar's integration brings through the W3C VC-API: the document is the caller's;
the signature, the status entries, the record and the audit line are the platform's, exactly as for a
diploma, so that whatever the VC-API signs can be found, revoked and audited."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.errors import DomainError, Forbidden
from ortaq.institutions.selectors import institution_get

from .issuance import Signer, store_signed
import ortaq.engines.credentials as creds

from .keys import issuer_ensure
from .models import CredentialKind, IssuedCredential, IssuerKey, IssuerProfile

VC_V1 = "https://www.w3.org/2018/credentials/v1"
# Bitstring Status List v1.0 §2.1: VC 1.1 documents need this context for BitstringStatusListEntry; the
# VC 2.0 context already defines it.
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"


CRYPTOSUITES = (creds.RDFC, creds.JCS)


def _issuing_institution(actor, issuer_did: str | None):
    """(institution, did:key record or None): the institution the actor issues for, the one whose did:web or
    active did:key the credential names, else the actor's (first) registrar institution. Platform
    administrators must name the issuer."""
    access = access_for(actor)
    mine = access.institutions_with({Role.REGISTRAR})
    if issuer_did:
        did_key = None
        profile = IssuerProfile.objects.select_related("institution").filter(did=issuer_did).first()
        if profile is None and issuer_did.startswith("did:key:"):
            # Only the active did:key issues: a retired one still verifies what it signed, but signs no more.
            did_key = (IssuerKey.objects.select_related("issuer__institution")
                       .filter(did_key=True, key_id__startswith=issuer_did + "#", retired_at__isnull=True, compromised=False).first())
            profile = did_key.issuer if did_key is not None else None
        if profile is None or not (access.is_admin or profile.institution_id in mine):
            raise Forbidden(_("This token does not issue as %(did)s.") % {"did": issuer_did})
        return profile.institution, did_key
    if not mine:
        if access.is_admin:
            raise DomainError(_("Name the issuer: a platform administrator issues for no institution of their own."), code="no_issuer")
        raise Forbidden(_("Only a registrar can issue credentials through the VC-API."))
    return institution_get(actor=actor, pk=min(mine)), None


def vc_api_issue(*, actor, credential: dict, issuer_did: str | None = None, idempotency_key: str | None = None,
                 cryptosuite: str = creds.RDFC) -> IssuedCredential:
    """Sign `credential` (already checked for shape by the API) as the actor's institution and record it.
    `issuer_did` names one of the institution's DIDs (its did:web or its active did:key; the credential's own
    issuer or the request's options.issuer); `cryptosuite` is eddsa-rdfc-2022 or eddsa-jcs-2022.
    The caller's `Idempotency-Key` (per actor) makes a repeated request return the first credential."""
    # The caller's own status entries (VC DM 2.0 §4.10: any status method) are kept beside the platform's two,
    # so the credential stays revocable here whatever else it names; an entry in one of the platform's own
    # lists is refused, because only the platform allocates their indexes (one index, one credential).
    given_status = credential.get("credentialStatus", [])
    given_status = given_status if isinstance(given_status, list) else [given_status]
    own_lists = settings.SITE_ROOT + reverse("credential_status_list", args=[0, "x"]).rsplit("/", 2)[0] + "/"
    if any(isinstance(e, dict) and str(e.get("statusListCredential", "")).startswith(own_lists) for e in given_status):
        raise DomainError(_("The platform allocates the entries in its own status lists; name another list or leave it to the platform."),
                          code="status_given")
    if cryptosuite not in CRYPTOSUITES:
        raise DomainError(_("Unknown cryptosuite: use eddsa-rdfc-2022 or eddsa-jcs-2022."), code="invalid")
    institution, did_key = _issuing_institution(actor, issuer_did)
    issuer = issuer_ensure(actor=actor, institution=institution)
    signer_did = did_key.did if did_key is not None else issuer.did
    given_id = given if isinstance(given := credential.get("id"), str) else ""

    def build(credential_uuid: uuid.UUID, status: list[dict], _sign: Signer) -> dict:
        document = dict(credential)
        contexts = list(document["@context"]) if isinstance(document["@context"], list) else [document["@context"]]
        if contexts[0] == VC_V1 and STATUS_V1 not in contexts:
            contexts.append(STATUS_V1)
        document["@context"] = contexts
        document.setdefault("issuer", signer_did)
        document.setdefault("id", f"urn:uuid:{credential_uuid}")
        document["credentialStatus"] = given_status + status
        return document

    types = credential.get("type")
    given_name = credential.get("name")
    name = given_name if isinstance(given_name, str) else " ".join(types) if isinstance(types, list) else str(types or "")
    key = f"vc-api:{actor.pk}:{idempotency_key}" if idempotency_key else f"vc-api:{uuid.uuid4()}"
    return store_signed(actor=actor, issuer=issuer, holder=None, kind=CredentialKind.EXTERNAL, idempotency_key=key[:200],
                        title={"en": name[:200]}, build=build, external_id=given_id[:500], did_key=did_key, cryptosuite=cryptosuite,
                        audit_after={"kind": CredentialKind.EXTERNAL, "issuer": signer_did, "id": given_id or None, "type": types,
                                     "cryptosuite": cryptosuite})
