"""Ortaq verifiable credentials engine (no Django).

W3C VC 2.0 credentials for Open Badges 3.0 and CLR 2.0, signed with Data Integrity EdDSA
(eddsa-rdfc-2022; eddsa-jcs-2022), keys as Multikey with did:key/did:web, Bitstring Status List
revocation and suspension, and verification reports a person can read. See docs/credentials.md.
"""

from __future__ import annotations

from .canon import CanonicalizationError, InputError, canonicalize, jcs, parse_json
from .contexts import ORTAQ_CONTEXT_URL, UnknownContextError, context_bytes, register_context
from .datamodel import data_model_errors
from .did import DidResolutionError, DidResolver, add_key, did_web, did_web_document, did_web_url, retire_key
from .documents import (
    alignment,
    build_achievement,
    build_clr,
    build_open_badge,
    issuer_profile,
    result,
    result_description,
)
from .keys import Multikey, generate_key, key_from_seed, resolve_did_key
from .proofs import JCS, RDFC, add_proof, create_proof
from .schemas import validate as validate_schema
from .signing import SigningError, is_vc_v1, sign, with_data_integrity_context
from .status import MIN_ENTRIES, StatusList, StatusListCache, StatusListError
from .verify import Check, VerificationReport, verify

__all__ = [
    "JCS",
    "MIN_ENTRIES",
    "ORTAQ_CONTEXT_URL",
    "RDFC",
    "CanonicalizationError",
    "Check",
    "DidResolutionError",
    "DidResolver",
    "InputError",
    "Multikey",
    "SigningError",
    "StatusList",
    "StatusListCache",
    "StatusListError",
    "UnknownContextError",
    "VerificationReport",
    "add_key",
    "add_proof",
    "alignment",
    "build_achievement",
    "build_clr",
    "build_open_badge",
    "canonicalize",
    "context_bytes",
    "create_proof",
    "data_model_errors",
    "did_web",
    "did_web_document",
    "did_web_url",
    "generate_key",
    "is_vc_v1",
    "issuer_profile",
    "jcs",
    "key_from_seed",
    "parse_json",
    "register_context",
    "resolve_did_key",
    "result",
    "result_description",
    "retire_key",
    "sign",
    "validate_schema",
    "verify",
    "with_data_integrity_context",
]
