"""Issuing: validate, check the issuer owns the key, then attach a Data Integrity proof."""

from __future__ import annotations

from typing import Any

from . import schemas
from .canon import CanonicalizationError, InputError, check_depth
from .keys import Multikey
from .proofs import RDFC, ProofError, add_proof, create_proof, proofs_of
from .verify import issuer_id


class SigningError(ValueError):
    """The document cannot be signed; the message says why."""


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
