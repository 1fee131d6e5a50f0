"""Keys (Multikey, did:key), encodings, and the OB 3.0 / CLR 2.0 document builders."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ortaq.engines.credentials as creds
from ortaq.engines.credentials import canon, multibase, schemas


@given(st.binary(max_size=80))
def test_it_round_trips_base58btc_including_leading_zero_bytes(data: bytes) -> None:
    assert multibase.b58decode(multibase.b58encode(data)) == data
    assert multibase.multibase_decode(multibase.multibase_encode(data, "u")) == data


def test_it_writes_a_multikey_whose_id_and_controller_are_its_did_key(tmp_path) -> None:
    key = creds.generate_key()
    data = key.to_json()
    assert data["type"] == "Multikey"
    assert data["controller"] == "did:key:" + data["publicKeyMultibase"]
    assert data["id"] == f"{data['controller']}#{data['publicKeyMultibase']}"
    assert data["publicKeyMultibase"].startswith("z6Mk") and data["secretKeyMultibase"].startswith("z3u2")
    path = tmp_path / "key.json"
    path.write_text(json.dumps(data))
    loaded = creds.Multikey.load(path)
    assert loaded.public_key == key.public_key and loaded.secret_seed == key.secret_seed


def test_it_refuses_a_key_file_whose_secret_does_not_match_its_public_key() -> None:
    data = creds.generate_key().to_json()
    data["secretKeyMultibase"] = creds.generate_key().to_json()["secretKeyMultibase"]
    with pytest.raises(ValueError, match="does not match"):
        creds.Multikey.from_json(data)


def test_it_resolves_a_did_key_to_a_document_with_one_assertion_method() -> None:
    key = creds.generate_key()
    document = creds.resolve_did_key(key.controller)
    assert document["id"] == key.controller
    assert document["assertionMethod"] == [key.id]
    assert document["verificationMethod"][0]["publicKeyMultibase"] == key.public_key_multibase


def test_it_generates_did_web_documents_for_an_issuer_with_its_keys() -> None:
    did = creds.did_web("college.example.kz:8443", "kz/almaty")
    assert did == "did:web:college.example.kz%3A8443:kz:almaty"
    assert creds.did_web_url(did) == "https://college.example.kz:8443/kz/almaty/did.json"
    key = creds.generate_key(controller=did)
    document = creds.did_web_document("college.example.kz:8443", "kz/almaty", [key])
    assert document["id"] == did and document["assertionMethod"] == [key.id]
    assert "secretKeyMultibase" not in json.dumps(document)
    with pytest.raises(ValueError, match="controlled by"):
        creds.did_web_document("other.example", None, [key])


def test_it_keeps_a_primary_string_and_all_translations_in_a_language_map(diploma: dict) -> None:
    achievement = diploma["credentialSubject"]["achievement"]
    assert achievement["name"] == "Дәнекерлеуші"  # Kazakh first by default
    assert achievement["nameLanguageMap"] == {"kk": "Дәнекерлеуші", "ru": "Сварщик", "zh": "焊工", "en": "Welder"}
    assert diploma["issuer"]["nameLanguageMap"]["zh"] == "阿拉木图理工学院"
    nquads = canon.canonicalize(diploma)
    assert '<https://schema.org/name> "焊工"@zh .' in nquads
    assert '<https://schema.org/name> "Сварщик"@ru .' in nquads


def test_it_aligns_to_eqf_kz_nqf_isced_f_and_professional_standards(diploma: dict) -> None:
    alignments = diploma["credentialSubject"]["achievement"]["alignment"]
    assert [a["targetType"] for a in alignments] == ["ext:EQFLevel", "ext:NQFLevel", "ext:ISCEDF", "ext:ProfessionalStandard"]
    assert alignments[2]["targetCode"] == "0715"
    with pytest.raises(ValueError, match="give its url"):
        creds.alignment("UNKNOWN", "1", "x")


def test_it_builds_open_badges_that_pass_the_shipped_schema_and_explains_failures(diploma: dict) -> None:
    assert creds.validate_schema(diploma) == []
    diploma["credentialSubject"]["achievement"]["achievementType"] = "Trophy"
    diploma["validFrom"] = "30 June 2026"
    errors = creds.validate_schema(diploma)
    assert any(e.startswith("credentialSubject/achievement/achievementType") for e in errors)
    assert any(e.startswith("validFrom") for e in errors)


def test_it_builds_a_clr_transcript_of_signed_badges_that_passes_the_clr_schema(signed_diploma: dict, college_key) -> None:
    clr = creds.build_clr(
        "urn:uuid:0c9a8b7c-6d5e-4f3a-8b2c-1d0e9f8a7b6c",
        issuer=signed_diploma["issuer"],
        subject_id="did:example:student-aigerim",
        credentials=[signed_diploma],
        name={"en": "Transcript", "zh": "成绩单"},
        valid_from="2026-07-01T00:00:00Z",
        associations=[{"type": "Association", "associationType": "isChildOf", "sourceId": "urn:a", "targetId": "urn:b"}],
    )
    assert schemas.schema_for(clr) == schemas.CLR_SCHEMA_ID
    assert creds.validate_schema(clr) == []
    signed = creds.sign(clr, college_key)
    assert creds.verify(signed).verified
    clr["credentialSubject"]["verifiableCredential"] = []
    assert any("verifiableCredential" in e for e in creds.validate_schema(clr))


def test_it_ships_schemas_that_say_they_are_written_from_the_specifications() -> None:
    document = schemas.schema_document(schemas.OB_SCHEMA_ID)
    assert document["$schema"] == "https://json-schema.org/draft/2019-09/schema#"
    assert "not the 1EdTech-published schema file" in document["description"]


def test_it_ships_the_published_clr_schema_byte_for_byte() -> None:
    import hashlib

    data = schemas.schema_bytes(schemas.CLR_SCHEMA_ID)
    assert len(data) == 114345 and not data.endswith(b"\n")
    assert hashlib.sha256(data).hexdigest() == schemas.DIGESTS[schemas.CLR_SCHEMA_ID] == "59d778659204b0bd593e9e2ab1683fb6f688e339885c44019f606ed6feb4caee"
    document = schemas.schema_document(schemas.CLR_SCHEMA_ID)
    assert document["$id"] == schemas.CLR_SCHEMA_ID
    assert document["$schema"] == "https://json-schema.org/draft/2019-09/schema#"


def test_the_published_clr_schema_checks_embedded_badges_against_the_ob_schema(signed_diploma: dict) -> None:
    broken = json.loads(json.dumps(signed_diploma))
    del broken["credentialSubject"]["achievement"]["criteria"]
    clr = creds.build_clr("urn:uuid:0c9a8b7c-6d5e-4f3a-8b2c-1d0e9f8a7b6e", issuer=signed_diploma["issuer"], subject_id="did:example:student-aigerim",
                          credentials=[broken], name="Transcript", valid_from="2026-07-01T00:00:00Z")
    errors = creds.validate_schema(clr)
    assert any(e.startswith("credentialSubject/verifiableCredential/0/") and "criteria" in e for e in errors), errors


def test_it_checks_each_badge_embedded_in_a_clr_transcript(signed_diploma: dict, college_key) -> None:
    forged_badge = json.loads(json.dumps(signed_diploma))
    forged_badge["credentialSubject"]["result"][0]["value"] = "A+"
    clr = creds.build_clr(
        "urn:uuid:0c9a8b7c-6d5e-4f3a-8b2c-1d0e9f8a7b6d",
        issuer=signed_diploma["issuer"],
        subject_id="did:example:student-aigerim",
        credentials=[signed_diploma, forged_badge],
        name="Transcript",
        valid_from="2026-07-01T00:00:00Z",
    )
    # The transcript's own signature is valid, but it bundles a badge altered before bundling.
    report = creds.verify(creds.sign(clr, college_key))
    nested = next(c for c in report.checks if c.name == "nested")
    assert not nested.ok and "embedded credential 2" in nested.reason
    assert not report.verified


class _FakeResponse:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def read(self, limit: int) -> bytes:
        return self.body[:limit]

    def __enter__(self) -> "_FakeResponse":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_it_fetches_did_web_over_https_only_when_allowed_and_caches_the_document(monkeypatch, tmp_path) -> None:
    did = creds.did_web("almaty-poly.edu.kz")
    key = creds.generate_key(controller=did)
    body = json.dumps(creds.did_web_document("almaty-poly.edu.kz", None, [key])).encode()
    requested: list[str] = []

    def fake_urlopen(request, timeout):  # noqa: ANN001 - urllib's signature
        requested.append(request.full_url)
        return _FakeResponse(body)

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    with pytest.raises(creds.DidResolutionError, match="HTTPS resolution is not allowed"):
        creds.DidResolver().resolve(did)
    assert requested == []
    online = creds.DidResolver(cache_dir=tmp_path, allow_https=True)
    assert online.resolve(did)["id"] == did
    assert requested == ["https://almaty-poly.edu.kz/.well-known/did.json"]
    offline = creds.DidResolver(cache_dir=tmp_path)  # later, without network: the cached copy
    assert offline.resolve(did)["assertionMethod"] == [key.id]


def test_it_refuses_a_fetched_did_document_that_describes_another_did(monkeypatch) -> None:
    other = creds.did_web_document("evil.example", None, [creds.generate_key(controller=creds.did_web("evil.example"))])
    monkeypatch.setattr("urllib.request.urlopen", lambda request, timeout: _FakeResponse(json.dumps(other).encode()))
    with pytest.raises(creds.DidResolutionError, match="does not describe did:web:almaty-poly.edu.kz"):
        creds.DidResolver(allow_https=True).resolve("did:web:almaty-poly.edu.kz")


def test_it_ships_the_published_achievement_credential_schema_byte_for_byte() -> None:
    import hashlib

    sid = schemas.ACHIEVEMENT_CREDENTIAL_SCHEMA_ID
    data = schemas.schema_bytes(sid)
    assert len(data) == 112794 and not data.endswith(b"\n")
    assert hashlib.sha256(data).hexdigest() == schemas.DIGESTS[sid] == "c3cbfc94bde1c1ed8500994933fefb2dadc13a591bbe7b6c58e9978921fd34c3"
    assert schemas.schema_document(sid)["$id"] == sid


def _published(document: dict) -> list:
    return list(schemas._validator(schemas.ACHIEVEMENT_CREDENTIAL_SCHEMA_ID).iter_errors(document))


@pytest.mark.parametrize("achievement_type", ["Diploma", "MicroCredential", "Fieldwork", "ext:OrtaqCourse"])
def test_platform_like_badges_pass_the_published_schema_unchanged(achievement_type: str) -> None:
    from .conftest import make_diploma

    document = make_diploma("did:example:almaty-poly")
    document["credentialSubject"]["achievement"]["achievementType"] = achievement_type
    # What the platform adds: the holder's name as an IdentityObject (identityType "name").
    document["credentialSubject"]["identifier"] = [{"type": "IdentityObject", "hashed": False, "identityHash": "Айгерім Серікқызы", "identityType": "name"}]
    assert _published(document) == []  # language maps, alignments (ext: targetType), results: all accepted
    assert creds.validate_schema(document) == []


def test_the_published_schema_is_strict_where_it_says_so() -> None:
    from .conftest import make_diploma

    document = make_diploma("did:example:almaty-poly")
    document["credentialSubject"]["identifier"] = [{"type": "IdentityObject", "hashed": False, "identityHash": "x", "identityType": "name", "nameLanguageMap": {"en": "x"}}]
    assert _published(document)  # IdentityObject has additionalProperties: false
    assert any("identifier" in e for e in creds.validate_schema(document))


def test_two_status_entries_are_the_one_documented_deviation_from_the_published_schema() -> None:
    from .conftest import make_diploma

    entry = {"id": "https://example.org/status/1#5", "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "5", "statusListCredential": "https://example.org/status/1"}
    document = make_diploma("did:example:almaty-poly", status=[entry, {**entry, "id": "https://example.org/status/2#5", "statusPurpose": "suspension", "statusListCredential": "https://example.org/status/2"}])
    assert isinstance(document["credentialStatus"], list)
    assert any(list(e.absolute_path) == ["credentialStatus"] for e in _published(document))  # 1EdTech: 0..1
    assert creds.validate_schema(document) == []  # accepted: each entry passes the published CredentialStatus
    document["credentialStatus"][1] = {"statusPurpose": "suspension"}  # no type: fails the published definition
    assert any(e.startswith("credentialStatus/1") for e in creds.validate_schema(document))
