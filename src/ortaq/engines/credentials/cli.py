"""`ortaq credentials keygen|sign|verify` (no Django; dispatched from ortaq.cli).

Exit codes: 0 success/verified, 1 not verified or refused, 2 usage or unreadable input. Errors are
one readable line on stderr; no traceback is ever printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from .canon import InputError, parse_json
from .did import DidResolver
from .keys import KeyError_, Multikey, generate_key
from .proofs import ISSUABLE_SUITES, RDFC
from .signing import SigningError, sign
from .status import StatusListCache
from .verify import verify


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse would exit with its own text; keep ours
        self.print_usage(sys.stderr)
        raise _Usage(message)


class _Usage(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ortaq credentials", description="Verifiable credentials (VC 2.0, Open Badges 3.0, CLR 2.0).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    keygen = sub.add_parser("keygen", help="write a new Ed25519 Multikey (with its secret) as JSON")
    keygen.add_argument("-o", "--output", required=True, help="key file to write (mode 600)")
    keygen.add_argument("--controller", help="controller DID (e.g. did:web:college.kz); default: the key's own did:key")
    sign_p = sub.add_parser("sign", help="validate and sign a credential (eddsa-rdfc-2022 by default)")
    sign_p.add_argument("input", help="unsigned credential JSON")
    sign_p.add_argument("--key", required=True, help="Multikey JSON written by keygen")
    sign_p.add_argument("-o", "--output", required=True, help="signed credential to write")
    sign_p.add_argument("--cryptosuite", default=RDFC, choices=ISSUABLE_SUITES)
    sign_p.add_argument("--created", help="proof creation time (default: now)")
    verify_p = sub.add_parser("verify", help="verify a credential and print the report (exit 0 only if verified)")
    verify_p.add_argument("input", help="credential JSON")
    verify_p.add_argument("--did-document", action="append", default=[], help="controller/DID document JSON to trust (repeatable)")
    verify_p.add_argument("--did-cache", help="directory of cached DID documents")
    verify_p.add_argument("--allow-https", action="store_true", help="allow resolving did:web over HTTPS")
    verify_p.add_argument("--status-list", action="append", default=[], help="status list credential JSON available offline (repeatable)")
    return parser


def _read_json(path: str) -> Any:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_json(data)


def _keygen(args: argparse.Namespace) -> int:
    key = generate_key(controller=args.controller)
    out = Path(args.output)
    out.write_text(json.dumps(key.to_json(), indent=2) + "\n", encoding="utf-8")
    out.chmod(0o600)
    print(f"wrote {out} ({key.id})")
    return 0


def _sign(args: argparse.Namespace) -> int:
    key = Multikey.load(args.key)
    document = _read_json(args.input)
    if not isinstance(document, dict):
        raise InputError("the credential must be a JSON object")
    signed = sign(document, key, cryptosuite=args.cryptosuite, created=args.created)
    Path(args.output).write_text(json.dumps(signed, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"signed {args.input} -> {args.output} with {key.id}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    resolver = DidResolver(cache_dir=args.did_cache, allow_https=args.allow_https)
    for path in args.did_document:
        resolver.add(_read_json(path))
    cache = StatusListCache()
    for path in args.status_list:
        listed = _read_json(path)
        if isinstance(listed, dict) and isinstance(listed.get("id"), str):
            cache.put(listed["id"], listed)
    try:
        raw = Path(args.input).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {args.input}: {exc.strerror or exc}") from None
    report = verify(raw, did_resolver=resolver, status_resolver=cache if args.status_list else None)
    try:
        print(report.to_json())
    except UnicodeEncodeError:  # a terminal that cannot show Kazakh or Chinese still gets the report
        print(json.dumps(report.to_dict(), ensure_ascii=True, indent=2))
    return 0 if report.verified else 1


def main(argv: list[str]) -> int:
    """Entry point used by `ortaq credentials ...`."""
    try:
        args = _parser().parse_args(argv)
        return {"keygen": _keygen, "sign": _sign, "verify": _verify}[args.command](args)
    except _Usage as exc:
        print(f"ortaq credentials: {exc}", file=sys.stderr)
        return 2
    except SigningError as exc:
        print(f"ortaq credentials: refused: {exc}", file=sys.stderr)
        return 1
    except (InputError, KeyError_, ValueError, OSError) as exc:
        print(f"ortaq credentials: {exc}", file=sys.stderr)
        return 2
    except Exception:  # noqa: BLE001 - never show a traceback to the operator
        print("ortaq credentials: unexpected error while processing the input", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
