"""End to end against a live server, with a wallet that shares no code with Ortaq: the Digital Bazaar stack and
Node's fetch (tests/engines/credentials/interop/wallet.mjs). The graduate opens "Add to a wallet" on their
credential's page; the wallet reads the QR code's link, makes its own did:key, runs the VC-API exchange (DID
authentication signed by vc.signPresentation) or the OID4VCI pre-authorised code flow (jwt key proof signed by
the did:key's Ed25519Multikey signer), receives the credential, and verifies it with vc.verifyCredential (proof
set, did:web issuer read from the server, status read by @digitalbazaar/vc-bitstring-status-list). The
credential names the wallet's DID as its subject, and the used offer is refused a second time. The same wallet also
takes a credential from an exchange the graduate's own app created on the VC-API claim-credential workflow."""

import datetime as dt
import html
import json
import re
import shutil
import subprocess

import pytest

from ortaq.credentials.issuance import diploma_issue
from ortaq.credentials.models import IssuedCredential
from tests.engines.credentials.test_credentials_interop import HERE, node_stack, write_loader

pytestmark = pytest.mark.interop


@pytest.fixture
def live_diploma(live_server, settings, transactional_db, joint_programme):
    # Issued after SITE_ROOT names the live server, so its did:web and status lists resolve there.
    settings.SITE_ROOT = live_server.url
    programme, _joint, registrar, graduates = joint_programme
    return diploma_issue(actor=registrar, programme=programme, holder=graduates[0], graduation_date=dt.date(2026, 6, 30))


def _links(client, credential) -> tuple[str, str]:
    client.force_login(credential.holder)
    page = client.get(f"/en/wallet/{credential.public_id}/").content.decode()
    add = re.search(r'id="add-to-wallet" href="([^"]+)"', page).group(1)
    made = client.post(add)
    page = client.get(made["Location"]).content.decode()
    lcw = html.unescape(re.search(r'id="lcw-link" href="([^"]+)"', page).group(1))
    offer = html.unescape(re.search(r'id="oid4vci-link" href="([^"]+)"', page).group(1))
    return lcw, offer


def _wallet(tmp_path, live_server, protocol, link, *extra) -> dict:
    node_dir = node_stack()
    shutil.copy(HERE / "wallet.mjs", node_dir / "wallet.mjs")
    loader = write_loader(tmp_path / "loader.json")
    result = subprocess.run(["node", str(node_dir / "wallet.mjs"), protocol, str(loader), live_server.url, link, *extra],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _assert_received(outcome: dict, original: IssuedCredential) -> None:
    assert outcome["verified"], outcome["error"]
    assert outcome["credential"]["credentialSubject"]["id"] == outcome["did"]
    assert outcome["did"].startswith("did:key:z6Mk")
    assert outcome["status"] == [False, False]  # neither revoked nor suspended, read from the issuer's lists
    assert outcome["credential"]["credentialSubject"]["achievement"] == original.document["credentialSubject"]["achievement"]
    assert IssuedCredential.objects.get(wallet_claim__holder_did=outcome["did"]).document == outcome["credential"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_a_vc_api_wallet_takes_the_credential_bound_to_its_did(client, live_server, live_diploma, tmp_path, suite):
    lcw, _offer = _links(client, live_diploma)
    outcome = _wallet(tmp_path, live_server, "vc-api", lcw, suite)
    _assert_received(outcome, live_diploma)
    assert outcome["replay"] == 409


def test_an_oid4vci_wallet_takes_the_credential_bound_to_its_did(client, live_server, live_diploma, tmp_path):
    _lcw, offer = _links(client, live_diploma)
    outcome = _wallet(tmp_path, live_server, "oid4vci", offer)
    _assert_received(outcome, live_diploma)
    assert outcome["replay"] == 401


def test_a_vc_api_wallet_takes_the_credential_from_a_workflow_exchange_the_graduates_app_created(client, live_server, live_diploma, tmp_path):
    from urllib.parse import quote

    from ortaq.accounts.services import api_token_create

    _t, secret = api_token_create(actor=live_diploma.holder, name="graduate's app")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    created = client.post("/api/v1/workflows/claim-credential/exchanges", json.dumps({"variables": {"credential": str(live_diploma.public_id)}}),
                          content_type="application/json", **auth)
    assert created.status_code == 204, created.content
    location = created["Location"]
    assert location.startswith(f"{live_server.url}/api/v1/workflows/claim-credential/exchanges/")
    # The app hands the wallet the same kind of request the page's QR code carries, naming the workflow's address.
    request = {"credentialRequestOrigin": live_server.url, "protocols": {"vcapi": location}}
    outcome = _wallet(tmp_path, live_server, "vc-api", "https://lcw.app/request.html?request=" + quote(json.dumps(request), safe=""), "eddsa-rdfc-2022")
    _assert_received(outcome, live_diploma)
    assert outcome["replay"] == 409
    assert client.get(location[len(live_server.url):], **auth).json()["state"] == "complete"
