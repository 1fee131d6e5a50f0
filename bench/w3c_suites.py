"""Point the official W3C test suites at this platform's VC-API (issue 19): a did:key issuer and an API token
for a registrar, and the suites' `localConfig.cjs` that names our endpoints.

    ORTAQ_DATA_DIR=/tmp/h/w3c uv run python bench/w3c_suites.py --base-url http://127.0.0.1:8765/api/v1/vc \\
        --eddsa /tmp/w3c/eddsa --vcdm2 /tmp/w3c/vcdm2 [--status /tmp/w3c/status] [--vc-api DIR ...] [--user registrar] \
        [--tls-port 8766]

With --tls-port, the config names https://127.0.0.1:<port>/… and the script stays running as a TLS proxy to
--base-url (self-signed certificate made with openssl). The VC Data Model 2.0 suite needs it: for an http://
endpoint it posts with Node's bare http module and drops the endpoint's headers (tests/TestEndpoints.js),
so the issuer's Authorization would be lost; its https:// path goes through vc-test-suite-implementations,
which sends them (and accepts a self-signed certificate). The Bitstring Status List suite fetches status lists over
https only, so run the server with SITE_ROOT=https://127.0.0.1:<tls port> when it is among the suites.

Run it against the data folder (or DATABASE_URL) of the running `ortaq serve`. The registrar's institution
gets a did:key issuer if it has no active one (credentials.keys.did_key_create, audited); a new API token is
made for the registrar (accounts.services.api_token_create, audited). The suites themselves are not part of
this repository: docs/credentials.md says how to fetch, install and run them.

The suites read `localConfig.cjs` from their root (vc-test-suite-implementations, implementations/index.js):
an implementation with issuers and verifiers, each filtered by tags. `options` of an issuer entry is sent as
the VC-API request's `options` (IssueCredentialOptions), which is how one endpoint serves both cryptosuites.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def issuer_and_token(username: str) -> tuple[str, str]:
    """(the active did:key of the user's registrar institution, a new API token of the user)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ortaq.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from ortaq.accounts.selectors import access_for
    from ortaq.accounts.services import api_token_create
    from ortaq.accounts.types import Role
    from ortaq.credentials.keys import did_key_active, did_key_create, issuer_ensure
    from ortaq.institutions.selectors import institution_get

    user = get_user_model().objects.get(username=username, is_active=True)
    mine = access_for(user).institutions_with({Role.REGISTRAR})
    if not mine:
        raise SystemExit(f"{username} is a registrar of no institution")
    # The VC-API issues for the registrar's first institution when the credential names no issuer; the suites
    # name the did:key, which must be this institution's.
    institution = institution_get(actor=user, pk=min(mine))
    record = did_key_active(issuer_ensure(actor=user, institution=institution)) or did_key_create(actor=user, institution=institution)
    _token, secret = api_token_create(actor=user, name="W3C test suites")
    return record.did, secret


def eddsa_config(base_url: str, did: str, token: str) -> dict:
    """vc-di-eddsa-test-suite: one issuer entry per cryptosuite (same endpoint, the cryptosuite in options)."""
    headers = {"Authorization": f"Bearer {token}"}
    issuers = [{"id": did, "endpoint": f"{base_url}/credentials/issue", "headers": headers,
                "options": {"cryptosuite": suite}, "supports": {"vc": ["1.1", "2.0"]}, "tags": [suite, "localhost"]}
               for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022")]
    verifiers = [{"id": did, "endpoint": f"{base_url}/credentials/verify", "supports": {"vc": ["1.1", "2.0"]},
                  "tags": ["eddsa-rdfc-2022", "eddsa-jcs-2022", "localhost"]}]
    return {"settings": {"enableInteropTests": False, "testAllImplementations": False},
            "implementations": [{"name": "Ortaq", "implementation": "Ortaq VC-API", "issuers": issuers, "verifiers": verifiers}]}


def vcdm2_config(base_url: str, did: str, token: str) -> dict:
    """vc-data-model-2.0-test-suite: issuer, verifier and presentation verifier tagged vc2.0. The presentation
    verifier is the VC-API verify-presentation endpoint in its verifier-application mode: the suite signs
    presentations for its own random challenge, which the token lets the platform verify without a request of
    its own (docs/credentials.md)."""
    headers = {"Authorization": f"Bearer {token}"}
    return {"settings": {"enableInteropTests": False, "testAllImplementations": False},
            "implementations": [{"name": "Ortaq", "implementation": "Ortaq VC-API",
                                 "issuers": [{"id": did, "endpoint": f"{base_url}/credentials/issue", "headers": headers,
                                              "options": {"cryptosuite": "eddsa-rdfc-2022"}, "tags": ["vc2.0"]}],
                                 "verifiers": [{"id": did, "endpoint": f"{base_url}/credentials/verify", "tags": ["vc2.0"]}],
                                 "vpVerifiers": [{"id": did, "endpoint": f"{base_url}/presentations/verify", "headers": headers,
                                                  "tags": ["vc2.0"]}]}]}


def vc_api_config(base_url: str, did: str, token: str) -> dict:
    """w3c-ccg/vc-api-issuer-test-suite and vc-api-verifier-test-suite: the same endpoints tagged vc-api."""
    config = vcdm2_config(base_url, did, token)
    for kind in ("issuers", "verifiers", "vpVerifiers"):
        for entry in config["implementations"][0][kind]:
            entry["tags"] = ["vc-api"]
    return config


def status_config(base_url: str, did: str, token: str) -> dict:
    """vc-bitstring-status-list-test-suite: issuer and verifier tagged BitstringStatusList (the platform gives every
    credential a revocation and a suspension entry, so both purposes are tagged)."""
    headers = {"Authorization": f"Bearer {token}"}
    tags = ["BitstringStatusList", "Revocation", "Suspension"]
    return {"settings": {"enableInteropTests": False, "testAllImplementations": False},
            "implementations": [{"name": "Ortaq", "implementation": "Ortaq VC-API",
                                 "issuers": [{"id": did, "endpoint": f"{base_url}/credentials/issue", "headers": headers,
                                              "options": {"cryptosuite": "eddsa-rdfc-2022"}, "tags": tags}],
                                 "verifiers": [{"id": did, "endpoint": f"{base_url}/credentials/verify", "tags": tags}],
                                 "vpVerifiers": [{"id": did, "endpoint": f"{base_url}/presentations/verify", "headers": headers,
                                                  "tags": tags}]}]}


def write(suite_dir: Path, config: dict) -> Path:
    path = suite_dir / "localConfig.cjs"
    path.write_text("// Written by Ortaq's bench/w3c_suites.py: the platform's VC-API as the only implementation.\n"
                    f"module.exports = {json.dumps(config, indent=2)};\n", encoding="utf-8")
    return path


def tls_proxy(port: int, target: str) -> None:
    """Serve https://127.0.0.1:<port>/<path> by forwarding each request to <target>/<path> (blocking)."""
    folder = Path(tempfile.mkdtemp(prefix="ortaq-w3c-tls-"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")], check=True, capture_output=True)

    class Forward(http.server.BaseHTTPRequestHandler):
        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "content-length", "connection"}}
            request = urllib.request.Request(target + self.path, data=body, headers=headers, method=self.command)
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    status, reply, kind = answer.status, answer.read(), answer.headers.get("Content-Type", "")
            except urllib.error.HTTPError as error:
                status, reply, kind = error.code, error.read(), error.headers.get("Content-Type", "")
            self.send_response(status)
            self.send_header("Content-Type", kind or "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = _forward

        def log_message(self, format: str, *args: object) -> None:  # quiet: the suites make hundreds of calls
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Forward)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"TLS proxy https://127.0.0.1:{port} -> {target}", flush=True)
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8765/api/v1/vc")
    parser.add_argument("--user", default="registrar", help="a registrar (the demo's `registrar` by default)")
    parser.add_argument("--eddsa", type=Path, help="work tree of w3c/vc-di-eddsa-test-suite")
    parser.add_argument("--vcdm2", type=Path, help="work tree of w3c/vc-data-model-2.0-test-suite")
    parser.add_argument("--vc-api", type=Path, nargs="*", default=[],
                        help="work trees of w3c-ccg/vc-api-issuer-test-suite and vc-api-verifier-test-suite")
    parser.add_argument("--status", type=Path, help="work tree of w3c/vc-bitstring-status-list-test-suite")
    parser.add_argument("--tls-port", type=int, help="serve the VC-API over https on this port (see above) and stay running")
    args = parser.parse_args(argv)
    did, token = issuer_and_token(args.user)
    target = args.base_url.rstrip("/")
    split = urllib.parse.urlsplit(target)
    base = f"https://127.0.0.1:{args.tls_port}{split.path}" if args.tls_port else target
    if args.eddsa:
        print("wrote", write(args.eddsa, eddsa_config(base, did, token)))
    if args.vcdm2:
        print("wrote", write(args.vcdm2, vcdm2_config(base, did, token)))
    if args.status:
        print("wrote", write(args.status, status_config(base, did, token)))
    for suite in args.vc_api:
        print("wrote", write(suite, vc_api_config(base, did, token)))
    print("issuer", did, flush=True)
    if args.tls_port:
        tls_proxy(args.tls_port, f"{split.scheme}://{split.netloc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
