"""An employer asks for a presentation (fresh challenge, this platform's domain, a link and a QR code); the
holder's wallet answers with a Verifiable Presentation signed by the holder's did:key. The presentations here are
built and signed by the Digital Bazaar stack in Node (vc.signPresentation, eddsa-rdfc-2022), not by Ortaq."""

import copy
import datetime as dt
import json
import subprocess

import pytest
from django.utils import timezone

import ortaq.engines.credentials as creds
from ortaq.accounts.services import api_token_create
from ortaq.credentials.models import PresentationRequest
from ortaq.credentials.presentations import presentation_request_create
from tests.engines.credentials.test_credentials_interop import node_stack, write_loader

pytestmark = pytest.mark.interop

ISSUE = "/api/v1/vc/credentials/issue"
PRESENT = "/api/v1/vc/presentations/verify"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture
def holder():
    return creds.generate_key()  # the holder's wallet key: its own did:key


def _issued(client, world, subject: str) -> dict:
    _t, secret = api_token_create(actor=world["registrar_a"], name="vc")
    credential = {"@context": [VC_V2], "type": ["VerifiableCredential"], "name": "Welding module",
                  "credentialSubject": {"id": subject}}
    response = client.post(ISSUE, json.dumps({"credential": credential}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 201, response.content
    return response.json()["verifiableCredential"]


def _node_present(holder, credentials, challenge, domain, tmp_path) -> dict:
    node_dir = node_stack()
    loader = write_loader(tmp_path / "loader.json")
    (tmp_path / "holder.json").write_text(json.dumps(holder.to_json()), encoding="utf-8")
    (tmp_path / "credentials.json").write_text(json.dumps(credentials, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "presentation.json"
    result = subprocess.run(["node", str(node_dir / "interop.mjs"), "present", str(loader), str(tmp_path / "holder.json"),
                             str(tmp_path / "credentials.json"), challenge, domain, str(out)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _answer(client, presentation, challenge, **options):
    return client.post(PRESENT, json.dumps({"verifiablePresentation": presentation, "options": {"challenge": challenge, **options}}),
                       content_type="application/json")


def test_an_employer_requests_a_presentation_and_sees_the_holders_verified_credential_once(client, world, holder, tmp_path):
    made = client.post("/en/verify/presentations/")
    assert made.status_code == 302
    page_url = made["Location"]
    request = PresentationRequest.objects.get()
    page = client.get(page_url).content.decode()
    assert "<svg" in page and request.challenge in page and f"/credentials/presentation-requests/{request.challenge}" in page
    wanted = client.get(f"/credentials/presentation-requests/{request.challenge}").json()
    assert wanted["challenge"] == request.challenge and wanted["domain"] == request.domain
    assert wanted["interact"]["service"][0]["serviceEndpoint"].endswith(PRESENT)

    credential = _issued(client, world, holder.controller)
    presentation = _node_present(holder, [credential], wanted["challenge"], wanted["domain"], tmp_path)
    assert presentation["proof"]["proofPurpose"] == "authentication" and presentation["holder"] == holder.controller
    response = _answer(client, presentation, request.challenge, domain=request.domain)
    assert response.status_code == 200, response.json()
    assert response.json()["verified"] is True and response.json()["holder"] == holder.controller
    assert response.json()["credentialResults"] == [{"verified": True, "status": "valid", "issuer": credential["issuer"]}]
    page = client.get(page_url).content.decode()
    assert "The presentation verified" in page and f"{world.a.display_name}, a registered institution of this network" in page

    replay = _answer(client, presentation, request.challenge)
    assert replay.status_code == 409  # answered once: the same presentation is not accepted again
    assert client.get(f"/credentials/presentation-requests/{request.challenge}").status_code == 404


def test_a_presentation_for_another_challenge_or_domain_or_an_expired_request_is_refused(client, world, holder, tmp_path):
    request = presentation_request_create()
    credential = _issued(client, world, holder.controller)
    for_another = _node_present(holder, [credential], "another-challenge", request.domain, tmp_path)
    refused = _answer(client, for_another, request.challenge)
    assert refused.status_code == 422 and any("challenge" in e for e in refused.json()["errors"])
    elsewhere = _node_present(holder, [credential], request.challenge, "evil.example", tmp_path)
    refused = _answer(client, elsewhere, request.challenge)
    assert refused.status_code == 422 and any("domain" in e for e in refused.json()["errors"])
    assert _answer(client, elsewhere, request.challenge, domain="evil.example").status_code == 400
    assert _answer(client, elsewhere, "no-such-challenge").status_code == 404
    PresentationRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    good = _node_present(holder, [credential], request.challenge, request.domain, tmp_path)
    assert _answer(client, good, request.challenge).status_code == 410
    assert PresentationRequest.objects.get(pk=request.pk).answered_at is None


def test_a_credential_of_someone_else_or_a_changed_credential_fails_the_presentation(client, world, holder, tmp_path):
    request = presentation_request_create()
    theirs = _issued(client, world, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    presentation = _node_present(holder, [theirs], request.challenge, request.domain, tmp_path)
    refused = _answer(client, presentation, request.challenge)
    assert refused.status_code == 422 and "holder" in refused.json()["checks"]
    assert any("another subject than the holder" in e for e in refused.json()["errors"])

    mine = _issued(client, world, holder.controller)
    changed = copy.deepcopy(mine)
    changed["name"] = "Master welder"  # the holder edits the credential, then signs the presentation over it
    presentation = _node_present(holder, [changed], request.challenge, request.domain, tmp_path)
    refused = _answer(client, presentation, request.challenge)
    assert refused.status_code == 422 and refused.json()["credentialResults"][0]["verified"] is False
    # Failed answers go back to the wallet only: the request stays open and its page unchanged.
    made = PresentationRequest.objects.get(pk=request.pk)
    assert made.answered_at is None and made.result is None
    assert 'id="presentation-link"' in client.get(f"/en/verify/presentations/{made.secret}/").content.decode()


def test_hostile_bodies_to_the_presentation_endpoint_are_answered_with_4xx(client, world):
    request = presentation_request_create()
    deep = "[" * 5000 + "]" * 5000
    response = client.post(PRESENT, '{"verifiablePresentation": ' + deep + ', "options": {"challenge": "' + request.challenge + '"}}',
                           content_type="application/json")
    assert 400 <= response.status_code < 500
    huge = json.dumps({"verifiablePresentation": {"type": ["VerifiablePresentation"], "x": "a" * 3_000_000}, "options": {"challenge": request.challenge}})
    assert 400 <= client.post(PRESENT, huge, content_type="application/json").status_code < 500
    assert client.post(PRESENT, "not json", content_type="application/json").status_code == 400
    assert client.post(PRESENT, json.dumps({"verifiablePresentation": {}, "options": {"challenge": 7}}), content_type="application/json").status_code == 400
    unsigned = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": "did:example:x"}
    assert _answer(client, unsigned, request.challenge).status_code == 422
    assert client.get("/en/verify/presentations/not-a-secret/").status_code == 404
