"""Issuing: validate, check the issuer owns the key, then attach a Data Integrity proof."""

from __future__ import annotations

from typing import Any

from . import schemas
from .contexts import DATA_INTEGRITY_V2_URL, VC_V1_URL, VC_V2_URL
from .canon import CanonicalizationError, InputError, check_depth
from .keys import Multikey
from .proofs import RDFC, ProofError, add_proof, create_proof, proofs_of
from .verify import issuer_id


class SigningError(ValueError):
    """The document cannot be signed; the message says why."""


def is_vc_v1(document: dict[str, Any]) -> bool:
    """True for a VC Data Model 1.1 document (its first @context is https://www.w3.org/2018/credentials/v1)."""
    context = document.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return first == VC_V1_URL


def with_data_integrity_context(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of `document` whose @context defines the Data Integrity terms.

    The VC 1.1 context does not define `DataIntegrityProof`, `cryptosuite` or `proofValue`, so a
    Data Integrity proof on a 1.1 credential needs the Data Integrity context. VC Data Integrity 1.0
    §2.4.2 (Context Injection): when securing a document whose @context does not map the Data
    Integrity terms, implementations SHOULD append https://w3id.org/security/data-integrity/v2 (or
    contexts with the same declarations, such as credentials/v2). The eddsa suites then sign the
    proof options with the document's (extended) @context (vc-di-eddsa, proof configuration).
    A VC 2.0 document already maps them and is returned unchanged.
    """
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context] if context is not None else []
    if VC_V2_URL in contexts or DATA_INTEGRITY_V2_URL in contexts:
        return document
    extended = dict(document)
    extended["@context"] = [*contexts, DATA_INTEGRITY_V2_URL]
    return extended


def sign(
    document: dict[str, Any],
    key: Multikey,
    *,
    cryptosuite: str = RDFC,
    created: str | None = None,
    check_schema: bool = True,
    as_cosigner: bool = False,
) -> dict[str, Any]:
    """Return a copy of `document` with a new proof (added to a proof set if one exists).

    The issuer must control the key. A second party (e.g. the partner college of a joint diploma)
    may add its proof with `as_cosigner=True`, but only to a document the issuer already signed.
    """
    if not isinstance(document, dict):
        raise SigningError("a credential must be a JSON object")
    try:
        check_depth(document)
    except InputError as exc:
        raise SigningError(str(exc)) from None
    issuer = issuer_id(document)
    if issuer is None:
        raise SigningError("the document has no issuer id")
    if is_vc_v1(document):
        if not isinstance(document.get("issuanceDate"), str):
            raise SigningError("a VC Data Model 1.1 credential needs issuanceDate")
        if not proofs_of(document):
            # Only before the first proof: changing @context afterwards would break that proof.
            document = with_data_integrity_context(document)
    if as_cosigner:
        if not proofs_of(document):
            raise SigningError("a co-signer can only add a proof to a document the issuer has already signed")
    elif key.controller != issuer:
        raise SigningError(f"the issuer {issuer} is not the controller of key {key.id} (controller {key.controller})")
    if check_schema and schemas.schema_for(document):
        errors = schemas.validate({k: v for k, v in document.items() if k != "proof"})
        if errors:
            raise SigningError("schema validation failed: " + "; ".join(errors))
    try:
        proof = create_proof(document, key, cryptosuite=cryptosuite, created=created)
    except (ProofError, CanonicalizationError) as exc:
        raise SigningError(str(exc)) from None
    return add_proof(document, proof)
