"""Credentials that a registrar's integration brings through the W3C VC-API: the document is the caller's;
the signature, the status entries, the record and the audit line are the platform's, exactly as for a
diploma, so that whatever the VC-API signs can be found, revoked and audited."""

from __future__ import annotations

import uuid

from django.utils.translation import gettext_lazy as _

from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.errors import DomainError, Forbidden
from ortaq.institutions.selectors import institution_get

from .issuance import Signer, store_signed
from .keys import issuer_ensure
from .models import CredentialKind, IssuedCredential, IssuerProfile

VC_V1 = "https://www.w3.org/2018/credentials/v1"
# Bitstring Status List v1.0 §2.1: VC 1.1 documents need this context for BitstringStatusListEntry; the
# VC 2.0 context already defines it.
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"


def _issuing_institution(actor, issuer_did: str | None):
    """The institution the actor issues for: the one whose did:web the credential names, else the actor's
    (first) registrar institution. Platform administrators must name the issuer."""
    access = access_for(actor)
    mine = access.institutions_with({Role.REGISTRAR})
    if issuer_did:
        profile = IssuerProfile.objects.select_related("institution").filter(did=issuer_did).first()
        if profile is None or not (access.is_admin or profile.institution_id in mine):
            raise Forbidden(_("This token does not issue as %(did)s.") % {"did": issuer_did})
        return profile.institution
    if not mine:
        if access.is_admin:
            raise DomainError(_("Name the issuer: a platform administrator issues for no institution of their own."), code="no_issuer")
        raise Forbidden(_("Only a registrar can issue credentials through the VC-API."))
    return institution_get(actor=actor, pk=min(mine))


def vc_api_issue(*, actor, credential: dict, issuer_did: str | None = None, idempotency_key: str | None = None) -> IssuedCredential:
    """Sign `credential` (already checked for shape by the API) as the actor's institution and record it.
    The caller's `Idempotency-Key` (per actor) makes a repeated request return the first credential."""
    if "credentialStatus" in credential:
        raise DomainError(_("The platform allocates the credential's status entries; send the credential without credentialStatus."),
                          code="status_given")
    institution = _issuing_institution(actor, issuer_did)
    issuer = issuer_ensure(actor=actor, institution=institution)
    given_id = given if isinstance(given := credential.get("id"), str) else ""

    def build(credential_uuid: uuid.UUID, status: list[dict], _sign: Signer) -> dict:
        document = dict(credential)
        contexts = list(document["@context"]) if isinstance(document["@context"], list) else [document["@context"]]
        if contexts[0] == VC_V1 and STATUS_V1 not in contexts:
            contexts.append(STATUS_V1)
        document["@context"] = contexts
        document.setdefault("issuer", issuer.did)
        document.setdefault("id", f"urn:uuid:{credential_uuid}")
        document["credentialStatus"] = status
        return document

    types = credential.get("type")
    given_name = credential.get("name")
    name = given_name if isinstance(given_name, str) else " ".join(types) if isinstance(types, list) else str(types or "")
    key = f"vc-api:{actor.pk}:{idempotency_key}" if idempotency_key else f"vc-api:{uuid.uuid4()}"
    return store_signed(actor=actor, issuer=issuer, holder=None, kind=CredentialKind.EXTERNAL, idempotency_key=key[:200],
                        title={"en": name[:200]}, build=build, external_id=given_id[:500],
                        audit_after={"kind": CredentialKind.EXTERNAL, "issuer": issuer.did, "id": given_id or None, "type": types})
