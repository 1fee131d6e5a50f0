"""Builders for Open Badges 3.0 and CLR 2.0 credentials (VC Data Model 2.0).

Open Badges requires `name` and `description` to be plain strings, so a credential carries one
primary string (the caller's preferred language, else the first of kk, ru, zh, en given) and the
full set of translations in `nameLanguageMap` / `descriptionLanguageMap`, terms from Ortaq's own
context (https://ortaq.org/ns/credentials/v1) that map to schema.org
`name`/`description` with `@container: @language`. A JSON-LD consumer therefore sees language-
tagged `schema:name` values; a plain OB 3.0 consumer sees the primary string and ignores the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .contexts import CLR_V2P0_URL, OB_V3P0_URL, ORTAQ_CONTEXT_URL, VC_V2_URL

OB_CONTEXT = [VC_V2_URL, OB_V3P0_URL, ORTAQ_CONTEXT_URL]
CLR_CONTEXT = [VC_V2_URL, CLR_V2P0_URL, OB_V3P0_URL, ORTAQ_CONTEXT_URL]
LANGUAGE_PREFERENCE = ("kk", "ru", "zh", "en")

# Frameworks Ortaq aligns to. targetUrl must be a URL; where a framework has no per-level page we
# use Ortaq's namespace (served by the platform) so the reference stays resolvable and stable.
FRAMEWORKS: dict[str, dict[str, str]] = {
    "EQF": {
        "targetFramework": "European Qualifications Framework",
        "url": "https://europass.europa.eu/en/description-eight-eqf-levels#level-{code}",
        "targetType": "ext:EQFLevel",
    },
    "KZ-NQF": {
        "targetFramework": "National Qualifications Framework of the Republic of Kazakhstan",
        "url": "https://ortaq.org/ns/frameworks/kz-nqf#level-{code}",
        "targetType": "ext:NQFLevel",
    },
    "ISCED-F": {
        "targetFramework": "ISCED Fields of Education and Training 2013 (ISCED-F 2013)",
        "url": "https://ortaq.org/ns/frameworks/isced-f-2013#{code}",
        "targetType": "ext:ISCEDF",
    },
    "PROF-STANDARD": {
        "targetFramework": "Professional standard",
        "url": "https://ortaq.org/ns/frameworks/professional-standards#{code}",
        "targetType": "ext:ProfessionalStandard",
    },
}


def primary_text(texts: Mapping[str, str] | str, preferred: str | None = None) -> str:
    """The plain string OB 3.0 requires, chosen from the translations."""
    if isinstance(texts, str):
        return texts
    if not texts:
        raise ValueError("at least one language is needed")
    for language in ([preferred] if preferred else []) + list(LANGUAGE_PREFERENCE):
        if language and texts.get(language):
            return texts[language]
    return next(iter(texts.values()))


def _text_fields(field: str, texts: Mapping[str, str] | str | None, preferred: str | None) -> dict[str, Any]:
    if texts is None:
        return {}
    fields: dict[str, Any] = {field: primary_text(texts, preferred)}
    if not isinstance(texts, str) and len(texts) > 0:
        fields[f"{field}LanguageMap"] = dict(texts)
    return fields


def alignment(framework: str, code: str, name: Mapping[str, str] | str, *, url: str | None = None, preferred: str | None = None) -> dict[str, Any]:
    """An OB 3.0 Alignment to EQF, KZ-NQF, ISCED-F, a professional standard or any framework."""
    known = FRAMEWORKS.get(framework)
    if known is None and url is None:
        raise ValueError(f"unknown framework {framework!r}: give its url")
    result: dict[str, Any] = {
        "type": ["Alignment"],
        "targetCode": str(code),
        "targetFramework": known["targetFramework"] if known else framework,
        "targetName": primary_text(name, preferred),
        "targetUrl": url or known["url"].format(code=code),  # type: ignore[index]
    }
    if known:
        result["targetType"] = known["targetType"]
    return result


def result_description(rd_id: str, name: str, result_type: str = "LetterGrade", *, allowed: Iterable[str] | None = None) -> dict[str, Any]:
    rd: dict[str, Any] = {"id": rd_id, "type": ["ResultDescription"], "name": name, "resultType": result_type}
    if allowed is not None:
        rd["allowedValue"] = list(allowed)
    return rd


def result(value: str, *, result_description: str | None = None, status: str | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {"type": ["Result"], "value": str(value)}
    if result_description:
        res["resultDescription"] = result_description
    if status:
        res["status"] = status
    return res


def issuer_profile(issuer_id: str, name: Mapping[str, str] | str, *, url: str | None = None, preferred: str | None = None) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": issuer_id, "type": ["Profile"], **_text_fields("name", name, preferred)}
    if url:
        profile["url"] = url
    return profile


def build_achievement(
    achievement_id: str,
    *,
    name: Mapping[str, str] | str,
    description: Mapping[str, str] | str,
    criteria: Mapping[str, str] | str,
    achievement_type: str = "Certificate",
    alignments: Iterable[dict[str, Any]] = (),
    result_descriptions: Iterable[dict[str, Any]] = (),
    credits_available: float | None = None,
    field_of_study: str | None = None,
    human_code: str | None = None,
    in_language: str | None = None,
    preferred: str | None = None,
) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": achievement_type,
        **_text_fields("name", name, preferred),
        **_text_fields("description", description, preferred),
        "criteria": _text_fields("narrative", criteria, preferred),
    }
    if alignments := list(alignments):
        achievement["alignment"] = alignments
    if result_descriptions := list(result_descriptions):
        achievement["resultDescription"] = result_descriptions
    if credits_available is not None:
        achievement["creditsAvailable"] = credits_available
    if field_of_study:
        achievement["fieldOfStudy"] = field_of_study
    if human_code:
        achievement["humanCode"] = human_code
    if in_language:
        achievement["inLanguage"] = in_language
    return achievement


def build_open_badge(
    credential_id: str,
    *,
    issuer: dict[str, Any],
    subject_id: str,
    achievement: dict[str, Any],
    valid_from: str,
    valid_until: str | None = None,
    name: Mapping[str, str] | str | None = None,
    description: Mapping[str, str] | str | None = None,
    results: Iterable[dict[str, Any]] = (),
    credits_earned: float | None = None,
    activity_start: str | None = None,
    activity_end: str | None = None,
    credential_status: Iterable[dict[str, Any]] = (),
    preferred: str | None = None,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential (OB 3.0 on VC 2.0). The name defaults to the achievement's."""
    subject: dict[str, Any] = {"id": subject_id, "type": ["AchievementSubject"], "achievement": achievement}
    if results := list(results):
        subject["result"] = results
    if credits_earned is not None:
        subject["creditsEarned"] = credits_earned
    if activity_start:
        subject["activityStartDate"] = activity_start
    if activity_end:
        subject["activityEndDate"] = activity_end
    names = name if name is not None else achievement.get("nameLanguageMap") or achievement["name"]
    document: dict[str, Any] = {
        "@context": list(OB_CONTEXT),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        **_text_fields("name", names, preferred),
        **_text_fields("description", description, preferred),
        "credentialSubject": subject,
    }
    if valid_until:
        document["validUntil"] = valid_until
    if statuses := list(credential_status):
        document["credentialStatus"] = statuses if len(statuses) > 1 else statuses[0]
    return document


def build_clr(
    credential_id: str,
    *,
    issuer: dict[str, Any],
    subject_id: str,
    credentials: Iterable[dict[str, Any]],
    name: Mapping[str, str] | str,
    valid_from: str,
    valid_until: str | None = None,
    description: Mapping[str, str] | str | None = None,
    associations: Iterable[dict[str, Any]] = (),
    credential_status: Iterable[dict[str, Any]] = (),
    preferred: str | None = None,
) -> dict[str, Any]:
    """An unsigned ClrCredential (CLR 2.0): a transcript bundling signed OpenBadgeCredentials."""
    subject: dict[str, Any] = {"id": subject_id, "type": ["ClrSubject"], "verifiableCredential": list(credentials)}
    if associations := list(associations):
        subject["association"] = associations
    document: dict[str, Any] = {
        "@context": list(CLR_CONTEXT),
        "id": credential_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        **_text_fields("name", name, preferred),
        **_text_fields("description", description, preferred),
        "credentialSubject": subject,
    }
    if valid_until:
        document["validUntil"] = valid_until
    if statuses := list(credential_status):
        document["credentialStatus"] = statuses if len(statuses) > 1 else statuses[0]
    return document
