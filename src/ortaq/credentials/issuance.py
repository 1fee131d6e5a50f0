"""Issuing credentials: documents built from the platform's records, signed (and co-signed), idempotent."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

import ortaq.engines.credentials as creds
from ortaq.accounts.selectors import access_for
from ortaq.accounts.types import Role
from ortaq.audit.services import audit_record
from ortaq.engines import frameworks as fw
from ortaq.errors import DomainError, Forbidden

from .keys import issuer_ensure, key_of_record, signing_key
from .models import CredentialKind, IssuedCredential, IssuerKey, IssuerProfile
from .status_lists import SIZE, allocate_indexes, list_url

LANGS = {"kk": "kk", "ru": "ru", "zh": "zh", "en": "en"}

# Who may sign, with an institution's key, a credential of each kind. Issuing is the registrar's act; the
# workflows that end in a credential of their own (an internship the sending coordinator closes, a recognition
# decision the coordinator signs, a course the trainer completes) may also sign it as part of that act.
# store_signed checks this for every signature, whatever path it came by (web, batch, VC-API, transcripts).
ISSUING_ROLES: dict[str, frozenset[str]] = {
    CredentialKind.DIPLOMA: frozenset({Role.REGISTRAR}),
    CredentialKind.MODULE: frozenset({Role.REGISTRAR}),
    CredentialKind.EXTERNAL: frozenset({Role.REGISTRAR}),
    CredentialKind.TRANSCRIPT: frozenset({Role.REGISTRAR, Role.COORDINATOR}),
    CredentialKind.INTERNSHIP: frozenset({Role.REGISTRAR, Role.COORDINATOR}),
    CredentialKind.TRAINING: frozenset({Role.REGISTRAR, Role.TRAINER}),
}


def may_issue(actor, institution_id: int, kind: str) -> bool:
    """Whether `actor` may sign a credential of `kind` in the name of the institution (platform
    administrators may, as operators of every issuer; every signature is audited with its actor)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    access = access_for(actor)
    return access.is_admin or access.has_role(institution_id, *ISSUING_ROLES.get(kind, ()))
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: typeable from paper


class BatchCache:
    """What stays the same from one credential of a batch to the next, so that a batch of n credentials does
    O(n) work instead of O(n²): the issuers of a programme and its achievement, the issuers' decrypted signing
    keys, and the status-list indexes already taken (loaded once, then only the rows added since).

    Behaviour is unchanged: a key is reused only while it is still the issuer's active key (one light query per
    credential finds a rotation or a compromise), and an index taken meanwhile by another worker makes the insert
    fail on the unique constraint, after which the taken set is reloaded and the credential built again."""

    def __init__(self) -> None:
        self.programmes: dict[int, tuple[list[IssuerProfile], dict, dict]] = {}
        self.keys: dict[int, tuple[int | None, creds.Multikey]] = {}  # issuer pk -> (IssuerKey pk, key)
        self.taken: dict[int, tuple[set[int], set[int], int]] = {}  # issuer pk -> (revocation, suspension, last pk seen)

    def signing_keys(self, issuers: list[IssuerProfile]) -> list[creds.Multikey]:
        active: dict[int, int] = {}
        for issuer_id, key_pk in (IssuerKey.objects.filter(issuer__in=[i.pk for i in issuers], retired_at__isnull=True, compromised=False, did_key=False)
                                  .order_by("created_at", "id").values_list("issuer_id", "id")):
            active[issuer_id] = key_pk  # the newest wins, as in keys.signing_key
        keys = []
        for issuer in issuers:
            cached = self.keys.get(issuer.pk)
            if cached is None or cached[0] != active.get(issuer.pk):
                key = signing_key(issuer)  # decrypts; raises if the issuer has no active key
                cached = self.keys[issuer.pk] = (active.get(issuer.pk), key)
            keys.append(cached[1])
        return keys

    def allocate(self, issuer: IssuerProfile) -> tuple[int, int]:
        """Like status_lists.allocate_indexes, without reading the whole issuer's credentials every time."""
        used_r, used_s, last = self.taken.get(issuer.pk) or (set(), set(), 0)
        for pk, r, s in IssuedCredential.objects.filter(issuer=issuer, pk__gt=last).order_by().values_list("pk", "revocation_index", "suspension_index"):
            used_r.add(r)
            used_s.add(s)
            last = max(last, pk)
        self.taken[issuer.pk] = (used_r, used_s, last)
        if len(used_r) >= SIZE:
            raise creds.StatusListError("status list is full")
        pick = lambda used: next(i for i in iter(lambda: secrets.randbelow(SIZE), None) if i not in used)  # noqa: E731
        return pick(used_r), pick(used_s)

    def forget_taken(self, issuer: IssuerProfile) -> None:
        """After a clash with another worker: rows committed out of pk order may be missing, so reload them all."""
        self.taken.pop(issuer.pk, None)


_batch: ContextVar[BatchCache | None] = ContextVar("ortaq_credentials_batch_cache", default=None)


@contextmanager
def batch_cache():
    """Issue within this block with per-batch caches (see BatchCache)."""
    token = _batch.set(BatchCache())
    try:
        yield _batch.get()
    finally:
        _batch.reset(token)


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _texts(obj, base: str) -> dict[str, str]:
    return {lang: getattr(obj, f"{base}_{suffix}") for lang, suffix in LANGS.items() if getattr(obj, f"{base}_{suffix}", "")}


def _institution_names(institution) -> dict[str, str]:
    names = _texts(institution, "name")
    return names or {"en": institution.name_latin}


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _alignments(programme) -> list[dict]:
    items = []
    if programme.eqf_level:
        items.append(creds.alignment("EQF", programme.eqf_level, {"en": f"EQF level {programme.eqf_level}"}))
    if programme.kz_nqf_level:
        items.append(creds.alignment("KZ-NQF", programme.kz_nqf_level, {"en": f"KZ NQF level {programme.kz_nqf_level}", "kk": f"ҰБШ {programme.kz_nqf_level}-деңгей"}))
    if programme.isced_code and (term := fw.isced_field(programme.isced_code)):
        items.append(creds.alignment("ISCED-F", programme.isced_code, {"en": term.names["en"], "ru": term.names["ru"], "kk": term.names["kk"], "zh": term.names["zh-hans"]}))
    return items


def _holder_identity(holder) -> list[dict]:
    # OB 3.0 IdentityObject with identityType "name": the holder's name as issued, in the original script
    # and the Latin form, unhashed so that a verifier can compare it with a passport.
    names = [holder.full_name or holder.get_full_name() or holder.username]
    if holder.full_name_latin and holder.full_name_latin not in names:
        names.append(holder.full_name_latin)
    return [{"type": "IdentityObject", "hashed": False, "identityHash": name, "identityType": "name"} for name in names]


def _issue(*, actor, issuer: IssuerProfile, holder, kind: str, idempotency_key: str, achievement: dict, title: dict,
           valid_from: dt.date, cosigners=(), results=(), credits_earned=None, activity=(None, None), batch=None) -> IssuedCredential:
    existing = IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing

    def build(credential_uuid: uuid.UUID, status: list[dict], _sign: Signer) -> dict:
        document = creds.build_open_badge(
            f"urn:uuid:{credential_uuid}", issuer=creds.issuer_profile(issuer.did, _institution_names(issuer.institution), url=issuer.institution.website or None),
            subject_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.SITE_ROOT}/people/{holder.pk}')}",
            achievement=achievement, valid_from=_stamp(valid_from), results=list(results), credits_earned=credits_earned,
            activity_start=activity[0], activity_end=activity[1], credential_status=status,
            preferred=holder.preferred_language[:2] if holder.preferred_language else None,
        )
        document["credentialSubject"]["identifier"] = _holder_identity(holder)
        return document

    return store_signed(actor=actor, issuer=issuer, holder=holder, kind=kind, idempotency_key=idempotency_key, title=title,
                        build=build, cosigners=cosigners, batch=batch,
                        audit_after={"kind": kind, "holder": holder.pk, "issuer": issuer.did})


Signer = Callable[[dict], dict]


def store_signed(*, actor, issuer: IssuerProfile, holder, kind: str, idempotency_key: str, title: dict,
                 build: Callable[[uuid.UUID, list[dict], Signer], dict], audit_after: dict, cosigners=(), batch=None,
                 external_id: str = "", did_key: IssuerKey | None = None, cryptosuite: str = creds.RDFC,
                 wallet_copy_of: IssuedCredential | None = None) -> IssuedCredential:
    """The one place where an institution's key signs: check that `actor` may issue this kind for the issuer
    (and each co-signer), allocate the credential's revocation and suspension entries, build it
    (`build(uuid, status entries, sign)`, where `sign` signs embedded credentials with the issuer's key), sign it
    (issuer, then co-signers), store it once per idempotency key, and audit it.

    A concurrent worker that issued the same credential wins and its record is returned; in a batch, an index
    another worker took meanwhile is reloaded and the credential built again (up to 5 attempts). Every kind of
    credential goes through here, so none is signed without a record, a status entry and an audit line.

    `did_key` (one of the issuer's did:key records) signs instead of the did:web key, and the status entries name
    the lists that did:key signs; `cryptosuite` is eddsa-rdfc-2022 (the default, Open Badges) or eddsa-jcs-2022.
    """
    if did_key is not None and (did_key.issuer_id != issuer.pk or not did_key.did_key or cosigners):
        raise DomainError(_("This did:key is not an issuer identity of the institution."), code="invalid")
    # A dual diploma is the joint act of its awarding institutions (each agreed to co-award when the joint
    # programme was set up), so a registrar of any of them may approve it; nobody else signs in their name.
    # A wallet copy (credentials.exchanges) of a valid credential the registrar already issued to `actor`: that
    # act authorised it, so its holder may take it again with their wallet's DID as subject (same issuers, kind).
    copy_allowed = (wallet_copy_of is not None and actor is not None and wallet_copy_of.holder_id == actor.pk
                    and wallet_copy_of.issuer_id == issuer.pk and wallet_copy_of.kind == kind and wallet_copy_of.state == "valid")
    if not copy_allowed and not any(may_issue(actor, inst, kind) for inst in [issuer.institution_id, *(c.institution_id for c in cosigners)]):
        raise Forbidden(_("Only a registrar of the issuing institution can issue this credential."))
    cache = _batch.get()
    attempts = 5 if cache is not None else 1
    for attempt in range(attempts):
        credential_uuid = uuid.uuid4()
        revocation_index, suspension_index = cache.allocate(issuer) if cache is not None else allocate_indexes(issuer)
        status = [creds.StatusList("revocation").entry(revocation_index, list_url(issuer, "revocation", did_key)),
                  creds.StatusList("suspension").entry(suspension_index, list_url(issuer, "suspension", did_key))]
        if did_key is not None:
            key, cosigner_keys = key_of_record(did_key), []
        elif cache is not None:
            key, *cosigner_keys = cache.signing_keys([issuer, *cosigners])
        else:
            key, cosigner_keys = signing_key(issuer), [signing_key(cosigner) for cosigner in cosigners]
        document = build(credential_uuid, status, lambda embedded: creds.sign(embedded, key))
        signed = creds.sign(document, key, cryptosuite=cryptosuite)
        for cosigner_key in cosigner_keys:
            signed = creds.sign(signed, cosigner_key, as_cosigner=True)
        language = (holder.preferred_language if holder is not None else "") or "kk"
        try:
            with transaction.atomic():
                record = IssuedCredential.objects.create(
                    public_id=credential_uuid, kind=kind, issuer=issuer, holder=holder, idempotency_key=idempotency_key, title=title,
                    document=signed, revocation_index=revocation_index, suspension_index=suspension_index, language=language,
                    second_language="en" if language != "en" else "kk", verify_code=new_code(10), issued_by=actor, batch=batch,
                    external_id=external_id,
                )
        except IntegrityError:
            # A concurrent worker issued the same credential (or took the same index): keep theirs, never a duplicate.
            existing = IssuedCredential.objects.filter(idempotency_key=idempotency_key).first()
            if existing:
                return existing
            if attempt + 1 == attempts:
                raise
            if cache is not None:  # always: without a batch cache there is a single attempt
                cache.forget_taken(issuer)  # an index another worker took meanwhile: reload and build again
            continue
        break
    audit_record(actor=actor, action="create", obj=record, after=audit_after, summary=idempotency_key)
    return record


def diploma_issue(*, actor, programme, holder, graduation_date: dt.date, batch=None) -> IssuedCredential:
    """A dual diploma: issued by the joint college (or the first awarding institution), co-signed by the others."""
    cache = _batch.get()
    prepared = cache.programmes.get(programme.pk) if cache is not None else None
    if prepared is None:
        prepared = _diploma_parts(programme)
        if cache is not None:
            cache.programmes[programme.pk] = prepared
    issuers, title, achievement = prepared
    return _issue(actor=actor, issuer=issuers[0], holder=holder, kind=CredentialKind.DIPLOMA, idempotency_key=f"diploma:{programme.pk}:{holder.pk}",
                  achievement=achievement, title=title, valid_from=graduation_date, cosigners=issuers[1:], batch=batch)


def _diploma_parts(programme) -> tuple[list[IssuerProfile], dict, dict]:
    """The programme's issuers (the joint college first), title and achievement: the same for the whole cohort."""
    awarding = sorted(programme.awarding_institutions.all(), key=lambda i: (i.kind != "joint_college", i.pk))
    if not awarding:
        raise DomainError(_("The programme has no awarding institution."), code="no_issuer")
    issuers = [issuer_ensure(actor=None, institution=inst) for inst in awarding]
    title = _texts(programme, "title")
    achievement = creds.build_achievement(
        f"{settings.SITE_ROOT}/programmes/{programme.pk}#diploma", name=title,
        description={"en": "Dual qualification of a joint programme: " + " / ".join(filter(None, [programme.qualification_kz, programme.qualification_cn])),
                     "ru": "Двойная квалификация совместной программы", "kk": "Бірлескен бағдарламаның қос біліктілігі", "zh": "合作办学双资格证书"},
        criteria={"en": "Completed every module of the joint programme and passed the final assessment.",
                  "ru": "Освоены все модули совместной программы, итоговая аттестация пройдена.",
                  "kk": "Бірлескен бағдарламаның барлық модулі меңгерілді, қорытынды аттестаттаудан өтті.",
                  "zh": "完成合作办学专业全部模块并通过最终考核。"},
        achievement_type="Diploma", alignments=_alignments(programme), credits_available=float(programme.total_credits or 0) or None,
        human_code=programme.code,
    )
    return issuers, title, achievement


def module_certificate_issue(*, actor, module, holder, issuer_institution, date: dt.date, batch=None) -> IssuedCredential:
    issuer = issuer_ensure(actor=None, institution=issuer_institution)
    title = _texts(module, "title")
    outcomes = [o.text_en or o.text_ru or o.text_kk or o.text_zh for o in module.outcomes.all()]
    achievement = creds.build_achievement(
        f"{settings.SITE_ROOT}/programmes/{module.programme_id}#module-{module.pk}", name=title,
        description={"en": f"Module {module.code} of {module.programme.title_en}"}, criteria={"en": "; ".join(outcomes) or "Module completed."},
        achievement_type="Course", alignments=_alignments(module.programme), credits_available=float(module.credits), human_code=module.code,
    )
    return _issue(actor=actor, issuer=issuer, holder=holder, kind=CredentialKind.MODULE, idempotency_key=f"module:{module.pk}:{holder.pk}",
                  achievement=achievement, title=title, valid_from=date, credits_earned=float(module.credits), batch=batch)


def internship_certificate_issue(*, actor, mobility_agreement) -> IssuedCredential:
    """From the verified logbook and the host's evaluation: hours, outcomes achieved, host."""
    from ortaq.mobility.types import EntryState, MobilityAgreementState

    if mobility_agreement.state != MobilityAgreementState.SIGNED:
        raise DomainError(_("The agreement is not signed by all parties."), code="not_signed")
    verified = sum((e.verified_hours or 0) for e in mobility_agreement.logbook.filter(state=EntryState.VERIFIED))
    if not verified:
        raise DomainError(_("No verified hours yet: the host must verify the logbook first."), code="no_hours")
    nomination = mobility_agreement.nomination
    sending = nomination.application.call.owner
    issuer = issuer_ensure(actor=None, institution=sending)
    achieved = [e.outcome for e in mobility_agreement.evaluations.select_related("outcome").filter(rating__in=["achieved", "partially"])]
    host = nomination.host
    achievement = creds.build_achievement(
        f"{settings.SITE_ROOT}/mobility/agreements/{mobility_agreement.pk}#certificate",
        name={"en": f"Internship at {host.name_latin}", "ru": f"Стажировка: {host.name_ru or host.name_latin}", "kk": f"Тағылымдама: {host.name_kk or host.name_latin}", "zh": f"实习：{host.name_zh or host.name_latin}"},
        description={"en": f"{verified} hours verified by the host; outcomes achieved: " + "; ".join(o.text_en or o.code for o in achieved)},
        criteria={"en": "Hours verified by the host's supervisor; learning outcomes evaluated by the host."}, achievement_type="Fieldwork",
    )
    return _issue(actor=actor, issuer=issuer, holder=nomination.application.applicant, kind=CredentialKind.INTERNSHIP,
                  idempotency_key=f"internship:{mobility_agreement.pk}", achievement=achievement, title={"en": f"Internship at {host.name_latin}"},
                  valid_from=mobility_agreement.end_date, activity=(_stamp(mobility_agreement.start_date), _stamp(mobility_agreement.end_date)))


def micro_credential_issue(*, actor, issuer_institution, holder, idempotency_key: str, title: dict, description: dict,
                           competences: list[tuple[str, str, dict, str]], date: dt.date, hours: int | None = None) -> IssuedCredential:
    """A professional-development micro-credential; `competences` are (framework, code, names, framework URL)
    and become the achievement's alignments."""
    issuer = issuer_ensure(actor=None, institution=issuer_institution)
    achievement = creds.build_achievement(
        f"{settings.SITE_ROOT}/training/{idempotency_key.replace(':', '/')}", name=title, description=description,
        criteria={"en": "Attendance threshold met and assessed work passed.", "ru": "Выполнен порог посещаемости, оценённые работы зачтены.",
                  "kk": "Қатысу шегі орындалды, бағаланған жұмыстар сынақтан өтті.", "zh": "达到出勤要求并通过考核作业。"},
        achievement_type="MicroCredential",
        alignments=[creds.alignment(framework, code, names, url=url) for framework, code, names, url in competences],
    )
    return _issue(actor=actor, issuer=issuer, holder=holder, kind="training", idempotency_key=idempotency_key, achievement=achievement,
                  title=title, valid_from=date)
