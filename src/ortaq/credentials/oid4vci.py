"""OpenID for Verifiable Credential Issuance 1.0 (https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html),
pre-authorised code flow, for a holder taking one of their credentials into a wallet (see credentials.exchanges).

1. The holder's page shows the Credential Offer (§4.1, by value: `openid-credential-offer://?credential_offer=...`)
   with the pre-authorised code grant (§4.1.1); the code is the WalletOffer's secret, usable once, 15 minutes.
2. The wallet reads the Credential Issuer Metadata (§12.2, `/.well-known/openid-credential-issuer`) and the
   authorisation server metadata (RFC 8414; this issuer is its own authorisation server, §12.2.4
   `authorization_servers` omitted), then exchanges the code at the Token Endpoint (§6) for an access token.
3. It gets a fresh `c_nonce` from the Nonce Endpoint (§7) and sends the Credential Request (§8.2) with a `jwt` key
   proof (Appendix F.1: typ `openid4vci-proof+jwt`, EdDSA, `kid` a did:key DID URL, `aud` this issuer, `nonce` the
   c_nonce, `iat`). The proof's DID becomes credentialSubject.id (cryptographic binding, §8.2.1).
4. The Credential Response (§8.3) carries the credential (format `ldp_vc`, Appendix A.1.2), signed by the
   platform's one signing service (exchanges.wallet_copy_issue).

Errors are OAuth's (RFC 6749 §5.2 at the token endpoint, RFC 6750 §3.1 for the bearer token) and §8.3.1.2's at
the credential endpoint (invalid_credential_request, unknown_credential_configuration, invalid_proof, invalid_nonce).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import secrets
import time
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from ortaq.engines.credentials.keys import KeyError_ as ResolveError
from ortaq.engines.credentials.keys import resolve_did_key
from ortaq.engines.credentials.multibase import MultibaseError, decode_public_key

from . import exchanges
from .exchanges import OID4VCI, wallet_copy_issue
from .models import CredentialState, IssuedCredential, WalletOffer

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"  # §4.1.1
PROOF_TYP = "openid4vci-proof+jwt"  # Appendix F.1
TOKEN_LIFETIME = dt.timedelta(minutes=10)
NONCE_LIFETIME = 300  # seconds
NONCE_SALT = "ortaq.credentials.oid4vci.c_nonce"
MAX_JWT = 8192  # a proof is a few hundred bytes; anything larger is refused before decoding
CONTEXTS = {
    "OpenBadgeCredential": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "ClrCredential": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
}


class OAuthError(Exception):
    """An error answered as `{"error", "error_description"}` with an HTTP status (RFC 6749 §5.2, OID4VCI §8.3.1.2)."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def issuer_id() -> str:
    """The Credential Issuer Identifier (§12.2.1): this platform's address; the metadata is under its .well-known."""
    return settings.SITE_ROOT


def _endpoint(name: str) -> str:
    return f"{settings.SITE_ROOT}/api/v1/oid4vci/{name}"


def configuration_id(credential: IssuedCredential) -> str:
    types = credential.document.get("type") if isinstance(credential.document, dict) else None
    return "ClrCredential_ldp_vc" if "ClrCredential" in (types or []) else "OpenBadgeCredential_ldp_vc"


def _configuration(kind: str, names: dict[str, str]) -> dict:
    # §12.2.4 credential_configurations_supported; Appendix A.1.2 (ldp_vc): credential_definition with @context
    # and type; the credential_signing_alg_values_supported of ldp_vc are Data Integrity cryptosuites.
    return {
        "format": "ldp_vc",
        "scope": kind,
        "cryptographic_binding_methods_supported": ["did:key"],
        "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["EdDSA"]}},
        "credential_definition": {"@context": CONTEXTS[kind], "type": ["VerifiableCredential", kind]},
        "credential_metadata": {"display": [{"name": name, "locale": locale} for locale, name in names.items()]},
    }


def issuer_metadata() -> dict:
    """Credential Issuer Metadata (§12.2.4)."""
    return {
        "credential_issuer": issuer_id(),
        "credential_endpoint": _endpoint("credential"),
        "nonce_endpoint": _endpoint("nonce"),
        "display": [{"name": "Ortaq", "locale": "en"}, {"name": "Ortaq", "locale": "kk"}],
        "credential_configurations_supported": {
            "OpenBadgeCredential_ldp_vc": _configuration("OpenBadgeCredential", {"en": "Open Badge (diploma, certificate)", "kk": "Open Badge (диплом, сертификат)",
                                                                                  "ru": "Open Badge (диплом, сертификат)", "zh": "开放徽章（毕业证书、证书）"}),
            "ClrCredential_ldp_vc": _configuration("ClrCredential", {"en": "Comprehensive Learner Record (transcript)", "kk": "CLR (транскрипт)",
                                                                     "ru": "CLR (академическая справка)", "zh": "综合学习者记录（成绩单）"}),
        },
    }


def authorization_server_metadata() -> dict:
    """RFC 8414 metadata of this issuer as its own authorisation server; §12.3 adds
    `pre-authorized_grant_anonymous_access_supported` (a wallet need not be a registered client)."""
    return {"issuer": issuer_id(), "token_endpoint": _endpoint("token"), "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "pre-authorized_grant_anonymous_access_supported": True, "response_types_supported": []}


def credential_offer(offer: WalletOffer) -> dict:
    """The Credential Offer (§4.1.1): which credential, and the pre-authorised code that obtains it."""
    return {"credential_issuer": issuer_id(), "credential_configuration_ids": [configuration_id(offer.credential)],
            "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": offer.secret}}}


def credential_offer_uri(offer: WalletOffer) -> str:
    """The offer by value, as a wallet's QR scanner reads it (§4.1.3 "Sending Credential Offer by Value")."""
    return "openid-credential-offer://?credential_offer=" + quote(json.dumps(credential_offer(offer), separators=(",", ":")), safe="")


def nonce_new() -> str:
    """A c_nonce (§7.2): random, signed with a timestamp, so the credential endpoint can tell a fresh one of ours
    from a stale or made-up one without storing it; an access token works once, so a nonce cannot win twice."""
    return signing.dumps(secrets.token_urlsafe(16), salt=NONCE_SALT, compress=False)


def _nonce_ok(nonce: Any) -> bool:
    if not isinstance(nonce, str) or len(nonce) > 200:
        return False
    try:
        signing.loads(nonce, salt=NONCE_SALT, max_age=NONCE_LIFETIME)
    except signing.BadSignature:  # SignatureExpired is one
        return False
    return True


def token_exchange(*, grant_type: Any, code: Any) -> dict:
    """Token Endpoint (§6): a pre-authorised code, once, for a Bearer access token. A `c_nonce` is added for
    wallets of the earlier drafts (1.0 final takes it from the Nonce Endpoint; extra parameters are allowed,
    RFC 6749 §5.1)."""
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise OAuthError("unsupported_grant_type", "only the pre-authorized_code grant is supported")
    if not isinstance(code, str) or not code:
        raise OAuthError("invalid_request", "pre-authorized_code is missing")
    if not exchanges.is_offer_token(code):
        raise OAuthError("invalid_grant", "the pre-authorized code is unknown, used or expired")
    with transaction.atomic():
        offer = WalletOffer.objects.select_for_update().filter(protocol=OID4VCI, secret=code).first()
        # RFC 6749 §5.2: a code that is unknown, used or expired is an invalid_grant, without saying which.
        if offer is None or offer.access_token or offer.completed_at or offer.expires_at <= timezone.now():
            raise OAuthError("invalid_grant", "the pre-authorized code is unknown, used or expired")
        offer.access_token, offer.started_at = secrets.token_urlsafe(32), timezone.now()
        offer.token_expires_at = min(offer.started_at + TOKEN_LIFETIME, offer.expires_at)
        offer.save(update_fields=["access_token", "started_at", "token_expires_at"])
    return {"access_token": offer.access_token, "token_type": "Bearer", "expires_in": int((offer.token_expires_at - offer.started_at).total_seconds()),
            "c_nonce": nonce_new(), "c_nonce_expires_in": NONCE_LIFETIME}


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def proof_holder(jwt: Any, *, now: float | None = None) -> str:
    """Verify a `jwt` key proof (Appendix F.1, §8.2.1.1) and return the holder's DID it binds the credential to."""
    if not isinstance(jwt, str) or len(jwt) > MAX_JWT or jwt.count(".") != 2:
        raise OAuthError("invalid_proof", "the proof is not a compact JWS")
    head, body, signature = jwt.split(".")
    try:
        header, claims, raw_signature = json.loads(_b64(head)), json.loads(_b64(body)), _b64(signature)
    except (ValueError, binascii.Error, RecursionError):
        raise OAuthError("invalid_proof", "the proof is not a compact JWS") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise OAuthError("invalid_proof", "the proof's header and claims must be JSON objects")
    if header.get("typ") != PROOF_TYP:
        raise OAuthError("invalid_proof", f"the proof's typ must be {PROOF_TYP}")
    if header.get("alg") != "EdDSA":
        raise OAuthError("invalid_proof", "the proof must be signed with EdDSA (Ed25519)")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid.startswith("did:key:") or "#" not in kid or "jwk" in header or "x5c" in header:
        raise OAuthError("invalid_proof", "the proof must name its key as a did:key DID URL in kid (and nothing else)")
    if claims.get("aud") != issuer_id() and not (isinstance(claims.get("aud"), list) and issuer_id() in claims["aud"]):
        raise OAuthError("invalid_proof", "the proof's aud is not this credential issuer")
    iat, now = claims.get("iat"), time.time() if now is None else now
    if not isinstance(iat, int | float) or isinstance(iat, bool) or not now - NONCE_LIFETIME - 60 <= iat <= now + 60:
        raise OAuthError("invalid_proof", "the proof's iat is missing or not recent")
    if not _nonce_ok(claims.get("nonce")):
        raise OAuthError("invalid_nonce", "the proof's nonce is not a fresh c_nonce of this issuer")
    did = kid.split("#", 1)[0]
    try:
        methods = resolve_did_key(did).get("verificationMethod", [])
        method = next(m for m in methods if m.get("id") == kid)
        Ed25519PublicKey.from_public_bytes(decode_public_key(method["publicKeyMultibase"])).verify(raw_signature, f"{head}.{body}".encode("ascii"))
    except (StopIteration, InvalidSignature, ValueError, KeyError, TypeError, UnicodeEncodeError, ResolveError, MultibaseError) as error:
        raise OAuthError("invalid_proof", f"the proof's signature does not verify with {kid}") from error
    return did


def credential_issue(*, authorization: Any, request: Any) -> dict:
    """Credential Endpoint (§8): the Bearer token's offer, the requested configuration and a key proof; answers
    the wallet's copy of the credential, bound to the proof's did:key (§8.3: `credentials: [{credential}]`)."""
    token = authorization[7:].strip() if isinstance(authorization, str) and authorization[:7].lower() == "bearer " else ""
    if not token:
        raise OAuthError("invalid_token", "a Bearer access token is required", status=401)
    if not exchanges.is_offer_token(token):
        raise OAuthError("invalid_token", "the access token is unknown, used or expired", status=401)
    with transaction.atomic():
        # The token first (RFC 6750 §3.1): a caller without a valid one learns nothing about its request.
        offer = WalletOffer.objects.select_for_update().select_related("credential__issuer", "holder").filter(protocol=OID4VCI, access_token=token).first()
        if offer is None or offer.completed_at is not None or offer.token_expires_at is None or offer.token_expires_at <= timezone.now():
            raise OAuthError("invalid_token", "the access token is unknown, used or expired", status=401)
        if not isinstance(request, dict):
            raise OAuthError("invalid_credential_request", "the credential request must be a JSON object")
        proofs = request.get("proofs")
        if "proof" in request and proofs is not None:
            raise OAuthError("invalid_credential_request", "send proofs (or, from earlier drafts, proof), not both")
        if proofs is None and isinstance(request.get("proof"), dict) and request["proof"].get("proof_type") == "jwt":
            proofs = {"jwt": [request["proof"].get("jwt")]}  # draft 13's single proof, still sent by some wallets
        if not isinstance(proofs, dict) or set(proofs) != {"jwt"} or not isinstance(proofs["jwt"], list) or len(proofs["jwt"]) != 1:
            raise OAuthError("invalid_credential_request", "one jwt key proof is required (proofs.jwt)")
        if request.get("credential_configuration_id") != configuration_id(offer.credential):
            raise OAuthError("unknown_credential_configuration", "credential_configuration_id is not the offered one")
        if offer.credential.state != CredentialState.VALID:
            raise OAuthError("invalid_credential_request", "the credential is no longer valid")
        holder_did = proof_holder(proofs["jwt"][0])
        record = wallet_copy_issue(offer=offer, holder_did=holder_did)
    return {"credentials": [{"credential": record.document}]}
