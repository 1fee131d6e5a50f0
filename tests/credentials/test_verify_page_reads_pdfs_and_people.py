"""The public verify page: a diploma PDF (which carries its credential) verifies like the JSON; files that hold no
credential are refused with a reason; a tampered credential never shows a status; the credential reads as its
certificate does, in the reader's language, with the JSON behind a disclosure."""

from __future__ import annotations

import json

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from ortaq.credentials.models import IssuedCredential
from ortaq.credentials.pdf import credential_pdf
from ortaq.credentials.verification import people_checks


@pytest.fixture(autouse=True)
def _no_throttle(db):
    caches["throttle"].clear()


@pytest.fixture
def diploma(issued):
    return IssuedCredential.objects.get(holder=issued[4][0])


def _visible(page: str) -> str:
    """The page without the JSON disclosure (the document and the engine's technical report)."""
    return page.split("<details>")[0] + page.split("</details>")[-1]


def test_the_diploma_pdf_uploaded_on_the_verify_page_is_verified(client, diploma):
    pdf = credential_pdf(diploma)
    response = client.post("/en/verify/", {"file": SimpleUploadedFile("diploma.pdf", pdf, content_type="application/pdf")})
    page = response.text
    assert response.status_code == 200 and "✔ Verified" in page and "malformed JSON" not in page
    assert 'id="verify-holder">Дана Серікқызы / Dana Serikkyzy<' in page


@pytest.mark.parametrize("content, message", [
    (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF", "This PDF could not be read"),
    (b"%PDF-1.7\n" + b"\x00" * 200, "This PDF"),
    (b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024), "larger than 5 MB"),
])
def test_a_pdf_without_a_credential_or_a_huge_file_is_refused_with_a_reason(client, db, content, message):
    response = client.post("/en/verify/", {"file": SimpleUploadedFile("x.pdf", content, content_type="application/pdf")})
    assert response.status_code == 400 and message in response.text and 'id="verify-upload-error"' in response.text


def test_a_pdf_of_another_making_without_attachment_is_refused(client, db):
    from weasyprint import HTML

    pdf = HTML(string="<p>A diploma without its credential</p>").write_pdf()
    response = client.post("/en/verify/", {"file": SimpleUploadedFile("scan.pdf", pdf, content_type="application/pdf")})
    assert response.status_code == 400 and "This PDF carries no credential" in response.text


def test_a_file_that_is_neither_json_nor_pdf_is_not_verified_and_says_why(client, db):
    response = client.post("/en/verify/", {"file": SimpleUploadedFile("c.exe", b"MZ\x90\x00\xff\xfe binary", content_type="application/octet-stream")})
    assert response.status_code == 200 and "✗ Not verified" in response.text
    assert "The file is not a credential this page can read" in _visible(response.text)


def test_a_tampered_credential_shows_no_status_only_why_it_is_not_shown(client, diploma):
    document = diploma.document
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    page = client.post("/en/verify/", {"document": json.dumps(document)}).text
    assert "✗ Not verified" in page
    assert '<strong id="verify-status"' not in page and ">valid<" not in page
    assert "Status not shown: the signature does not verify" in page
    assert "✗ <strong>Signature</strong>: The digital signature does not match the content" in page


def test_the_checks_are_sentences_of_the_catalogue_and_the_engines_english_stays_in_the_disclosure(client, diploma):
    page = client.get(f"/en/verify/{diploma.verify_code}").text
    visible = _visible(page)
    for engine_words in ("proof(s) verified", "eddsa-rdfc-2022", "well-formed JSON object within size"):
        assert engine_words not in visible and engine_words in page
    assert "✔ <strong>Signature</strong>: The issuer&#x27;s digital signature matches the content" in visible
    assert "<dt>Type</dt><dd>Diploma</dd>" in visible


def test_every_check_line_is_translated_text_not_the_engines_reason(diploma):
    from ortaq.credentials.verification import verify_document

    result = verify_document(diploma.document)
    reasons = {c["reason"] for c in result["checks"] if c["check"] != "register"}
    with translation.override("ru"):
        lines = people_checks(result)
    assert {line["check"] for line in lines} >= {"input", "schema", "proof", "issuer", "validity", "status", "register"}
    assert not reasons & {line["text"] for line in lines}


@pytest.mark.parametrize("language, achievement", [("zh-hans", "机电一体化"), ("kk", "Мехатроника"), ("en", "Mechatronics")])
def test_the_credential_reads_like_its_certificate_in_the_readers_language(client, diploma, language, achievement):
    page = client.get(f"/{language}/verify/{diploma.verify_code}").text
    assert f'id="verify-achievement">{achievement}' in page
    assert "Joint College" in page and "2026-06-30T" not in _visible(page)
    assert "<details>" in page and "&quot;@context&quot;" in page


def test_the_field_of_education_is_named_in_each_language_of_the_certificate_and_of_the_verify_page(client, diploma):
    import io

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(credential_pdf(diploma, language="kk", second_language="zh-hans"))).pages)
    assert "Электроника және автоматтандыру" in text and "电子与自动化" in text
    page = client.get(f"/zh-hans/verify/{diploma.verify_code}").text
    assert "电子与自动化" in _visible(page) and "EQF" in _visible(page)  # the Chinese text writes （EQF） with full-width brackets
