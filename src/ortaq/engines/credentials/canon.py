"""Safe parsing, RDF Dataset Canonicalization (RDFC-1.0) and JSON Canonicalization (RFC 8785).

Everything a verifier reads may be hostile, so input passes three gates before any cryptography:
a byte-size limit, a nesting-depth limit and JSON-LD "safe mode" (a property or type that the
contexts do not define would be silently dropped from the signed RDF, letting someone add unsigned
claims, so it is an error instead). Canonicalisation then refuses datasets with too many blank
nodes and stops the N-degree hashing loop after a fixed budget, which is what defeats the known
"poison graph" inputs that make RDFC-1.0 exponential.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import Any

# frozendict and c14n are pyld's own dependencies; they are used here only to match how pyld keys
# and freezes contexts (see _Processor and _Resolver).
from c14n.Canonicalize import canonicalize as c14n_canonicalize
from frozendict import frozendict
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer
from pyld.context_resolver import ContextResolver
from pyld.jsonld import _is_absolute_iri, _resolved_context_cache

from .contexts import CONTEXTS, UnknownContextError, context_document, document_loader

MAX_DOCUMENT_BYTES = 1_000_000
MAX_DEPTH = 48
# JSON-LD expansion costs roughly 0.2 ms per JSON value; 20,000 values (a CLR transcript with about
# a hundred badges) bounds the work one document can demand to a couple of seconds.
MAX_JSON_VALUES = 20_000
MAX_BLANK_NODES = 4096
MAX_NDEGREE_CALLS = 10_000


class InputError(ValueError):
    """The input is not an acceptable JSON document (too big, too deep, malformed, wrong type)."""


class CanonicalizationError(ValueError):
    """The document cannot be canonicalised safely (unknown context, undefined term, too complex)."""


def _reject_constant(name: str) -> Any:
    raise InputError(f"JSON constant {name} is not allowed")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers that disagree on which duplicate wins can be shown different claims; refuse.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InputError(f"duplicate JSON key {key!r}")
        result[key] = value
    return result


def parse_json(data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse untrusted JSON with size and depth limits; raises InputError with a readable reason."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise InputError(f"document is {size} bytes; the limit is {max_bytes}")
    try:
        value = json.loads(data, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
    except InputError:
        raise
    except RecursionError:
        raise InputError(f"document nests deeper than {max_depth} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"malformed JSON: {exc}") from None
    check_depth(value, max_depth)
    return value


def check_depth(value: Any, max_depth: int = MAX_DEPTH, max_values: int = MAX_JSON_VALUES) -> None:
    """Iterative depth and size check (no recursion, so a deep document cannot exhaust the stack)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    seen = 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if depth > max_depth:
            raise InputError(f"document nests deeper than {max_depth} levels")
        if seen > max_values:
            raise InputError(f"document has more than {max_values} JSON values")
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)


class _BudgetedURDNA2015(URDNA2015):
    """pyld's RDFC-1.0 (URDNA2015) with a hard budget on N-degree hash calls."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self._budget = budget

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._budget -= 1
        if self._budget < 0:
            raise CanonicalizationError("canonicalisation exceeded its work budget (too many indistinguishable blank nodes)")
        return super().hash_n_degree_quads(id_, issuer)


def _check_types(expanded: Any) -> None:
    """Safe mode for types: every @type must have expanded to an absolute IRI."""
    stack = [expanded]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@type" and "@value" not in node:
                    for type_iri in value if isinstance(value, list) else [value]:
                        if not isinstance(type_iri, str) or ":" not in type_iri:
                            raise CanonicalizationError(f"type {type_iri!r} is not defined by the document's contexts")
                elif key == "@id" and isinstance(value, str) and ":" not in value:
                    # A relative IRI is dropped from the RDF, i.e. left unsigned.
                    raise CanonicalizationError(f"identifier {value!r} is not an absolute IRI")
                elif key != "@value" and isinstance(value, (list, dict)):
                    stack.append(value)


class _Processor(jsonld.JsonLdProcessor):
    """pyld's processor with one caching fix for type-scoped contexts.

    For a non-propagating (type-scoped) context pyld first clones the active context and gives
    the clone a fresh random `_uuid`; processed contexts are cached by that uuid, so every typed
    node of every credential re-processes the scoped context from scratch (most of the signing
    time). The clone is a pure function of the (immutable, frozen) active context, so we create
    it once per active context and reuse it: pyld's own cache then hits. The result is the same
    context pyld would have built; the W3C, 1EdTech and Node cross-checks pin this.
    """

    _clones: dict[str, dict[str, Any]] = {}

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False, propagate=True, validate_scoped=True, cycles=None):
        frozen = isinstance(active_ctx, frozendict)  # only immutable contexts may be memoised
        uuid_ = active_ctx.get("_uuid") if frozen and not propagate and not active_ctx.get("previousContext") else None
        if uuid_ is not None:
            clone = self._clones.get(uuid_)
            if clone is None:
                if len(self._clones) > 4096:  # bounded: contexts are few, but never grow without limit
                    self._clones.clear()
                clone = self._clone_active_context(active_ctx)
                clone["previousContext"] = active_ctx
                clone["_uuid"] = f"{uuid_}/scoped"
                self._clones[uuid_] = clone
            active_ctx = clone
        return super()._process_context(active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles)


@functools.cache
def _bundled_context_objects() -> dict[int, str]:
    """id -> JCS key of every inline context object inside the bundled documents.

    The bundled documents are parsed once and kept for the life of the process (contexts.py
    caches them), so these objects, and therefore their ids, never change.
    """
    keys: dict[int, str] = {}
    stack: list[Any] = [context_document(url) for url in CONTEXTS]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            inner = node.get("@context")
            if isinstance(inner, dict):
                keys[id(inner)] = c14n_canonicalize(dict(inner)).decode("utf-8")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return keys


class _Resolver(ContextResolver):
    """pyld's context resolver, remembering the cache key of the bundled inline contexts.

    pyld keys every inline (scoped) context by its JCS serialisation, recomputed on each use; for
    the scoped contexts of the bundled documents the key is computed once.
    """

    def resolve(self, active_ctx, context, base, cycles=None):
        key = _bundled_context_objects().get(id(context)) if isinstance(context, dict) else None
        if key is not None:
            resolved = self._get(key)
            if resolved:
                return [resolved]
        return super().resolve(active_ctx, context, base, cycles)


def _dropped(prop: str | None) -> None:
    raise CanonicalizationError(f"property {prop!r} is not defined by the document's contexts, so it would not be signed")


def to_dataset(document: dict[str, Any]) -> dict[str, Any]:
    """Expand in safe mode and convert to an RDF dataset using only bundled contexts."""
    processor = _Processor(on_property_dropped=_dropped)
    # base None keeps relative IRIs relative (pyld would otherwise resolve them against
    # http://example.org/base/), so the safe-mode walk below can refuse them.
    options = {"documentLoader": document_loader, "base": None, "contextResolver": _Resolver(_resolved_context_cache, document_loader)}
    try:
        expanded = processor.expand(document, options)
        _check_types(expanded)
        return _expanded_to_dataset(processor, expanded)
    except CanonicalizationError:
        raise
    except jsonld.JsonLdError as exc:
        raise CanonicalizationError(_explain(exc)) from None
    except UnknownContextError as exc:  # pragma: no cover - pyld wraps loader errors
        raise CanonicalizationError(str(exc)) from None
    except RecursionError:
        raise CanonicalizationError("document is too deeply nested to canonicalise") from None
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        # pyld fails with a bare Python error on some contexts it should process or refuse, e.g.
        # {"@vocab": null} after the VC 2.0 context (it deletes a @vocab entry it never stored). Whatever
        # the input, it is refused as not canonicalisable, never a crash of the caller.
        raise CanonicalizationError(f"JSON-LD processing failed: {type(exc).__name__} {exc}") from None


def _expanded_to_dataset(processor: jsonld.JsonLdProcessor, expanded: Any) -> dict[str, Any]:
    """JSON-LD -> RDF from already-expanded input (pyld's to_rdf would expand a second time).

    Mirrors JsonLdProcessor.to_rdf (pyld 3.3) after its expansion step; the W3C and 1EdTech
    vectors in the tests pin the result.
    """
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    options = {"produceGeneralizedRdf": False, "rdfDirection": None, "processingMode": "json-ld-1.1"}
    dataset = {}
    for graph_name, graph in sorted(node_map.items()):
        if graph_name == "@default" or _is_absolute_iri(graph_name):
            dataset[graph_name] = processor._graph_to_rdf(graph, issuer, options)
    return dataset


def _explain(exc: BaseException) -> str:
    """Find the most useful message in pyld's chain of wrapped errors."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (UnknownContextError, CanonicalizationError)):
            return str(seen)
        seen = seen.__cause__ or getattr(seen, "cause", None)
    message = getattr(exc, "message", None) or str(exc).splitlines()[0]
    return f"JSON-LD processing failed: {message}"


def canonicalize(document: dict[str, Any], *, max_blank_nodes: int = MAX_BLANK_NODES) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    dataset = to_dataset(document)
    blank = set()
    for triples in dataset.values():
        for triple in triples:
            for part in ("subject", "object"):
                if triple[part]["type"] == "blank node":
                    blank.add(triple[part]["value"])
    if len(blank) > max_blank_nodes:
        raise CanonicalizationError(f"document has {len(blank)} blank nodes; the limit is {max_blank_nodes}")
    try:
        return _BudgetedURDNA2015(MAX_NDEGREE_CALLS).main(dataset, {"format": "application/n-quads"})
    except RecursionError:
        raise CanonicalizationError("canonicalisation recursed too deeply") from None


# --- RFC 8785 JSON Canonicalization Scheme -------------------------------------------------------


def _es_number(value: float | int) -> str:
    """ECMAScript Number.prototype.toString, which RFC 8785 mandates for numbers."""
    if isinstance(value, bool):  # pragma: no cover - handled by caller
        raise TypeError
    if isinstance(value, int):
        if abs(value) < 2**53:
            return str(value)
        value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise InputError("NaN and Infinity cannot be canonicalised")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _s, digits_t, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digits_t)).rstrip("0") or "0"
    trailing = len("".join(map(str, digits_t))) - len(digits)
    k = len(digits)
    n = int(exponent) + trailing + k
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def jcs(value: Any) -> str:
    """Serialise a JSON value canonically (RFC 8785)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return _es_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(key, ensure_ascii=False) + ":" + jcs(value[key]) for key in keys) + "}"
    raise InputError(f"value of type {type(value).__name__} is not JSON")
