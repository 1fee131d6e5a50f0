"""The VC Data Model 2.0 rules that JSON-LD safe mode does not enforce are checked before anything is signed,
and a context pyld cannot process is refused, not a crash (found by the W3C VC Data Model 2.0 test suite)."""

import pytest

import ortaq.engines.credentials as creds

V2 = "https://www.w3.org/ns/credentials/v2"
# A real digest is not needed: the platform checks the shape of relatedResource, a verifier the digest.
SRI = "sha384-" + "A" * 64


def _credential(**extra) -> dict:
    return {"@context": [V2], "type": ["VerifiableCredential"], "issuer": "did:example:college",
            "credentialSubject": {"id": "did:example:learner", "name": "Dana"}, **extra}


def test_a_well_formed_credential_breaks_no_rule():
    assert creds.data_model_errors(_credential(credentialSchema={"id": "https://schemas.example/diploma.json", "type": "JsonSchema"},
                                               credentialStatus={"type": "CredentialStatusList2017"},
                                               relatedResource=[{"id": "https://files.example/a.pdf", "digestSRI": SRI}])) == []


@pytest.mark.parametrize("extra", [
    {"credentialStatus": {"id": "https://status.example/1"}},
    {"credentialSchema": {"id": "https://schemas.example/diploma.json"}},
    {"refreshService": {"id": "https://refresh.example/1"}},
    {"termsOfUse": [{"type": "IssuerPolicy"}, {"id": "https://terms.example/1"}]},
    {"evidence": {"id": "https://evidence.example/1"}},
])
def test_status_schema_refresh_terms_and_evidence_objects_must_name_a_type(extra):
    errors = creds.data_model_errors(_credential(**extra))
    assert errors == [f"each {next(iter(extra))} must have a type"]


@pytest.mark.parametrize("extra, error", [
    ({"id": "https ://not-a-url/1"}, "the credential's id must be a single URL"),
    ({"id": ["urn:uuid:1", "urn:uuid:2"]}, "the credential's id must be a single URL"),
    ({"credentialStatus": {"id": ["https://a.example", "https://b.example"], "type": "X"}}, "the id of a credentialStatus must be a single URL"),
    ({"credentialSchema": {"id": "https ://schemas.example", "type": "JsonSchema"}}, "the id of a credentialSchema must be a single URL"),
    ({"credentialSchema": {"type": "JsonSchema"}}, "each credentialSchema must have an id that is a URL"),
])
def test_identifiers_are_single_urls(extra, error):
    assert creds.data_model_errors(_credential(**extra)) == [error]


def test_a_credential_is_a_verifiable_credential_about_subjects_with_claims():
    assert creds.data_model_errors({**_credential(), "type": ["RelationshipCredential"]}) == ["the credential's type must include VerifiableCredential"]
    assert creds.data_model_errors(_credential(credentialSubject=[{"id": "did:example:a"}, {}])) == [
        "each credentialSubject must state at least one claim (an empty object states none)"]
    # an id alone is a claim about who the subject is
    assert creds.data_model_errors(_credential(credentialSubject={"id": "did:example:a"})) == []
    assert creds.data_model_errors(_credential(credentialSubject=[{"id": "did:example:a"}, {"id": "did:example:b"}])) == []


# Found by the W3C-CCG VC-API issuer suite (its "credentialSubject MUST be an object" test): these were signed before.
@pytest.mark.parametrize("subject", [True, 4, "did:example:1234", [4], [{"id": "did:example:a"}, "did:example:b"], [None]])
def test_a_credential_subject_that_is_not_an_object_is_refused(subject):
    assert creds.data_model_errors(_credential(credentialSubject=subject)) == [
        "each credentialSubject must be an object (not a string, a number or true/false)"]


@pytest.mark.parametrize("subject", [None, []])
def test_a_credential_without_a_subject_is_refused(subject):
    credential = _credential(credentialSubject=subject)
    assert creds.data_model_errors(credential) == ["a credential needs a credentialSubject"]
    del credential["credentialSubject"]
    assert creds.data_model_errors(credential) == ["a credential needs a credentialSubject"]


@pytest.mark.parametrize("related, error", [
    (["https://files.example/a.pdf"], "each relatedResource must be an object (not a string or a number)"),
    ([{"digestSRI": SRI}], "each relatedResource must have an id that is a URL"),
    ([{"id": "https://files.example/a.pdf", "digestSRI": SRI}, {"id": "https://files.example/a.pdf", "digestMultibase": "uAAAA"}],
     "the ids of the relatedResource objects must be unique"),
    ([{"id": "https://files.example/a.pdf", "mediaType": "application/pdf"}], "each relatedResource must have a digestSRI or a digestMultibase"),
])
def test_related_resources_are_identified_once_and_carry_a_digest(related, error):
    assert creds.data_model_errors(_credential(relatedResource=related)) == [error]


def test_a_context_that_makes_pyld_fail_is_refused_not_a_crash(college_key):
    # {"@vocab": null} after the VC 2.0 context: pyld raises a bare KeyError while processing it.
    document = {**_credential(), "@context": [V2, {"@vocab": None}], "issuer": college_key.controller}
    with pytest.raises(creds.CanonicalizationError, match="JSON-LD processing failed"):
        creds.canonicalize(document)
    with pytest.raises(creds.SigningError):
        creds.sign(document, college_key)
