"""Verification inside the platform: the engine, with our issuers' DID documents and status lists offline."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.db import transaction
from django.db.models import F
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

import ortaq.engines.credentials as creds

from .federation_documents import remote_issuer
from .keys import resolver
from .selectors import known_issuer
from .status_lists import resolve_status_list


def verify_document(document, *, count: bool = False) -> dict:
    """Verify offline against our issuers. A credential signed with the key of an institution registered here
    must also be in that institution's register of issued credentials (every signature goes through
    issuance.store_signed, which records it): one that is not was not issued by the registrar's workflow,
    so it fails the "register" check. With `count`, a successful check of a credential we issued is counted
    for the analytics (no verifier or holder is stored)."""
    report = creds.verify(document, did_resolver=resolver(), status_resolver=resolve_status_list)
    result = report.to_dict()
    issuer = known_issuer(result.get("issuer"))
    issued = _registered(issuer, result.get("credential")) if issuer is not None else None
    if issuer is not None:
        in_register = issued is not None and issued.issuer_id == issuer.pk
        result["checks"].append({
            "check": "register", "ok": in_register,
            "reason": (str(_("recorded in the register of %(name)s") % {"name": issuer.institution.display_name}) if in_register
                       else str(_("signed with the key of %(name)s, but not in its register of issued credentials") % {"name": issuer.institution.display_name})),
        })
        result["verified"] = result["verified"] and in_register
    elif (remote := remote_issuer(result.get("issuer"))) is not None:
        # Another node's issuer: its register is kept there; what this node can say is whose issuer it is.
        result["checks"].append({"check": "federation", "ok": True,
                                 "reason": str(_("issuer hosted by %(node)s") % {"node": remote.node_name or remote.node})})
        result["home_node"], result["home_node_name"] = remote.node, remote.node_name or remote.node
    if count and result["verified"] and issued is not None:
        from ortaq.analytics.services import verification_record

        from .models import IssuedCredential

        with transaction.atomic():  # the analytics event and the registrar's counter move together
            verification_record(credential=issued)
            IssuedCredential.objects.filter(pk=issued.pk).update(verification_count=F("verification_count") + 1)
    result["known_issuer"] = issuer
    if isinstance(document, dict):
        result["document"] = document
    return result


def _registered(issuer, credential_id):
    """The platform's record of a credential of `issuer`, by its urn:uuid or (VC-API credentials) its own id."""
    from .models import IssuedCredential

    if not isinstance(credential_id, str) or not credential_id:
        return None
    records = IssuedCredential.objects.select_related("issuer").filter(issuer=issuer)
    if credential_id.startswith("urn:uuid:"):
        try:
            found = records.filter(public_id=uuid.UUID(credential_id.removeprefix("urn:uuid:"))).first()
        except ValueError:
            found = None
        if found is not None:
            return found
    return records.filter(external_id=credential_id).first()


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def summary(document: dict) -> dict:
    """What a person checks: issuer, holder's name as issued, achievement, dates, alignments. The document may be
    anything a visitor pasted, so every part is checked for its type before it is read."""
    subject = document.get("credentialSubject") or {}
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    subject = _dict(subject)
    achievement = _dict(subject.get("achievement"))
    issuer = document.get("issuer") or {}
    return {
        "issuer_name": issuer.get("name") if isinstance(issuer, dict) else issuer,
        "issuer_names": _dict(issuer.get("nameLanguageMap")) if isinstance(issuer, dict) else {},
        "holder_names": [i.get("identityHash") for i in _list(subject.get("identifier")) if isinstance(i, dict) and i.get("identityType") == "name"],
        "achievement": achievement.get("name"),
        "achievement_names": _dict(achievement.get("nameLanguageMap")),
        "achievement_type": achievement.get("achievementType"),
        "valid_from": document.get("validFrom"), "valid_until": document.get("validUntil"),
        "alignments": [(a.get("targetFramework"), a.get("targetCode"), a.get("targetName")) for a in _list(achievement.get("alignment")) if isinstance(a, dict)],
    }


# Files people upload --------------------------------------------------------------------------------------------

# A diploma PDF with its fonts is a few hundred kB; the credential inside is at most what the engine reads (1 MB).
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
CREDENTIAL_MAX_BYTES = 1_100_000


class UploadRefused(ValueError):
    """An uploaded file that holds no credential to verify; `message` is translated for the page."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def credential_from_upload(data: bytes) -> bytes:
    """The credential JSON in an uploaded file: the file itself, or, for a PDF, the credential attached inside it
    (pdf.credential_pdf attaches the signed JSON as an embedded file, which is what makes a paper diploma
    verifiable). Anything else is handed to the engine as it is, whose `input` check says what is wrong."""
    if len(data) > UPLOAD_MAX_BYTES:
        raise UploadRefused(_("The file is larger than 5 MB: upload the credential (JSON) or the PDF certificate issued here."))
    if not data.lstrip()[:5] == b"%PDF-":
        return data
    return _attached_credential(data)


def _attached_credential(data: bytes) -> bytes:
    from pypdf import PdfReader

    try:  # an uploaded PDF is untrusted: any parser failure is "unreadable", never a 500
        attachments = PdfReader(io.BytesIO(data)).attachments
        files = [(name, content) for name in sorted(attachments, key=lambda n: (not str(n).lower().endswith(".json"), str(n)))
                 for content in attachments[name]]
    except Exception:  # noqa: BLE001 (pypdf raises many kinds on malformed input)
        raise UploadRefused(_("This PDF could not be read. Upload the PDF certificate as it was issued, or the credential (JSON) itself.")) from None
    from ortaq.lib import jsonguard

    for _name, content in files:
        if len(content) > CREDENTIAL_MAX_BYTES:
            continue
        try:
            document = jsonguard.loads(content)
        except (jsonguard.JsonRefused, ValueError):
            continue
        if isinstance(document, dict) and "@context" in document:
            return content
    raise UploadRefused(_("This PDF carries no credential: only certificates that have the signed credential attached (as Ortaq's do) can be verified from a PDF."))


# What a person reads ---------------------------------------------------------------------------------------------

CHECK_LABELS = {
    "input": gettext_lazy("File"), "schema": gettext_lazy("Structure"), "proof": gettext_lazy("Signature"),
    "issuer": gettext_lazy("Issuer's key"), "nested": gettext_lazy("Included credentials"), "validity": gettext_lazy("Validity period"),
    "status": pgettext_lazy("credential check", "Status"), "register": gettext_lazy("Register of issued credentials"),
    "federation": gettext_lazy("Home node of the issuer"),
    "internal": gettext_lazy("Processing"),
}
ACHIEVEMENT_TYPES = {
    "Diploma": gettext_lazy("Diploma"), "Course": gettext_lazy("Course"), "Fieldwork": gettext_lazy("Internship (fieldwork)"),
    "MicroCredential": gettext_lazy("Micro-credential"), "Certificate": gettext_lazy("Certificate"), "Certification": gettext_lazy("Certification"),
    "Degree": gettext_lazy("Degree"), "License": gettext_lazy("Licence"), "Badge": gettext_lazy("Badge"),
    "ext:Transcript": gettext_lazy("Transcript of records"),
}


def people_checks(result: dict) -> list[dict]:
    """Each check of the engine's report as a sentence in the reader's language: `state` is "ok", "failed" or
    "not_checked". The engine's own reasons are technical English; they stay in the report behind the disclosure.
    A status read from a credential whose signature does not verify is not trusted (a forger writes any status
    entry he likes), so it is shown as not checked."""
    proof_ok = proof_verified(result)
    lines = []
    for check in result.get("checks", []):
        name, ok = check.get("check"), bool(check.get("ok"))
        state = "ok" if ok else "failed"
        if name == "status" and not proof_ok:
            state, text = "not_checked", _("Not checked: the status a credential names can only be trusted once its signature verifies.")
        elif name in ("register", "federation"):
            text = check.get("reason", "")  # already in the reader's language (verify_document)
        else:
            text = _check_text(name, ok, result.get("status"))
        lines.append({"check": name, "label": CHECK_LABELS.get(name, gettext_lazy("Check")), "state": state, "ok": state == "ok", "text": text})
    return lines


def proof_verified(result: dict) -> bool:
    return any(c.get("check") == "proof" and c.get("ok") for c in result.get("checks", []))


def _check_text(name, ok: bool, status) -> str:
    if name == "status":
        if ok:
            return _("It has no status entry, so its issuer cannot revoke it.") if status == "none" else _("Its issuer has neither revoked nor suspended it.")
        return {"revoked": _("Its issuer has revoked it."), "suspended": _("Its issuer has suspended it.")}.get(
            status, _("Its status could not be checked: the issuer's status list is not available or not trusted."))
    texts = {
        "input": (_("The file is a well-formed credential document."),
                  _("The file is not a credential this page can read: it is not well-formed JSON, or it is too large or nested too deeply.")),
        "schema": (_("It has the structure its standard (Open Badges 3.0 or CLR 2.0) requires."),
                   _("It does not have the structure its standard (Open Badges 3.0 or CLR 2.0) requires.")),
        "proof": (_("The issuer's digital signature matches the content: nothing was changed after signing."),
                  _("The digital signature does not match the content: the credential was changed after it was signed, or its signature is missing or forged.")),
        "issuer": (_("The signature was made with a key of the issuer the credential names."),
                   _("The signature was not made with a key of the issuer the credential names.")),
        "nested": (_("Every credential included in it verified."), _("A credential included in it did not verify.")),
        "validity": (_("It is within its validity period."), _("It is outside its validity period: not valid yet, or expired.")),
        "internal": (_("Processed."), _("The credential could not be processed.")),
    }
    good, bad = texts.get(name, (_("Passed."), _("Failed.")))
    return good if ok else bad


def alignment_lines(document) -> list[str]:
    """The achievement's alignments (qualification levels, field of education, professional standard) named in
    the reader's language. The documents name frameworks in English; the known ones are recognised by their
    OB `targetType` and named here, a framework we do not know is shown as the document writes it."""
    from ortaq.engines import frameworks as fw

    subject = _dict(document.get("credentialSubject")) if isinstance(document, dict) else {}
    lines = []
    for a in _list(_dict(subject.get("achievement")).get("alignment")):
        if not isinstance(a, dict) or not isinstance(a.get("targetCode", ""), str):
            continue
        code, kind, name = a.get("targetCode", ""), a.get("targetType"), a.get("targetName")
        if kind == "ext:EQFLevel":
            lines.append(_("European Qualifications Framework (EQF), level %(code)s") % {"code": code})
        elif kind == "ext:NQFLevel":
            lines.append(_("National Qualifications Framework of Kazakhstan, level %(code)s") % {"code": code})
        elif kind == "ext:ISCEDF":
            term = fw.isced_field(code)
            language = (get_language() or "en").lower()
            field = (term.names.get(language) or term.names.get(language.split("-")[0]) or term.names.get("en")) if term else name
            lines.append(_("Field of education (ISCED-F 2013) %(code)s: %(name)s") % {"code": code, "name": field or ""})
        elif kind == "ext:ProfessionalStandard":
            lines.append(_("Professional standard %(code)s: %(name)s") % {"code": code, "name": name if isinstance(name, str) else ""})
        else:
            parts = [x for x in (a.get("targetFramework"), code, name) if isinstance(x, str) and x]
            lines.append(" ".join(parts))
    return lines


def _in_language(names: dict, fallback):
    """The text of a language map in the reader's language (zh-hans reads "zh"), else the document's own."""
    language = (get_language() or "en").split("-")[0]
    if isinstance(names, dict) and isinstance(names.get(language), str):
        return names[language]
    return fallback if isinstance(fallback, str) else ""


def issued_day(value) -> dt.date | None:
    """The calendar day as the issuer wrote it (not moved into the reader's time zone: a diploma dated
    30 June is dated 30 June everywhere)."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def readable(document: dict, *, known_issuer=None, home_node: str = "") -> dict:
    """The credential as the PDF certificate shows it, in the reader's language: holder, achievement, issuer
    (the registered name when the issuer is registered here, the node hosting it when it is another node's),
    dates, results and credits, alignments."""
    s = summary(document)
    subject = document.get("credentialSubject") or {}
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    subject = _dict(subject)
    achievement = _dict(subject.get("achievement"))
    descriptions = {rd.get("id"): rd.get("name") for rd in _list(achievement.get("resultDescription")) if isinstance(rd, dict) and isinstance(rd.get("id"), str)}
    results = [{"name": descriptions.get(r.get("resultDescription")) if isinstance(r.get("resultDescription"), str) else "", "value": r.get("value")}
               for r in _list(subject.get("result")) if isinstance(r, dict) and isinstance(r.get("value"), (str, int, float))]
    kind = s["achievement_type"]
    achievement_name = _in_language(s["achievement_names"], s["achievement"])
    return {
        "holder_names": [n for n in s["holder_names"] if isinstance(n, str)],
        "achievement": achievement_name,
        "achievement_other": [(lang, name) for lang, name in s["achievement_names"].items() if isinstance(name, str) and name != achievement_name],
        "description": _in_language(_dict(achievement.get("descriptionLanguageMap")), achievement.get("description")),
        "type": ACHIEVEMENT_TYPES.get(kind, kind) if isinstance(kind, str) else "",
        "issuer_registered": known_issuer.institution.display_name if known_issuer is not None else "",
        "issuer_named": _in_language(s["issuer_names"], s["issuer_name"]),
        "issuer_home": home_node,
        "valid_from": issued_day(s["valid_from"]), "valid_until": issued_day(s["valid_until"]),
        "activity_start": issued_day(subject.get("activityStartDate")), "activity_end": issued_day(subject.get("activityEndDate")),
        "results": results,
        "credits_earned": subject.get("creditsEarned") if isinstance(subject.get("creditsEarned"), (int, float)) else None,
        "alignments": alignment_lines(document),
    }
