"""Transcripts of records as CLR 2.0 credentials: one signed course badge per recognised module, bundled
in a ClrCredential signed by the home institution, with its own revocation and suspension entries."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings

import ortaq.engines.credentials as creds

from .issuance import Signer, _holder_identity, _institution_names, _stamp, store_signed
from .keys import issuer_ensure
from .models import CredentialKind, IssuedCredential


def transcript_issue(*, actor, issuer_institution, holder, idempotency_key: str, title: dict, entries: list[dict], date: dt.date) -> IssuedCredential:
    """`entries`: [{"code", "title": {lang: text}, "credits": float, "grade": str}] — the modules on the transcript."""
    existing = IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    issuer = issuer_ensure(actor=None, institution=issuer_institution)
    profile = creds.issuer_profile(issuer.did, _institution_names(issuer_institution))
    subject_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.SITE_ROOT}/people/{holder.pk}')}"
    def build(credential_uuid: uuid.UUID, status: list[dict], sign: Signer) -> dict:
        # The course badges inside the CLR are signed with the same key by store_signed's signer, so that
        # they too are covered by its role check and audit record.
        courses = []
        for entry in entries:
            achievement = creds.build_achievement(
                f"{settings.SITE_ROOT}/transcripts/{idempotency_key.replace(':', '/')}/{entry['code']}", name=entry["title"],
                description={"en": f"Module {entry['code']}"}, criteria={"en": "Recognised learning outcomes of the module."},
                achievement_type="Course", credits_available=float(entry["credits"]), human_code=entry["code"],
            )
            badge = creds.build_open_badge(f"urn:uuid:{uuid.uuid4()}", issuer=profile, subject_id=subject_id, achievement=achievement,
                                           valid_from=_stamp(date), results=[creds.result(entry["grade"])], credits_earned=float(entry["credits"]))
            courses.append(sign(badge))
        clr = creds.build_clr(f"urn:uuid:{credential_uuid}", issuer=profile, subject_id=subject_id, credentials=courses, name=title,
                              valid_from=_stamp(date), credential_status=status)
        clr["credentialSubject"]["identifier"] = _holder_identity(holder)
        return clr

    return store_signed(actor=actor, issuer=issuer, holder=holder, kind=CredentialKind.TRANSCRIPT, idempotency_key=idempotency_key,
                        title=title, build=build, audit_after={"kind": "transcript", "modules": [e["code"] for e in entries]})


# --------------------------------------------------------------------------- the host's transcript across nodes
# The evaluation and transcript of records a host sends to the learner's home node (docs/federation.md,
# "mobility.transcript"): a ClrCredential signed by the host institution, with one Course badge per component of the
# learning or training agreement (the grade in the host's scale) and one Competency badge per learning outcome the
# host evaluated (the rating). The learner has no account on the host's node: the subject is named by her names as
# the nomination carried them. Built and read here, so that the format lives in one place.

HOST_GRADE_TYPES = {"percent": "Percent", "cn_five_band": "LetterGrade", "ects": "LetterGrade"}
RATINGS = ("achieved", "partially", "not_achieved")


def host_transcript_document(*, credential_id: str, base: str, issuer: dict, subject_id: str, learner_names: list[str], title: dict,
                             components: list[dict], outcomes: list[dict], valid_from: str, status: list[dict], sign: Signer) -> dict:
    """`components`: [{"index", "code", "title", "credits", "grade", "scale"}]; `outcomes`: [{"id", "texts": {lang: text},
    "rating", "comment"}]; `base`: the achievements' address (an id per transcript). Embedded badges are signed by `sign`."""
    badges = []
    for c in components:
        achievement_id = f"{base}#component-{c['index']}"
        grade_rd = creds.result_description(f"{achievement_id}-grade", c["scale"], HOST_GRADE_TYPES.get(c["scale"], "LetterGrade"))
        achievement = creds.build_achievement(achievement_id, name=c["title"] or c["code"], description={"en": f"Component {c['code']} of the agreement"},
                                              criteria={"en": "Assessed by the host institution."}, achievement_type="Course",
                                              result_descriptions=[grade_rd], credits_available=float(c["credits"]), human_code=c["code"])
        badges.append(sign(creds.build_open_badge(f"urn:uuid:{uuid.uuid4()}", issuer=issuer, subject_id=subject_id, achievement=achievement,
                                                  valid_from=valid_from, results=[creds.result(c["grade"], result_description=grade_rd["id"])],
                                                  credits_earned=float(c["credits"]))))
    for o in outcomes:
        achievement_id = f"{base}#outcome-{o['id']}"
        rating_rd = creds.result_description(f"{achievement_id}-rating", "rating", "PerformanceLevel", allowed=RATINGS)
        texts = {k: v for k, v in (o.get("texts") or {}).items() if v} or {"en": f"Learning outcome {o['id']}"}
        achievement = creds.build_achievement(achievement_id, name=texts, description=texts, criteria={"en": "Evaluated by the host institution."},
                                              achievement_type="Competency", result_descriptions=[rating_rd], human_code=str(o["id"]))
        badges.append(sign(creds.build_open_badge(f"urn:uuid:{uuid.uuid4()}", issuer=issuer, subject_id=subject_id, achievement=achievement,
                                                  valid_from=valid_from, description=o.get("comment") or None,
                                                  results=[creds.result(o["rating"], result_description=rating_rd["id"])])))
    clr = creds.build_clr(credential_id, issuer=issuer, subject_id=subject_id, credentials=badges, name=title, valid_from=valid_from,
                          credential_status=status)
    clr["credentialSubject"]["identifier"] = [{"type": "IdentityObject", "hashed": False, "identityHash": name, "identityType": "name"}
                                              for name in learner_names]
    return clr


def host_transcript_issue(*, actor, issuer_institution, learner_names: list[str], subject_key: str, idempotency_key: str, title: dict,
                          components: list[dict], outcomes: list[dict]) -> IssuedCredential:
    """The host's transcript, signed through store_signed (role check: a coordinator or registrar of the host;
    stored, revocable, audited). No holder here: the learner's wallet is on her home node. Valid from the moment it
    is signed (not from midnight of the day: it goes home at once and must verify there on arrival)."""
    existing = IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing
    issuer = issuer_ensure(actor=None, institution=issuer_institution)
    profile = creds.issuer_profile(issuer.did, _institution_names(issuer_institution))
    subject_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, subject_key)}"
    base = f"{settings.SITE_ROOT}/transcripts/{idempotency_key.replace(':', '/')}"
    valid_from = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    def build(credential_uuid: uuid.UUID, status: list[dict], sign: Signer) -> dict:
        return host_transcript_document(credential_id=f"urn:uuid:{credential_uuid}", base=base, issuer=profile, subject_id=subject_id,
                                        learner_names=learner_names, title=title, components=components, outcomes=outcomes,
                                        valid_from=valid_from, status=status, sign=sign)

    return store_signed(actor=actor, issuer=issuer, holder=None, kind=CredentialKind.TRANSCRIPT, idempotency_key=idempotency_key,
                        title=title, build=build, audit_after={"kind": "host transcript", "components": [c["code"] for c in components],
                                                               "outcomes": [o["id"] for o in outcomes]})


def _fragment(achievement: dict, prefix: str) -> str | None:
    identifier = achievement.get("id")
    if not isinstance(identifier, str) or f"#{prefix}-" not in identifier:
        return None
    return identifier.rsplit(f"#{prefix}-", 1)[1]


def host_transcript_read(document: dict) -> dict:
    """What a host's transcript says, as {"components": {index: {"code", "grade", "scale"}}, "outcomes": {id: {"rating",
    "comment"}}}. Raises ValueError when the document is not one (the caller has verified its proofs)."""
    if not isinstance(document, dict) or "ClrCredential" not in (document.get("type") or []):
        raise ValueError("not a ClrCredential")
    subject = document.get("credentialSubject")
    badges = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    if not isinstance(badges, list) or not badges:
        raise ValueError("no credentials inside")
    components: dict[int, dict] = {}
    outcomes: dict[int, dict] = {}
    for badge in badges:
        badge_subject = badge.get("credentialSubject") if isinstance(badge, dict) else None
        achievement = badge_subject.get("achievement") if isinstance(badge_subject, dict) else None
        results = badge_subject.get("result") if isinstance(badge_subject, dict) else None
        if not isinstance(achievement, dict) or not isinstance(results, list) or len(results) != 1 or not isinstance(results[0], dict):
            raise ValueError("a badge without an achievement and one result")
        value = results[0].get("value")
        descriptions = {d.get("id"): d for d in achievement.get("resultDescription") or [] if isinstance(d, dict)}
        description = descriptions.get(results[0].get("resultDescription"))
        if not isinstance(value, str) or description is None:
            raise ValueError("a result without its description")
        index, outcome = _fragment(achievement, "component"), _fragment(achievement, "outcome")
        if index is not None and index.isdigit() and achievement.get("achievementType") == "Course":
            components[int(index)] = {"code": str(achievement.get("humanCode", "")), "grade": value, "scale": str(description.get("name", ""))}
        elif outcome is not None and outcome.isdigit() and achievement.get("achievementType") == "Competency" and value in RATINGS:
            comment = badge.get("description")
            outcomes[int(outcome)] = {"rating": value, "comment": comment if isinstance(comment, str) else ""}
        else:
            raise ValueError("a badge that is neither a component's result nor an outcome's rating")
    return {"components": components, "outcomes": outcomes}
