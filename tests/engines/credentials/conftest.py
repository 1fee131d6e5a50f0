"""Fixtures for the credentials engine: a Kazakh college issuer with a did:key, a sample
multilingual diploma, and the W3C examples context (used only by the W3C test vectors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ortaq.engines.credentials as creds
from ortaq.engines.credentials import contexts

DATA = Path(__file__).parent / "data"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


@pytest.fixture(scope="session", autouse=True)
def _w3c_examples_context() -> None:
    # The W3C vectors use the examples context (an @vocab); it is registered only in tests and is
    # never bundled, because production credentials must define every term.
    if EXAMPLES_V2 not in contexts._EXTRA:
        creds.register_context(EXAMPLES_V2, json.loads((DATA / "w3c" / "credentials-examples-v2.jsonld").read_text()))


@pytest.fixture(scope="session")
def college_key() -> creds.Multikey:
    return creds.generate_key()


def make_diploma(issuer_id: str, *, status: list[dict] | None = None, valid_until: str | None = None) -> dict:
    achievement = creds.build_achievement(
        "https://ortaq.org/achievements/almaty-poly/welding-diploma",
        name={"kk": "Дәнекерлеуші", "ru": "Сварщик", "zh": "焊工", "en": "Welder"},
        description={
            "kk": "Дәнекерлеу ісі бойынша техникалық және кәсіптік білім туралы диплом",
            "ru": "Диплом о техническом и профессиональном образовании по сварочному делу",
            "zh": "焊接技术与职业教育文凭",
            "en": "Diploma of technical and vocational education in welding",
        },
        criteria={"en": "Completed the three-year programme and passed the final qualification exam.", "kk": "Үш жылдық бағдарламаны аяқтап, қорытынды біліктілік емтиханын тапсырды."},
        achievement_type="Diploma",
        alignments=[
            creds.alignment("EQF", "4", {"en": "EQF level 4"}),
            creds.alignment("KZ-NQF", "4", {"kk": "ҰБШ 4-деңгей", "en": "KZ NQF level 4"}),
            creds.alignment("ISCED-F", "0715", {"en": "Mechanics and metal trades"}),
            creds.alignment("PROF-STANDARD", "KZ-PS-7212", {"ru": "Сварщик (профстандарт)"}),
        ],
        result_descriptions=[creds.result_description("urn:uuid:7f1c6a56-6f0c-4b8e-9d52-3d1c2b8f0a01", "Final grade", "LetterGrade", allowed=["A", "B", "C", "D", "F"])],
        credits_available=180,
        in_language="kk",
    )
    issuer = creds.issuer_profile(issuer_id, {"kk": "Алматы политехникалық колледжі", "ru": "Алматинский политехнический колледж", "zh": "阿拉木图理工学院", "en": "Almaty Polytechnic College"})
    return creds.build_open_badge(
        "urn:uuid:2d6a3c1e-8f4b-4c3a-9e2d-5b7a1c0f9e11",
        issuer=issuer,
        subject_id="did:example:student-aigerim",
        achievement=achievement,
        valid_from="2026-06-30T00:00:00Z",
        valid_until=valid_until,
        results=[creds.result("A", result_description="urn:uuid:7f1c6a56-6f0c-4b8e-9d52-3d1c2b8f0a01", status="Completed")],
        credits_earned=180,
        credential_status=status or [],
    )


@pytest.fixture()
def diploma(college_key: creds.Multikey) -> dict:
    return make_diploma(college_key.controller)


@pytest.fixture()
def signed_diploma(diploma: dict, college_key: creds.Multikey) -> dict:
    return creds.sign(diploma, college_key, created="2026-07-01T09:00:00Z")


@pytest.fixture(scope="session")
def make_credential():
    """Factory for diplomas by any issuer: make_credential(issuer_id, status=[...], valid_until=...)."""
    return make_diploma
