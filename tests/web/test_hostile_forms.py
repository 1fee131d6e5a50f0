"""Every web form answers hostile input with a translated 4xx (or its page again, with the errors) and writes nothing.

The URL patterns of ortaq.urls are walked for every view that accepts POST (Django's admin, and the /api/v1/
operations that tests/web/test_hostile_api.py walks, aside), and for every action of the views that take an
`<action>` in their address; each needs a scenario here, so a new form without hostile-input coverage fails
`test_every_post_view_and_action_has_a_hostile_input_scenario`.

A scenario signs in as someone allowed to use the form and submits, one field at a time: words where numbers,
dates and ids belong, 10**30 and 400 nines, NaN and Infinity, -0 where zero is no answer, dates such as
0000-00-00, 9999-99-99 and year 1, 100,000 characters, NUL and a terminal escape, bad files; then the form
with every field missing, then ids of other institutions' records, then the form on another institution's
record. Every request also carries unknown fields. Each answer must be below 500 — a 4xx, or 200 with the
form's errors — show its error on the page, and leave every table's row count and the scenario's records as
they were. One refusal per form is repeated under /ru/ and must read in Russian. Last, the valid submission
(unknown fields included) must succeed, so the refusals were not a mere lack of permission.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.conftest import agreement_data, agreement_terms, condition_data, condition_terms, draft_ac, make_institution, make_user, proposed_ac  # noqa: F401
from tests.credentials.conftest import issued, joint_programme  # noqa: F401
from tests.mobility.conftest import (  # noqa: F401
    agreement_ac_in_effect,
    application_input,
    call_data,
    call_input,
    close,
    enterprise,
    offer_input,
    open_call,
    published_offer,
    students,
)
from tests.mobility.test_during_mobility import accepted, components, outcome, signed  # noqa: F401
from tests.training.conftest import cohort, course, people  # noqa: F401

# Hostile values by the kind of field they are sent to.
ID = ["abc", str(10**30), "9" * 400, "NaN", "-0"]
COUNT = ["abc", str(10**30), "9" * 400, "NaN", "Infinity", "-0"]  # a number of places, hours, days: zero is no answer
INT0 = ["abc", str(10**30), "9" * 400, "NaN", "-1"]  # a score or a weight: zero is an answer
DECIMAL = ["abc", "NaN", "Infinity", "1e400", "9" * 400]
DATE = ["abc", "0000-00-00", "9999-99-99", "1-01-01", "0001-01-01"]  # Django's own parser reads the last one
DATETIME = ["abc", "0000-00-00T00:00", "9999-99-99T99:99", "0001-01-01T00:00"]
TEXT = ["a\x00b", "\x1b[31m", "x" * 100_000]
CHOICE = ["abc", "a\x00b"]
HOSTILE = {"id": ID, "count": COUNT, "int0": INT0, "decimal": DECIMAL, "date": DATE, "datetime": DATETIME, "text": TEXT, "choice": CHOICE}
EXTRA = {"is_superuser": "1", "created_by": "1", "unknown\x00field": "x", "u" * 300: "y" * 1_000}  # sent with every request

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


def bad_documents(name: str) -> list[Callable]:
    """Files that are not what a document field takes (a fresh upload per request: an upload is read once)."""
    return [lambda: SimpleUploadedFile(name, b"MZ\x90\x00 an executable", content_type="application/pdf"),
            lambda: SimpleUploadedFile(name, b"", content_type="application/pdf"),
            lambda: SimpleUploadedFile(name, PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf")]


@dataclass
class Form:
    url: str  # under /en/; the Russian check swaps the prefix
    user: object | None  # None: signed out
    valid: dict  # a submission that succeeds
    fields: dict[str, str] = field(default_factory=dict)  # field -> kind in HOSTILE, or "file" with `files`
    together: tuple = ()  # fields of a Django form, all made hostile in each request: the page must show an error beside each
    files: dict[str, list[Callable]] = field(default_factory=dict)
    foreign: dict[str, object] = field(default_factory=dict)  # field -> a value naming another institution's record
    foreign_urls: list[str] = field(default_factory=list)  # the form on another institution's record: 403 or 404
    watch: list = field(default_factory=list)  # records that must not change
    outsiders: list = field(default_factory=list)  # people of other institutions: the valid submission is a 403 or 404 for them
    success: tuple = (302,)
    required: bool = True  # False: an empty submission is a request too (optional fields only), so it is not sent as hostile
    lenient: bool = False  # Django's own views without errors to show (set_language, logout): hostile input changes nothing
    prepare: Callable | None = None  # run before each request (e.g. the password-reset session)


# The scenarios, by URL name and, for views with an <action>, by action -----------------------------------------

SCENARIOS: dict[str, Callable] = {}


def scenario(name: str, action: str | None = None):
    def register(build):
        SCENARIOS[f"{name}:{action}" if action else name] = build
        return build

    return register


class Ctx:
    def __init__(self, request, world, django_capture_on_commit_callbacks):
        self.request, self.world, self.capture = request, world, django_capture_on_commit_callbacks

    def fx(self, name: str):
        return self.request.getfixturevalue(name)

    def foreign_programme(self):
        from ortaq.programmes import services
        from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails

        programme = services.programme_create(actor=self.world["registrar_b"], details=ProgrammeDetails(code="PB", title_en="Welding", isced_code="0715"), awarding=[self.world.b])
        module = services.module_add(actor=self.world["registrar_b"], programme=programme, module=ModuleDetails(code="W1", title_en="Welding", credits=5))
        return programme, module, services.outcome_add(actor=self.world["registrar_b"], module=module, outcome=OutcomeText(code="LO1", text_en="Welds"))

    def agreement_bc(self, state: str = "draft"):
        from ortaq.agreements import services

        w = self.world
        agreement = services.agreement_create(actor=w["coordinator_b"], terms=agreement_terms(title="B–C"), initiator=w.b, parties=[w.c])
        services.condition_add(actor=w["coordinator_b"], agreement=agreement, terms=condition_terms(w.b, w.c))
        if state != "draft":
            services.agreement_propose(actor=w["coordinator_b"], agreement=agreement)
        if state in ("approved", "in_effect"):
            services.agreement_approve(actor=w["coordinator_b"], agreement=agreement, institution=w.b)
            services.agreement_approve(actor=w["coordinator_c"], agreement=agreement, institution=w.c)
        if state == "in_effect":
            services.agreement_put_into_effect(actor=w["coordinator_b"], agreement=agreement)
        agreement.refresh_from_db()
        return agreement

    def agreement_ac(self, state: str):
        from ortaq.agreements import services

        w = self.world
        agreement = self.fx("proposed_ac")
        services.agreement_approve(actor=w["coordinator_a"], agreement=agreement, institution=w.a)
        services.agreement_approve(actor=w["coordinator_c"], agreement=agreement, institution=w.c)
        if state == "in_effect":
            services.agreement_put_into_effect(actor=w["coordinator_a"], agreement=agreement)
        agreement.refresh_from_db()
        return agreement

    def call_b(self):
        from ortaq.mobility import services

        return services.call_create(actor=self.world["coordinator_b"], owner=self.world.b, call=call_input(title="B's call"))

    def draft_call_a(self):
        from ortaq.mobility import services

        call = services.call_create(actor=self.world["coordinator_a"], owner=self.world.a, call=call_input(title="A's draft"))
        services.call_option_add(actor=self.world["coordinator_a"], call=call, offer=self.fx("published_offer"), places=1)
        return call

    def submitted(self, call, person=None):
        from ortaq.mobility import services

        person = person or students(self.world, 1, start=90)[0]
        return services.application_save(actor=person, call=call, application=application_input(year_of_study=2, grade="90"),
                                          option_ids=[call.options.order_by("id").last().pk], submit=True)

    def dry_run(self, call):
        from ortaq.mobility.models import PlacementRound

        self.submitted(call)
        close(call)
        with self.capture(execute=True):
            self.client_post(f"/en/mobility/calls/{call.pk}/round/", self.world["coordinator_a"])
        return PlacementRound.objects.filter(call=call).latest("id")

    def client_post(self, url, user, data=None):
        client = self.request.getfixturevalue("client")
        client.force_login(user)
        response = client.post(url, data or {})
        assert response.status_code == 302, (url, response.status_code)

    def unsigned(self):
        from ortaq.mobility import during

        nomination, learner, supervisor = self.fx("accepted")
        agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31),
                                                     components=components(self.fx("outcome").pk))
        return agreement, learner, supervisor

    def logbook_entry(self):
        from ortaq.mobility import during

        agreement, learner, supervisor = self.fx("signed")
        entry = during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="30", description="Wired two cabinets")
        return agreement, learner, supervisor, entry

    def dossier(self):
        from ortaq.mobility import during
        from ortaq.recognition import services

        agreement, learner, supervisor = self.fx("signed")
        during.transcript_record(actor=supervisor, agreement=agreement, component=agreement.components.get(), host_grade="A", host_scale="ects")
        return services.dossier_open(actor=self.world["coordinator_a"], mobility_agreement=agreement), learner

    def enrolment(self):
        from ortaq.training import services

        trainer, manager_a, _manager_b = self.fx("people")
        cohort = self.fx("cohort")
        enrolment = services.nominate(actor=self.world["coordinator_a"], cohort=cohort, manager=manager_a)
        return cohort, trainer, manager_a, enrolment


# Accounts and language -----------------------------------------------------------------------------------------

@scenario("set_language")
def _(ctx):
    return [Form("/i18n/setlang/", ctx.world["student_a"], {"language": "ru", "next": "/ru/"}, {"language": "choice", "next": "text"}, lenient=True)]


@scenario("accounts:login")
def _(ctx):
    return [Form("/en/accounts/login/", None, {"username": "student_a", "password": "correct horse battery"}, {"username": "text", "password": "text"})]


@scenario("accounts:logout")
def _(ctx):
    return [Form("/en/accounts/logout/", ctx.world["student_a"], {}, lenient=True)]


@scenario("accounts:password_change")
def _(ctx):
    person = ctx.world["student_a"]
    new = "a much longer passphrase 42"
    return [Form("/en/accounts/password/", person, {"old_password": "correct horse battery", "new_password1": new, "new_password2": new},
                 {"old_password": "text", "new_password1": "text", "new_password2": "text"}, watch=[person])]


@scenario("accounts:password_reset")
def _(ctx):
    return [Form("/en/accounts/password/reset/", None, {"email": "student@example.org"}, {"email": "text"})]


@scenario("accounts:password_reset_confirm")
def _(ctx):
    person = ctx.world["student_a"]
    uid, token = urlsafe_base64_encode(force_bytes(person.pk)), default_token_generator.make_token(person)

    def open_link(client):  # the e-mailed link puts the token in the session and redirects to set-password
        assert client.get(f"/en/accounts/password/reset/{uid}/{token}/").status_code == 302

    new = "a much longer passphrase 42"
    return [Form(f"/en/accounts/password/reset/{uid}/set-password/", None, {"new_password1": new, "new_password2": new},
                 {"new_password1": "text", "new_password2": "text"}, watch=[person], prepare=open_link)]


@scenario("accounts:profile")
def _(ctx):
    person = ctx.world["student_a"]
    # A field left out keeps its stored value (issue 14: the profile's own address), so an empty post is no error.
    return [Form("/en/accounts/profile/", person, {"p-full_name": "Дана Серікқызы", "p-preferred_language": "kk"},
                 {"p-full_name": "text", "p-full_name_latin": "text", "p-preferred_language": "choice", "p-iin": "text",
                  "p-passport_number": "text", "p-passport_country": "text"},
                 together=("p-full_name", "p-full_name_latin", "p-preferred_language", "p-iin", "p-passport_number", "p-passport_country"),
                 watch=[person], required=False)]


@scenario("accounts:certificate_add")
def _(ctx):
    return [Form("/en/accounts/profile/certificates/", ctx.world["student_a"],
                 {"c-language": "zh", "c-framework": "hsk", "c-level": "3", "c-issued_on": "2025-06-01"},
                 {"c-language": "choice", "c-framework": "choice", "c-level": "text", "c-issued_on": "date"})]


@scenario("accounts:accessibility_update")
def _(ctx):
    person = ctx.world["student_a"]
    return [Form("/en/accounts/profile/accessibility/", person, {"a-accessibility_needs": "Step-free access", "a-consent": "on"},
                 {"a-accessibility_needs": "text"}, watch=[person], required=False)]  # a checkbox's value is its presence: "abc" ticks it, as in HTML


@scenario("accounts:token_create")
def _(ctx):
    return [Form("/en/accounts/tokens/", ctx.world["student_a"], {"name": "CI"}, {"name": "text"}, required=False)]  # no name: "API"


@scenario("accounts:token_revoke")
def _(ctx):
    from ortaq.accounts.services import api_token_create

    mine, _secret = api_token_create(actor=ctx.world["student_a"], name="mine")
    theirs, _secret = api_token_create(actor=ctx.world["student_b"], name="theirs")
    return [Form(f"/en/accounts/tokens/{mine.pk}/revoke/", ctx.world["student_a"], {}, foreign_urls=[f"/en/accounts/tokens/{theirs.pk}/revoke/"], watch=[theirs])]


# Institutions --------------------------------------------------------------------------------------------------

INSTITUTION_FIELDS = {"kind": "choice", "name_original": "text", "name_latin": "text", "name_ru": "text", "country": "choice", "region": "text",
                      "city": "text", "address": "text", "website": "text", "email": "text", "phone": "text", "kz_bin": "text", "schac": "text",
                      "accessibility_facilities": "choice"}


@scenario("institutions:create")
def _(ctx):
    return [Form("/en/institutions/new/", ctx.world["coordinator_a"], {"kind": "college", "name_original": "New College", "country": "KZ", "city": "Almaty"},
                 INSTITUTION_FIELDS, together=tuple(INSTITUTION_FIELDS))]


@scenario("institutions:edit")
def _(ctx):
    w = ctx.world
    return [Form(f"/en/institutions/{w.a.pk}/edit/", w["coordinator_a"], {"kind": "college", "name_original": "College A", "country": "KZ", "city": "Astana"},
                 INSTITUTION_FIELDS, together=tuple(INSTITUTION_FIELDS), required=False, foreign_urls=[f"/en/institutions/{w.b.pk}/edit/"], watch=[w.a, w.b])]


@scenario("institutions:contact_add")
def _(ctx):
    w = ctx.world
    return [Form(f"/en/institutions/{w.a.pk}/contacts/", w["coordinator_a"], {"name": "Айгүл Сәрсенова", "email": "aigul@example.org"},
                 {"name": "text", "name_latin": "text", "position": "text", "email": "text", "phone": "text"},
                 foreign_urls=[f"/en/institutions/{w.b.pk}/contacts/"])]


@scenario("institutions:import")
def _(ctx):
    csv = b"kind,name_original,country\ncollege,Imported College,KZ\n"
    return [Form("/en/institutions/import/", ctx.world["coordinator_a"], {"file": lambda: SimpleUploadedFile("new.csv", csv)}, {"file": "file"},
                 files={"file": [lambda: SimpleUploadedFile("x.xlsx", b"PK\x03\x04 not a workbook"),
                                 lambda: SimpleUploadedFile("x.csv", b"kind,name_original,country\ncollege,a\x00b,KZ\n"),
                                 lambda: SimpleUploadedFile("x.csv", b"kind,name_original,country\ncollege,\x1b[31mred,KZ\n"),
                                 lambda: SimpleUploadedFile("x.csv", b"kind,name_original,country\ncollege," + b"x" * 100_000 + b",KZ\n"),
                                 lambda: SimpleUploadedFile("x.csv", b"kind,name_original,country\n\xff\xfe\xfa,bad,KZ\n"),
                                 lambda: SimpleUploadedFile("x.exe", b"MZ\x90\x00")]})]


# Agreements ----------------------------------------------------------------------------------------------------

AGREEMENT_FIELDS = {"kind": "choice", "title": "text", "reference": "text", "summary": "text", "start_year": "count", "end_year": "count"}
CONDITION_FIELDS = {"mobility_type": "choice", "sending": "id", "receiving": "id", "isced_code": "choice", "eqf_level": "choice", "places_per_year": "count",
                    "duration": "count", "duration_unit": "choice", "language": "choice", "language_framework": "choice", "language_min_level": "choice",
                    "start_year": "count", "end_year": "count", "inclusion_support": "text", "version": "id"}


@scenario("agreements:create")
def _(ctx):
    w = ctx.world
    return [Form("/en/agreements/new/", w["coordinator_a"], agreement_data() | {"initiator": w.a.pk, "partners": [w.c.pk]},
                 AGREEMENT_FIELDS | {"initiator": "id", "partners": "id"}, together=(*AGREEMENT_FIELDS, "initiator", "partners"), foreign={"initiator": w.b.pk})]


@scenario("agreements:edit")
def _(ctx):
    w, draft = ctx.world, ctx.fx("draft_ac")
    theirs = ctx.agreement_bc()
    return [Form(f"/en/agreements/{draft.pk}/edit/", w["coordinator_a"], agreement_data(title="A–C, edited") | {"version": draft.version},
                 AGREEMENT_FIELDS | {"version": "id"}, together=tuple(AGREEMENT_FIELDS), required=False, foreign_urls=[f"/en/agreements/{theirs.pk}/edit/"],
                 watch=[draft, theirs])]


@scenario("agreements:condition_add")
def _(ctx):
    w, draft = ctx.world, ctx.fx("draft_ac")
    theirs = ctx.agreement_bc()
    valid = condition_data(w.a, w.c, mobility_type="teacher_internship", language_min_level="3") | {"version": draft.version}
    return [Form(f"/en/agreements/{draft.pk}/conditions/", w["coordinator_a"], valid, CONDITION_FIELDS, together=tuple(set(CONDITION_FIELDS) - {"version"}),
                 foreign={"sending": w.b.pk},
                 foreign_urls=[f"/en/agreements/{theirs.pk}/conditions/"], watch=[draft, theirs])]


@scenario("agreements:condition_remove")
def _(ctx):
    w, draft = ctx.world, ctx.fx("draft_ac")
    theirs = ctx.agreement_bc()
    condition, their_condition = draft.conditions.get(), theirs.conditions.get()
    return [Form(f"/en/agreements/{draft.pk}/conditions/{condition.pk}/remove/", w["coordinator_a"], {"version": draft.version}, {"version": "id"}, required=False,
                 foreign_urls=[f"/en/agreements/{theirs.pk}/conditions/{their_condition.pk}/remove/", f"/en/agreements/{draft.pk}/conditions/{their_condition.pk}/remove/"],
                 watch=[draft, theirs])]


@scenario("agreements:propose")
def _(ctx):
    w, draft = ctx.world, ctx.fx("draft_ac")
    theirs = ctx.agreement_bc()
    return [Form(f"/en/agreements/{draft.pk}/propose/", w["coordinator_a"], {}, foreign_urls=[f"/en/agreements/{theirs.pk}/propose/"], watch=[draft, theirs])]


@scenario("agreements:approve")
def _(ctx):
    w, proposed = ctx.world, ctx.fx("proposed_ac")
    theirs = ctx.agreement_bc("proposed")
    return [Form(f"/en/agreements/{proposed.pk}/approve/", w["coordinator_a"], {"institution": w.a.pk, "version": proposed.version},
                 {"institution": "id", "version": "id"}, foreign={"institution": w.b.pk}, foreign_urls=[f"/en/agreements/{theirs.pk}/approve/"],
                 watch=[proposed, theirs])]


@scenario("agreements:in_effect")
def _(ctx):
    w, approved = ctx.world, ctx.agreement_ac("approved")
    theirs = ctx.agreement_bc("approved")
    return [Form(f"/en/agreements/{approved.pk}/in-effect/", w["coordinator_a"], {}, foreign_urls=[f"/en/agreements/{theirs.pk}/in-effect/"], watch=[approved, theirs])]


@scenario("agreements:terminate")
def _(ctx):
    w, in_effect = ctx.world, ctx.agreement_ac("in_effect")
    theirs = ctx.agreement_bc("in_effect")
    return [Form(f"/en/agreements/{in_effect.pk}/terminate/", w["coordinator_a"], {"reason": "Replaced by a new agreement"}, {"reason": "text"},
                 foreign_urls=[f"/en/agreements/{theirs.pk}/terminate/"], watch=[in_effect, theirs])]


# Programmes ----------------------------------------------------------------------------------------------------

@scenario("programmes:create")
def _(ctx):
    w = ctx.world
    return [Form("/en/programmes/new/", w["registrar_a"], {"code": "NEW-1", "title_en": "Robotics", "isced_code": "0714", "awarding": [w.a.pk], "languages": ["ru"]},
                 {"code": "text", "title_en": "text", "title_ru": "text", "isced_code": "choice", "kz_nqf_level": "choice", "eqf_level": "choice",
                  "languages": "choice", "duration_months": "int0", "awarding": "id"},
                 together=("code", "title_en", "title_ru", "isced_code", "kz_nqf_level", "eqf_level", "languages", "duration_months", "awarding"),
                 foreign={"awarding": w.b.pk})]


@scenario("programmes:module_add")
def _(ctx):
    w, programme = ctx.world, ctx.fx("outcome").module.programme
    other, _module, _outcome = ctx.foreign_programme()
    return [Form(f"/en/programmes/{programme.pk}/modules/", w["registrar_a"], {"code": "ROB-2", "title_en": "Robots", "credits": "5"},
                 {"code": "text", "order": "int0", "title_en": "text", "title_zh": "text", "credits": "count", "professional_standard_code": "text"},
                 foreign={"code": "PLC"}, foreign_urls=[f"/en/programmes/{other.pk}/modules/"])]


@scenario("programmes:outcome_add")
def _(ctx):
    w, outcome_a = ctx.world, ctx.fx("outcome")
    programme, module = outcome_a.module.programme, outcome_a.module
    other, other_module, _outcome = ctx.foreign_programme()
    return [Form(f"/en/programmes/{programme.pk}/modules/{module.pk}/outcomes/", w["registrar_a"], {"code": "LO2", "text_en": "Wires a sensor"},
                 {"code": "text", "text_en": "text", "text_kk": "text", "text_ru": "text", "text_zh": "text"},
                 foreign_urls=[f"/en/programmes/{other.pk}/modules/{other_module.pk}/outcomes/", f"/en/programmes/{programme.pk}/modules/{other_module.pk}/outcomes/"])]


# Mobility: offers, calls, applications, rounds, nominations ----------------------------------------------------

OFFER_FIELDS = {"title": "text", "tasks": "text", "city": "text", "start_date": "date", "end_date": "date", "places": "count", "isced_code": "choice",
                "language": "choice", "language_framework": "choice", "language_min_level": "text", "accessibility_facilities": "choice", "host": "id"}


@scenario("mobility:offer_create")
def _(ctx):
    company, supervisor = ctx.fx("enterprise")
    valid = {"host": company.pk, "title": "Robot cell intern", "tasks": "Maintain robot cells", "city": "Tianjin", "start_date": "2026-09-01",
             "end_date": "2026-11-30", "places": "2", "isced_code": "0714"}
    return [Form("/en/mobility/offers/new/", supervisor, valid, OFFER_FIELDS, together=tuple(set(OFFER_FIELDS) - {"host"}), foreign={"host": ctx.world.a.pk})]


@scenario("mobility:offer_publish")
def _(ctx):
    from ortaq.mobility import services

    company, supervisor = ctx.fx("enterprise")
    data = offer_input(title="Draft", tasks="Tasks", start_date="2026-09-01", end_date="2026-11-30")
    draft = services.offer_create(actor=supervisor, host=company, offer=data)
    other = make_institution("Other Enterprise", kind="enterprise")
    theirs = services.offer_create(actor=ctx.world["admin"], host=other, offer=data)
    return [Form(f"/en/mobility/offers/{draft.pk}/publish/", supervisor, {}, foreign_urls=[f"/en/mobility/offers/{theirs.pk}/publish/"], watch=[draft, theirs])]


@scenario("mobility:call_create")
def _(ctx):
    w = ctx.world
    mine = ctx.fx("outcome").module.programme
    other, _module, _outcome = ctx.foreign_programme()
    valid = call_data() | {"owner": w.a.pk, "programmes": [mine.pk], "deadline": (timezone.now() + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")}
    return [Form("/en/mobility/calls/new/", w["coordinator_a"], valid,
                 {"owner": "id", "programmes": "id", "title": "text", "mobility_type": "choice", "academic_year": "count", "deadline": "datetime",
                  "max_choices": "count", "min_year_of_study": "int0", "min_grade": "decimal", "language": "choice", "ranking_rule": "choice",
                  "weight_grade": "int0", "weight_interview": "int0", "lottery_seed": "int0"},
                 together=("title", "mobility_type", "academic_year", "deadline", "max_choices", "min_year_of_study", "min_grade", "language",
                           "ranking_rule", "weight_grade", "weight_interview", "lottery_seed"),
                 foreign={"owner": w.b.pk, "programmes": other.pk})]


@scenario("mobility:call_option_add")
def _(ctx):
    w = ctx.world
    call = ctx.draft_call_a()
    condition = ctx.fx("agreement_ac_in_effect").conditions.get()
    their_condition = ctx.agreement_bc("in_effect").conditions.get()
    return [Form(f"/en/mobility/calls/{call.pk}/option/", w["coordinator_a"], {"source": f"c{condition.pk}", "places": "1", "reserved_inclusion": "0"},
                 {"source": "choice", "places": "count", "reserved_inclusion": "int0"}, foreign={"source": f"c{their_condition.pk}"},
                 foreign_urls=[f"/en/mobility/calls/{ctx.call_b().pk}/option/"], watch=[call])]


@scenario("mobility:call_open")
def _(ctx):
    call = ctx.draft_call_a()
    return [Form(f"/en/mobility/calls/{call.pk}/open/", ctx.world["coordinator_a"], {}, foreign_urls=[f"/en/mobility/calls/{ctx.call_b().pk}/open/"], watch=[call])]


@scenario("mobility:call_close")
def _(ctx):
    call = ctx.fx("open_call")
    return [Form(f"/en/mobility/calls/{call.pk}/close/", ctx.world["coordinator_a"], {}, foreign_urls=[f"/en/mobility/calls/{ctx.call_b().pk}/close/"], watch=[call])]


@scenario("mobility:round_request")
def _(ctx):
    call = ctx.fx("open_call")
    ctx.submitted(call)
    close(call)
    return [Form(f"/en/mobility/calls/{call.pk}/round/", ctx.world["coordinator_a"], {}, foreign_urls=[f"/en/mobility/calls/{ctx.call_b().pk}/round/"], watch=[call])]


@scenario("mobility:application_save")
def _(ctx):
    w, call = ctx.world, ctx.fx("open_call")
    person = students(w, 1)[0]
    other_call = ctx.draft_call_a()
    valid = {"app-year_of_study": "2", "app-grade": "90", "app-motivation": "PLC work", "rank-1": call.options.order_by("id").first().pk,
             "document": lambda: SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf")}
    return [Form(f"/en/mobility/calls/{call.pk}/application/", person, valid,
                 {"app-year_of_study": "count", "app-grade": "decimal", "app-motivation": "text", "app-programme": "id", "rank-1": "id", "rank-2": "id",
                  "document": "file"}, files={"document": bad_documents("cv.pdf")}, foreign={"rank-1": other_call.options.get().pk},
                 foreign_urls=[f"/en/mobility/calls/{ctx.call_b().pk}/application/"])]


@scenario("mobility:application_withdraw")
def _(ctx):
    w, call = ctx.world, ctx.fx("open_call")
    application = ctx.submitted(call)
    return [Form(f"/en/mobility/calls/{call.pk}/application/withdraw/", application.applicant, {}, foreign_urls=[f"/en/mobility/calls/{ctx.call_b().pk}/application/withdraw/"],
                 watch=[application])]


@scenario("mobility:application_score")
def _(ctx):
    w, call = ctx.world, ctx.fx("open_call")
    application = ctx.submitted(call)
    call_b = ctx.call_b()
    return [Form(f"/en/mobility/calls/{call.pk}/applications/{application.pk}/score/", w["coordinator_a"], {"motivation_score": "80", "interview_score": "70"},
                 {"motivation_score": "int0", "interview_score": "int0"}, required=False, foreign_urls=[f"/en/mobility/calls/{call_b.pk}/applications/{application.pk}/score/"],
                 watch=[application])]


@scenario("mobility:round_publish")
def _(ctx):
    placement_round = ctx.dry_run(ctx.fx("open_call"))
    return [Form(f"/en/mobility/rounds/{placement_round.pk}/publish/", ctx.world["coordinator_a"], {}, outsiders=[ctx.world["coordinator_b"]], watch=[placement_round])]


@scenario("mobility:nomination_decide")
def _(ctx):
    from ortaq.mobility.models import Nomination

    nomination, _learner, supervisor = ctx.fx("accepted")
    Nomination.objects.filter(pk=nomination.pk).update(state="pending")
    nomination.refresh_from_db()
    return [Form(f"/en/mobility/nominations/{nomination.pk}/", supervisor, {"decision": "accept", "reason": ""}, {"decision": "choice", "reason": "text"},
                 outsiders=[ctx.world["coordinator_b"], ctx.world["coordinator_c"]], watch=[nomination])]


@scenario("mobility:remote_nomination_decide")
def _(ctx):
    from ortaq.mobility.models import RemoteNomination

    mirror = make_institution("Tianjin VU", country="CN", node="https://cn.ortaq.example")  # a college of another node
    nomination = RemoteNomination.objects.create(home_node=mirror.node, home_id="41", host=ctx.world.b, sending=mirror,
                                                 learner_name="王芳", learner_name_latin="Wang Fang", call_title="实习 2026")
    return [Form(f"/en/mobility/nominations/remote/{nomination.pk}/", ctx.world["coordinator_b"], {"decision": "accept", "reason": ""},
                 {"decision": "choice", "reason": "text"}, outsiders=[ctx.world["coordinator_a"], ctx.world["coordinator_c"]], watch=[nomination])]


def _signed_remote_copy(ctx, *, outcomes=(3,), state="signed"):
    """A host's copy (for B) of an agreement from another node, signed by all unless `state` says otherwise."""
    from ortaq.mobility.models import RemoteMobilityAgreement, RemoteNomination
    from ortaq.mobility.services import agreement_content_sha256

    mirror = make_institution("Tianjin VU", country="CN", node="https://cn.ortaq.example")  # a college of another node
    nomination = RemoteNomination.objects.create(home_node=mirror.node, home_id="41", host=ctx.world.b, sending=mirror, state="accepted",
                                                 learner_name="王芳", learner_name_latin="Wang Fang", call_title="实习 2026")
    content = {"kind": "training", "start_date": "2026-09-01", "end_date": "2026-11-30", "weekly_hours": 30,
               "components": [{"code": "C1", "title": "装配线调试", "credits": "5.0", "hours": 120, "recognition": "", "outcomes": list(outcomes)}]}
    return RemoteMobilityAgreement.objects.create(nomination=nomination, home_id="55", version=1, sha256=agreement_content_sha256(content),
                                                  content=content, state=state)


@scenario("mobility:remote_agreement_sign")
def _(ctx):
    copy = _signed_remote_copy(ctx, outcomes=(), state="draft")
    return [Form(f"/en/mobility/agreements/remote/{copy.pk}/sign/", ctx.world["coordinator_b"], {"version": "1"}, {"version": "id"},
                 outsiders=[ctx.world["coordinator_a"], ctx.world["coordinator_c"]], watch=[copy])]


@scenario("mobility:remote_agreement_logbook_verify")
def _(ctx):
    from ortaq.mobility.models import RemoteLogbookEntry

    copy = _signed_remote_copy(ctx, outcomes=())
    week = RemoteLogbookEntry.objects.create(agreement=copy, home_id="301", week_start="2026-09-07", hours="32.0", description="调试")
    return [Form(f"/en/mobility/agreements/remote/{copy.pk}/logbook/verify/", ctx.world["coordinator_b"],
                 {"entry": str(week.pk), "decision": "verify", "verified_hours": "30", "comment": ""},
                 {"entry": "id", "decision": "choice", "verified_hours": "decimal", "comment": "text"}, foreign={"verified_hours": "33"},
                 outsiders=[ctx.world["coordinator_a"], ctx.world["coordinator_c"]], watch=[week])]


@scenario("mobility:remote_agreement_result")
def _(ctx):
    copy = _signed_remote_copy(ctx)
    return [Form(f"/en/mobility/agreements/remote/{copy.pk}/result/", ctx.world["coordinator_b"], {"component": "0", "host_grade": "92", "host_scale": "percent"},
                 {"component": "int0", "host_grade": "text", "host_scale": "choice"}, foreign={"component": "1"},
                 outsiders=[ctx.world["coordinator_a"], ctx.world["coordinator_c"]], watch=[copy])]


@scenario("mobility:remote_agreement_change_propose")
def _(ctx):
    copy = _signed_remote_copy(ctx, outcomes=(3, 5))
    valid = {"version": "1", "code_0": "C1", "title_0": "装配线调试", "credits_0": "4", "hours_0": "100", "recognition_0": "Module 7", "outcomes_0": "3",
             "reason_code": "timetable_conflict", "comment": "二号线十月停产"}
    return [Form(f"/en/mobility/agreements/remote/{copy.pk}/changes/", ctx.world["coordinator_b"], valid,
                 {"credits_0": "decimal", "version": "id", "code_0": "text", "title_0": "text", "hours_0": "int0", "recognition_0": "text",
                  "outcomes_0": "id", "reason_code": "choice", "comment": "text"},
                 foreign={"outcomes_0": "4"}, outsiders=[ctx.world["coordinator_a"], ctx.world["coordinator_c"]], watch=[copy])]


@scenario("mobility:remote_agreement_evaluate")
def _(ctx):
    copy = _signed_remote_copy(ctx)
    return [Form(f"/en/mobility/agreements/remote/{copy.pk}/evaluate/", ctx.world["coordinator_b"], {"outcome": "3", "rating": "achieved", "comment": ""},
                 {"outcome": "id", "rating": "choice", "comment": "text"}, foreign={"outcome": "4"},
                 outsiders=[ctx.world["coordinator_a"], ctx.world["coordinator_c"]], watch=[copy])]


@scenario("mobility:remote_agreement_transcript_send")
def _(ctx):
    copy = _signed_remote_copy(ctx)
    copy.results = {"components": {"0": {"grade": "92", "scale": "percent"}}}
    copy.save(update_fields=["results"])
    return [Form(f"/en/mobility/agreements/remote/{copy.pk}/transcript/", ctx.world["coordinator_b"], {}, {}, required=False,
                 outsiders=[ctx.world["coordinator_a"], ctx.world["coordinator_c"]], watch=[copy])]


@scenario("mobility:remote_logbook_link")
def _(ctx):
    from ortaq.mobility import remote_logbook_services
    from ortaq.mobility.models import RemoteLogbookEntry

    copy = _signed_remote_copy(ctx)
    week = RemoteLogbookEntry.objects.create(agreement=copy, home_id="301", week_start="2026-09-07", hours="32.0", description="调试")
    token = remote_logbook_services.supervisor_link_token(copy)
    return [Form(f"/en/mobility/logbook/remote/{token}/", None,
                 {"entry": str(week.pk), "decision": "verify", "verified_hours": "30", "comment": "", "verifier_name": "Zhang Wei"},
                 {"entry": "id", "decision": "choice", "verified_hours": "decimal", "comment": "text", "verifier_name": "text"},
                 foreign={"verified_hours": "33"}, watch=[week])]


@scenario("mobility:placement_answer")
def _(ctx):
    nomination, learner, _supervisor = ctx.fx("accepted")
    return [Form(f"/en/mobility/placements/{nomination.pk}/answer/", learner, {"answer": "accept"}, {"answer": "choice"},
                 outsiders=[ctx.world["coordinator_b"], ctx.world["coordinator_c"]], watch=[nomination])]


@scenario("mobility:placement_document")
def _(ctx):
    nomination, learner, _supervisor = ctx.fx("accepted")
    return [Form(f"/en/mobility/placements/{nomination.pk}/documents/insurance/", learner, {}, {"file": "file"},
                 files={"file": bad_documents("insurance.pdf")}, required=False,
                 outsiders=[ctx.world["coordinator_b"], ctx.world["coordinator_c"]], watch=[nomination])]


@scenario("mobility:placement_document_check")
def _(ctx):
    from ortaq.mobility import acceptance

    nomination, learner, supervisor = ctx.fx("accepted")
    document = acceptance.placement_document_submit(actor=learner, nomination=nomination, kind="visa")
    return [Form(f"/en/mobility/placements/{nomination.pk}/documents/visa/check/", ctx.world["coordinator_a"], {"decision": "accept", "reason": ""},
                 {"decision": "choice", "reason": "text"}, outsiders=[ctx.world["coordinator_b"], supervisor, learner], watch=[document])]


# Mobility: the agreement, logbook, evaluation and transcript ---------------------------------------------------

@scenario("mobility:agreement_start")
def _(ctx):
    nomination, learner, _supervisor = ctx.fx("accepted")
    # Dates only: the components are picked afterwards on the agreement's page (the agreement_edit scenario).
    valid = {"start_date": "2026-03-02", "end_date": "2026-05-31", "weekly_hours": "30"}
    return [Form(f"/en/mobility/nominations/{nomination.pk}/agreement/", learner, valid,
                 {"start_date": "date", "end_date": "date", "weekly_hours": "count"})]




@scenario("mobility:agreement_edit")
def _(ctx):
    from ortaq.programmes.models import Programme

    agreement, learner, _supervisor = ctx.unsigned()
    mine = ctx.fx("outcome")
    _other, their_module, theirs = ctx.foreign_programme()
    host_programme = Programme.objects.create(code="ZE", title_en="Equipment service", isced_code="0714")
    host_programme.awarding_institutions.add(agreement.nomination.host)
    host = host_programme.modules.create(code="ZE-3", title_en="Cabinet commissioning", credits=4)
    picked = f"recognised_as_{host.pk}"
    valid = {"modules": host.pk, picked: mine.module_id, "outcomes": mine.pk, "other_code": "X1", "other_title": "Safety briefing", "other_credits": "1.5",
             "recognised_as_other": "", "version": agreement.version}
    return [Form(f"/en/mobility/agreements/{agreement.pk}/edit/", learner, valid,
                 {"modules": "id", picked: "id", "outcomes": "id", "other_code": "text", "other_title": "text", "other_credits": "decimal", "version": "id"},
                 foreign={"modules": their_module.pk, picked: their_module.pk, "outcomes": theirs.pk}, watch=[agreement])]


@scenario("mobility:agreement_sign")
def _(ctx):
    agreement, learner, _supervisor = ctx.unsigned()
    return [Form(f"/en/mobility/agreements/{agreement.pk}/sign/", learner, {"party": "learner", "version": agreement.version},
                 {"party": "choice", "version": "id"}, foreign={"party": "receiving"}, outsiders=[ctx.world["coordinator_b"]], watch=[agreement])]


@scenario("mobility:change_propose")
def _(ctx):
    agreement, learner, _supervisor = ctx.fx("signed")
    mine = ctx.fx("outcome")
    _other, their_module, theirs = ctx.foreign_programme()
    valid = {"other_code": "T2", "other_title": "Task", "other_credits": "3", "recognised_as_other": mine.module_id, "outcomes": mine.pk,
             "reason_code": "not_available", "comment": "Lab closed", "version": agreement.version}
    return [Form(f"/en/mobility/agreements/{agreement.pk}/propose/", learner, valid,
                 {"other_code": "text", "other_title": "text", "other_credits": "decimal", "recognised_as_other": "id", "outcomes": "id", "reason_code": "choice",
                  "comment": "text", "version": "id"},
                 foreign={"recognised_as_other": their_module.pk, "outcomes": theirs.pk}, watch=[agreement])]


@scenario("mobility:change_decide")
def _(ctx):
    from ortaq.mobility import during

    agreement, learner, supervisor = ctx.fx("signed")
    proposal = during.change_propose(actor=learner, agreement=agreement, components=components(), reason_code="other", comment="Swap")
    return [Form(f"/en/mobility/agreements/{agreement.pk}/decide/", supervisor, {"proposal": proposal.pk, "decision": "approve", "response": "Fine"},
                 {"proposal": "id", "decision": "choice", "response": "text"}, watch=[agreement, proposal])]


@scenario("mobility:logbook_submit")
def _(ctx):
    agreement, learner, _supervisor = ctx.fx("signed")
    mine = ctx.fx("outcome")
    _other, _module, theirs = ctx.foreign_programme()
    valid = {"week_start": "2026-03-02", "hours": "30", "description": "Wired two cabinets", "outcomes": [mine.pk],
             "evidence": lambda: SimpleUploadedFile("week.pdf", PDF, content_type="application/pdf")}
    return [Form(f"/en/mobility/agreements/{agreement.pk}/logbook/", learner, valid,
                 {"week_start": "date", "hours": "decimal", "description": "text", "outcomes": "id", "evidence": "file"},
                 files={"evidence": bad_documents("week.pdf")}, foreign={"outcomes": theirs.pk, "week_start": "2027-01-04"}, watch=[agreement])]


@scenario("mobility:logbook_verify")
def _(ctx):
    agreement, _learner, supervisor, entry = ctx.logbook_entry()
    return [Form(f"/en/mobility/agreements/{agreement.pk}/verify/", supervisor, {"entry": entry.pk, "decision": "verify", "verified_hours": "30", "comment": ""},
                 {"entry": "id", "decision": "choice", "verified_hours": "decimal", "comment": "text"}, foreign={"verified_hours": "31"}, watch=[entry])]


@scenario("mobility:outcome_evaluate")
def _(ctx):
    agreement, _learner, supervisor = ctx.fx("signed")
    mine = ctx.fx("outcome")
    _other, _module, theirs = ctx.foreign_programme()
    return [Form(f"/en/mobility/agreements/{agreement.pk}/evaluate/", supervisor, {"outcome": mine.pk, "rating": "achieved", "comment": "Independent"},
                 {"outcome": "id", "rating": "choice", "comment": "text"}, foreign={"outcome": theirs.pk})]


@scenario("mobility:transcript_record")
def _(ctx):
    agreement, _learner, supervisor = ctx.fx("signed")
    component = agreement.components.get()
    return [Form(f"/en/mobility/agreements/{agreement.pk}/result/", supervisor, {"component": component.pk, "host_grade": "A", "host_scale": "ects"},
                 {"component": "id", "host_grade": "text", "host_scale": "choice"}, foreign={"host_grade": "NaN"})]


@scenario("mobility:logbook_link")
def _(ctx):
    from ortaq.mobility import during

    agreement, _learner, _supervisor, entry = ctx.logbook_entry()
    token = during.supervisor_link_token(agreement)
    return [Form(f"/en/mobility/logbook/{token}/", None, {"entry": entry.pk, "decision": "verify", "verified_hours": "30", "comment": ""},
                 {"entry": "id", "decision": "choice", "verified_hours": "decimal", "comment": "text"}, watch=[entry])]


# Notifications, analytics --------------------------------------------------------------------------------------

@scenario("notifications:read")
def _(ctx):
    return [Form("/en/notifications/read/", ctx.world["student_a"], {})]


@scenario("analytics:refresh")
def _(ctx):
    return [Form("/en/analytics/refresh/", ctx.world["analyst"], {}, outsiders=[ctx.world["coordinator_a"]])]


# Credentials ---------------------------------------------------------------------------------------------------

def _credential(ctx):
    from ortaq.credentials.models import IssuedCredential

    batch, programme, joint, registrar, graduates = ctx.fx("issued")
    return IssuedCredential.objects.filter(holder=graduates[0]).first(), registrar, graduates


@scenario("credentials:registrar")
def _(ctx):
    programme, _joint, registrar, graduates = ctx.fx("joint_programme")
    other, _module, _outcome = ctx.foreign_programme()
    return [Form("/en/wallet/registrar/", registrar, {"programme": programme.pk, "holders": [g.pk for g in graduates], "graduation_date": "2026-06-30"},
                 {"programme": "id", "holders": "id", "graduation_date": "date"}, together=("programme", "holders", "graduation_date"), foreign={"programme": other.pk, "holders": ctx.world["student_b"].pk})]


@scenario("credentials:batch_approve")
def _(ctx):
    from ortaq.credentials import services

    programme, joint, registrar, graduates = ctx.fx("joint_programme")
    batch = services.batch_request(actor=registrar, programme=programme, holders=graduates[:1], graduation_date=dt.date(2026, 6, 30))
    second = make_user("registrar_joint_2", (joint, "registrar"))
    return [Form(f"/en/wallet/registrar/batches/{batch.pk}/approve/", second, {}, outsiders=[ctx.world["registrar_b"]], watch=[batch])]


@scenario("credentials:issuer_rotate")
def _(ctx):
    credential, registrar, _graduates = _credential(ctx)
    issuer = credential.issuer
    return [Form(f"/en/wallet/registrar/issuers/{issuer.pk}/rotate/", registrar, {"compromised": "1"}, {"compromised": "choice"}, required=False,
                 outsiders=[ctx.world["registrar_b"]], watch=[issuer]),
            # The same form makes the institution's did:key issuer identity instead (identity=did_key).
            Form(f"/en/wallet/registrar/issuers/{issuer.pk}/rotate/", registrar, {"identity": "did_key"}, {"identity": "choice"}, required=False,
                 outsiders=[ctx.world["registrar_b"]], watch=[issuer])]


@scenario("credentials:internship_certificate")
def _(ctx):
    agreement, _learner, supervisor, entry = ctx.logbook_entry()
    from ortaq.mobility import during

    during.logbook_verify(actor=supervisor, entry=entry, verified_hours="30", approve=True)
    return [Form(f"/en/wallet/internship/{agreement.pk}/", ctx.world["coordinator_a"], {}, outsiders=[ctx.world["coordinator_b"], supervisor])]


@scenario("credentials:state")
def _(ctx):
    credential, registrar, graduates = _credential(ctx)
    return [Form(f"/en/wallet/{credential.public_id}/state/", registrar, {"state": "suspended", "reason": "Under review"}, {"state": "choice", "reason": "text"},
                 outsiders=[ctx.world["registrar_b"], graduates[0]], watch=[credential])]


@scenario("credentials:share")
def _(ctx):
    credential, _registrar, graduates = _credential(ctx)
    return [Form(f"/en/wallet/{credential.public_id}/share/", graduates[0], {"days": "30"}, {"days": "count"}, foreign={"days": "181"},
                 foreign_urls=[f"/en/wallet/{_credential_of(graduates[1]).public_id}/share/"])]


def _credential_of(person):
    from ortaq.credentials.models import IssuedCredential

    return IssuedCredential.objects.filter(holder=person).first()


@scenario("credentials:share_revoke")
def _(ctx):
    from ortaq.credentials import services

    credential, _registrar, graduates = _credential(ctx)
    code = services.share_code_create(actor=graduates[0], credential=credential, days=30)
    theirs = services.share_code_create(actor=graduates[1], credential=_credential_of(graduates[1]), days=30)
    return [Form(f"/en/wallet/{credential.public_id}/share/{code.code}/revoke/", graduates[0], {},
                 foreign_urls=[f"/en/wallet/{_credential_of(graduates[1]).public_id}/share/{theirs.code}/revoke/",
                               f"/en/wallet/{credential.public_id}/share/{theirs.code}/revoke/"], watch=[code, theirs])]


@scenario("credentials:add_to_wallet")
def _(ctx):
    from ortaq.credentials.models import WalletOffer

    credential, registrar, graduates = _credential(ctx)
    # No fields: the request itself is the input. Nobody but the holder may make offers for the credential.
    return [Form(f"/en/wallet/{credential.public_id}/add-to-wallet/", graduates[0], {}, required=False,
                 outsiders=[registrar, ctx.world["student_b"]],
                 foreign_urls=[f"/en/wallet/{_credential_of(graduates[1]).public_id}/add-to-wallet/"],
                 watch=list(WalletOffer.objects.all()))]


@scenario("credentials:set_create")
def _(ctx):
    credential, _registrar, graduates = _credential(ctx)
    theirs = _credential_of(graduates[1])
    return [Form("/en/wallet/sets/", graduates[0], {"credentials": [str(credential.public_id)], "days": "30"}, {"credentials": "id", "days": "count"},
                 foreign={"credentials": str(theirs.public_id)}, outsiders=[ctx.world["student_b"]])]


@scenario("credentials:set_revoke")
def _(ctx):
    from ortaq.credentials import services

    credential, _registrar, graduates = _credential(ctx)
    shared = services.shared_set_create(actor=graduates[0], credentials=[credential], days=30)
    theirs = services.shared_set_create(actor=graduates[1], credentials=[_credential_of(graduates[1])], days=30)
    return [Form(f"/en/wallet/sets/{shared.code}/revoke/", graduates[0], {}, foreign_urls=[f"/en/wallet/sets/{theirs.code}/revoke/"],
                 watch=[shared, theirs])]


@scenario("credentials:reprint")
def _(ctx):
    credential, registrar, graduates = _credential(ctx)
    return [Form(f"/en/wallet/{credential.public_id}/reprint/", registrar, {}, outsiders=[ctx.world["registrar_b"], graduates[0]], watch=[credential])]


@scenario("verify")
def _(ctx):
    # Besides broken JSON: a binary that is no PDF, a PDF with no credential attached, a PDF over the 5 MB limit.
    return [Form("/en/verify/", None, {"document": '{"@context": []}'}, {"document": "text", "file": "file"}, lenient=True, success=(200,),
                 files={"file": [lambda: SimpleUploadedFile("c.json", b"\xff\xfe\x00garbage"), lambda: SimpleUploadedFile("c.json", b"[" * 100_000),
                                 lambda: SimpleUploadedFile("c.exe", b"MZ\x90\x00 an executable"), lambda: SimpleUploadedFile("d.pdf", PDF),
                                 lambda: SimpleUploadedFile("d.pdf", PDF + b"0" * (5 * 1024 * 1024))]})]


@scenario("presentation_request_new")
def _(ctx):
    # No fields: whatever is posted, a fresh request is made (anyone may ask a holder for a presentation).
    return [Form("/en/verify/presentations/", None, {}, required=False)]


# Training ------------------------------------------------------------------------------------------------------

@scenario("training:create")
def _(ctx):
    trainer, *_ = ctx.fx("people")
    course = ctx.fx("course")
    valid = {"course": course.pk, "title": "Autumn 2026", "format": "blended", "language": "ru", "location": "Xi'an", "start_date": "2026-10-01",
             "end_date": "2026-12-01", "capacity": "20", "sessions": "2026-10-01 10:00 | Opening"}
    fields = {"course": "id", "title": "text", "format": "choice", "language": "choice", "location": "text", "start_date": "date", "end_date": "date",
              "capacity": "count", "sessions": "text"}
    return [Form("/en/training/new/", trainer, valid, fields, together=tuple(fields))]


@scenario("training:self_assessment")
def _(ctx):
    from ortaq.engines import frameworks as fw
    from ortaq.training import services

    cohort, trainer, manager, enrolment = ctx.enrolment()
    services.enrolment_decide(actor=trainer, enrolment=enrolment, enrol=True)
    spec = fw.competency_framework("digcomporg")
    valid = {e.code: "3" for e in spec.elements}
    return [Form(f"/en/training/{cohort.pk}/self-assessment/before/digcomporg/", manager, valid, {spec.elements[0].code: "choice", spec.elements[-1].code: "choice"},
                 outsiders=[trainer, ctx.world["coordinator_a"]])]


def _training_action(ctx, action, user, valid, fields, **kwargs):
    cohort = ctx.fx("cohort")
    return Form(f"/en/training/{cohort.pk}/{action}/", user, valid, fields, **kwargs)


@scenario("training:nominate")
def _(ctx):
    _trainer, manager_a, manager_b = ctx.fx("people")
    return [_training_action(ctx, "nominate", ctx.world["coordinator_a"], {"manager": manager_a.pk}, {"manager": "id"}, foreign={"manager": manager_b.pk})]


@scenario("training:enrol")
def _(ctx):
    cohort, trainer, _manager, enrolment = ctx.enrolment()
    return [_training_action(ctx, "enrol", trainer, {"enrolment": enrolment.pk}, {"enrolment": "id"}, watch=[enrolment])]


@scenario("training:decline")
def _(ctx):
    cohort, trainer, _manager, enrolment = ctx.enrolment()
    return [_training_action(ctx, "decline", trainer, {"enrolment": enrolment.pk}, {"enrolment": "id"}, outsiders=[ctx.world["coordinator_b"]], watch=[enrolment])]


def _enrolled(ctx):
    from ortaq.training import services

    cohort, trainer, manager, enrolment = ctx.enrolment()
    return cohort, trainer, manager, services.enrolment_decide(actor=trainer, enrolment=enrolment, enrol=True)


@scenario("training:assess")
def _(ctx):
    cohort, trainer, _manager, enrolment = _enrolled(ctx)
    valid = {"enrolment": enrolment.pk, "kind": "final_project", "title": "AI plan"} | {f"score-{c['code']}": "20" for c in cohort.rubric}
    return [_training_action(ctx, "assess", trainer, valid, {"enrolment": "id", "kind": "choice", "title": "text", "score-analysis": "int0", "score-ethics": "int0"},
                             foreign={"score-analysis": "26"})]


@scenario("training:complete")
def _(ctx):
    from ortaq.training import services

    cohort, trainer, _manager, enrolment = _enrolled(ctx)
    for session in cohort.sessions.all():
        services.attendance_record(actor=trainer, session=session, enrolment=enrolment, present=True)
    services.assessment_record(actor=trainer, enrolment=enrolment, kind="final_project", title="Plan", scores={c["code"]: 20 for c in cohort.rubric})
    return [_training_action(ctx, "complete", trainer, {"enrolment": enrolment.pk}, {"enrolment": "id"}, watch=[enrolment])]


@scenario("training:attendance")
def _(ctx):
    cohort, trainer, _manager, enrolment = _enrolled(ctx)
    return [_training_action(ctx, "attendance", trainer, {"session": cohort.sessions.first().pk, "present": [enrolment.pk]}, {"session": "id", "present": "id"})]


@scenario("training:feedback")
def _(ctx):
    cohort, _trainer, manager, _enrolment = _enrolled(ctx)
    return [_training_action(ctx, "feedback", manager, {"session": cohort.sessions.first().pk, "text": "Useful"}, {"session": "id", "text": "text"})]


@scenario("training:set_state")
def _(ctx):
    trainer, *_ = ctx.fx("people")
    cohort = ctx.fx("cohort")
    return [_training_action(ctx, "state", trainer, {"state": "running"}, {"state": "choice"}, watch=[cohort])]


# Recognition ---------------------------------------------------------------------------------------------------

@scenario("recognition:rules")
def _(ctx):
    from ortaq.recognition import services

    services.rule_for(None)
    theirs = ctx.agreement_bc("draft")
    return [Form("/en/recognition/rules/", ctx.world["admin"], {"agreement": "", "hours_per_kz_credit": "30", "hours_per_cn_credit": "18", "hours_per_ects": "27"},
                 {"agreement": "id", "hours_per_kz_credit": "count", "hours_per_cn_credit": "count", "hours_per_ects": "count"}, foreign={"agreement": theirs.pk})]


@scenario("recognition:outcomes_paste")
def _(ctx):
    w, outcome_a = ctx.world, ctx.fx("outcome")
    url = f"/en/recognition/modules/{outcome_a.module_id}/outcomes/paste/"
    _other, other_module, _outcome = ctx.foreign_programme()
    foreign_urls = [f"/en/recognition/modules/{other_module.pk}/outcomes/paste/"]
    # The confirmed lines (saved) and the pasted box (detected, shown again to confirm: nothing is written).
    return [Form(url, w["registrar_a"], {"text": "Wires a sensor", "lang": "en", "save": "1"}, {"text": "text", "lang": "choice"}, foreign_urls=foreign_urls),
            Form(url, w["registrar_a"], {"lines": "Wires a sensor\nДатчикті қосады"}, {"lines": "text"}, foreign_urls=foreign_urls, success=(200,))]


@scenario("recognition:open")
def _(ctx):
    from ortaq.mobility import during

    agreement, _learner, supervisor = ctx.fx("signed")
    during.transcript_record(actor=supervisor, agreement=agreement, component=agreement.components.get(), host_grade="A", host_scale="ects")
    return [Form(f"/en/recognition/open/{agreement.pk}/", ctx.world["coordinator_a"], {}, outsiders=[ctx.world["coordinator_b"], supervisor])]


@scenario("recognition:decide")
def _(ctx):
    dossier, _learner = ctx.dossier()
    item = dossier.items.get()
    module = ctx.fx("outcome").module
    _other, theirs, _outcome = ctx.foreign_programme()
    return [Form(f"/en/recognition/{dossier.pk}/decide/", ctx.world["coordinator_a"],
                 {"item": item.pk, "decision": "partial", "home_module": module.pk, "substantial_difference": "Fewer hours", "compensating_measure": "A test"},
                 {"item": "id", "decision": "choice", "home_module": "id", "substantial_difference": "text", "compensating_measure": "text"},
                 foreign={"home_module": theirs.pk}, watch=[item])]


def _decided(ctx):
    from ortaq.recognition import services

    dossier, learner = ctx.dossier()
    item = dossier.items.get()
    services.item_decide(actor=ctx.world["coordinator_a"], item=item, decision="full", home_module=ctx.fx("outcome").module)
    return dossier, learner


@scenario("recognition:sign")
def _(ctx):
    dossier, learner = _decided(ctx)
    return [Form(f"/en/recognition/{dossier.pk}/sign/", ctx.world["coordinator_a"], {}, outsiders=[ctx.world["coordinator_b"], learner], watch=[dossier])]


@scenario("recognition:transcript")
def _(ctx):
    from ortaq.recognition import services

    dossier, _learner = _decided(ctx)
    services.dossier_sign(actor=ctx.world["coordinator_a"], dossier=dossier)
    return [Form(f"/en/recognition/{dossier.pk}/transcript/", ctx.world["coordinator_a"], {}, outsiders=[ctx.world["coordinator_b"]])]


@scenario("recognition:appeal")
def _(ctx):
    from ortaq.recognition import services

    dossier, learner = _decided(ctx)
    dossier = services.dossier_sign(actor=ctx.world["coordinator_a"], dossier=dossier)
    return [Form(f"/en/recognition/{dossier.pk}/appeal/", learner, {"reason": "The module matches"}, {"reason": "text"}, watch=[dossier])]


@scenario("recognition:review")
def _(ctx):
    from ortaq.recognition import services

    dossier, learner = _decided(ctx)
    dossier = services.dossier_sign(actor=ctx.world["coordinator_a"], dossier=dossier)
    appeal = services.appeal_file(actor=learner, dossier=dossier, reason="The module matches")
    return [Form(f"/en/recognition/{dossier.pk}/review/", ctx.world["registrar_a"], {"appeal": appeal.pk, "outcome": "uphold", "response": "Checked"},
                 {"appeal": "id", "outcome": "choice", "response": "text"}, watch=[appeal, dossier])]


# The walk over ortaq.urls --------------------------------------------------------------------------------------

NOT_FORMS = ("admin:", "api-")  # Django's admin (platform admins only, Django's own forms) and the API (test_hostile_api.py)


def _patterns(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}" if pattern.name else None, pattern.callback


def _accepts_post(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return "post" in view_class.http_method_names and hasattr(view_class, "post")
    try:
        source = inspect.getsource(inspect.unwrap(callback))
    except (OSError, TypeError):
        return True  # cannot tell: count it, so that it must be looked at
    return "POST" in source


def _actions(callback) -> list[str]:
    """The actions a view with an <action> in its address dispatches on, read from its source."""
    source = inspect.getsource(inspect.unwrap(callback))
    found = re.findall(r'action == "(\w+)"', source)
    for group in re.findall(r"action in \(([^)]*)\)", source):
        found += re.findall(r'"(\w+)"', group)
    return sorted(set(found))


def post_forms() -> set[str]:
    keys = set()
    for route, name, callback in _patterns(get_resolver().url_patterns):
        # The REST API and the node-to-node endpoints take JSON, not forms: their hostile bodies are tested in
        # tests/web/test_hostile_api.py and tests/federation/test_inbox.py.
        if route.startswith(("admin/", "api/", "federation/v1/")) or not _accepts_post(callback):
            continue
        assert name, f"{route}: a view that accepts POST needs a URL name"
        if "<str:action>" in route:
            keys |= {f"{name}:{action}" for action in _actions(callback)}
        else:
            keys.add(name)
    return keys


def test_every_post_view_and_action_has_a_hostile_input_scenario():
    found = post_forms()
    assert len(found) > 40  # the walk itself works
    assert sorted(found - set(SCENARIOS)) == [], "forms without a hostile-input scenario in this file"
    assert sorted(set(SCENARIOS) - found) == [], "scenarios for forms that no longer exist"


# Running a scenario --------------------------------------------------------------------------------------------

def _tables() -> list[str]:
    skip = {"django_session"}  # signing in and out
    return sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy} - skip)


def _counts(tables) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables))
        return tuple(cursor.fetchone())


def _rows(watch) -> list:
    return [type(o).objects.filter(pk=o.pk).values().first() for o in watch]


_ERROR = re.compile(r'class="(?:error|errors|message error|errorlist[^"]*)"[^>]*>(.*?)</(?:p|div|ul|li)>', re.S)


def page_errors(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", t) for t in _ERROR.findall(html)).strip()


def _materialise(data: dict) -> dict:
    return {k: (v() if callable(v) else v) for k, v in data.items()}


def _cases(form: Form):
    """(label, data, url or outsider, fields that must show an error) of every refused submission of a form."""
    for name, kind in form.fields.items():
        if name in form.together:
            continue
        for value in (form.files.get(name, []) if kind == "file" else HOSTILE[kind]):
            label = f"{name}={value!r:.40}" if kind != "file" else f"{name}=bad file"
            yield label, {k: v for k, v in form.valid.items() if k != name} | {name: value}, form.url, ()
    if form.together:
        # A Django form validates every field of a request, so one request checks them all: the i-th hostile value of
        # its kind in each field, and an error beside each field on the page (none is hidden behind another's).
        kinds = {name: form.fields[name] for name in form.together}
        for i in range(max(len(HOSTILE[kind]) for kind in kinds.values())):
            values = {name: HOSTILE[kind][i % len(HOSTILE[kind])] for name, kind in kinds.items()}
            label = "together: " + ", ".join(f"{name}={value!r:.12}" for name, value in values.items())
            yield label, {k: v for k, v in form.valid.items() if k not in values} | values, form.url, tuple(kinds)
    if form.fields and form.required:
        yield "every field missing", {}, form.url, ()
    for name, value in form.foreign.items():
        yield f"{name}: another institution's {value!r:.30}", form.valid | {name: value}, form.url, ()
    for url in form.foreign_urls:
        yield f"on another institution's record {url}", form.valid, url, ()
    for person in form.outsiders:
        yield f"by {person.username}, who may not", form.valid, person, ()


def _russian_case(form: Form):
    for name, kind in form.fields.items():
        if kind in ("id", "count", "int0", "date", "datetime", "choice", "decimal", "text"):
            return name, "a\x00b" if kind == "text" else "abc"
    return None


def run(client, form: Form) -> list[str]:
    tables, failures = _tables(), []
    client.logout()
    if form.user is not None:
        client.force_login(form.user)

    def submit(url, data):
        caches["throttle"].clear()  # the sign-in and verification throttles would answer 429 before the form
        if form.prepare:
            form.prepare(client)
        before = (_counts(tables), _rows(form.watch))
        response = client.post(url, _materialise(data | EXTRA))
        return response, before == (_counts(tables), _rows(form.watch))

    for label, data, url, marked in _cases(form):
        if not isinstance(url, str):  # an outsider submits the valid form at the form's own address
            client.force_login(url)
            response, unchanged = submit(form.url, data)
            client.logout()
            if form.user is not None:
                client.force_login(form.user)
            url = "outsider"
        else:
            response, unchanged = submit(url, data)
        status, where = response.status_code, f"{form.url} [{label}]"
        if status >= 500:
            failures.append(f"{where}: answered {status}")
        elif not unchanged:
            failures.append(f"{where}: answered {status} and wrote to the database")
        elif form.lenient:
            continue
        elif url != form.url:
            if status not in (403, 404):
                failures.append(f"{where}: answered {status}, not 403 or 404")
        elif not 400 <= status < 500 and status != 200:
            failures.append(f"{where}: answered {status}, as if it had worked")
        elif status not in (403, 404) and not page_errors(response.content.decode()):
            failures.append(f"{where}: answered {status} without an error on the page")
        elif unmarked := [name for name in marked if f'id="id_{name}_error"' not in response.content.decode()]:
            failures.append(f"{where}: answered {status} with no error beside {', '.join(unmarked)}")

    ru = _russian_case(form) if not form.lenient else None
    if ru is not None:
        name, value = ru
        response, unchanged = submit(form.url.replace("/en/", "/ru/", 1), {k: v for k, v in form.valid.items() if k != name} | {name: value})
        text = page_errors(response.content.decode())
        if response.status_code >= 500 or not unchanged or not re.search("[а-яА-ЯёЁ]", text):
            failures.append(f"{form.url} [{name}={value!r} under /ru/]: {response.status_code}, error text not in Russian: {text[:120]!r}")

    response, _unchanged = submit(form.url, form.valid)
    if response.status_code not in form.success:
        failures.append(f"{form.url} [the valid submission]: answered {response.status_code}, expected {form.success}: {page_errors(response.content.decode())[:200]!r}")
    return failures


@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_hostile_values_are_refused_with_a_translated_4xx_and_write_nothing(key, request, client, world, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ctx = Ctx(request, world, django_capture_on_commit_callbacks)
    forms = SCENARIOS[key](ctx)
    failures = [f for form in forms for f in run(client, form)]
    assert failures == [], f"{len(failures)} hostile submissions were not refused cleanly:\n" + "\n".join(failures)


# Query strings -------------------------------------------------------------------------------------------------

GET_PAGES = {  # address -> the query parameters its view reads
    "/en/agreements/": ["q", "state", "kind", "mobility_type", "institution", "page"],
    "/en/agreements/export.csv": ["q", "state", "institution"],
    "/en/institutions/": ["q", "kind", "country", "region", "page"],
    "/en/programmes/": ["q", "isced", "page"],
    "/en/mobility/": ["page"],
    "/en/mobility/offers/": ["page"],
    "/en/mobility/nominations/": ["page"],
    "/en/accounts/people/": ["q", "page"],
    "/en/notifications/": ["page"],
    "/en/analytics/": ["year", "country", "region", "institution", "isced", "level", "mobility_type", "stage", "view"],
    "/en/analytics/export/flows_institution.csv": ["year", "institution", "view", "stage"],
    "/en/analytics/open-data/funnel.csv": ["year", "country", "region", "isced"],
    "/en/training/report/": ["format"],
    "/en/verify/": ["code"],
}
GET_VALUES = ["abc", str(10**30), "9" * 400, "²", "-1", "a\x00b", "\x1b[31m", "x" * 5_000, "../../etc/passwd", "a/b"]


@pytest.mark.parametrize("address", sorted(GET_PAGES))
def test_hostile_query_values_never_cause_a_server_error_or_a_write(client, world, address):
    tables = _tables()
    client.force_login(world["coordinator_a"])
    failures = []
    for name in GET_PAGES[address]:
        for value in GET_VALUES:
            caches["throttle"].clear()
            before = _counts(tables)
            status = client.get(address, {name: value}).status_code
            if status >= 500 or _counts(tables) != before:
                failures.append(f"{address}?{name}={value!r:.30}: {status}")
    assert failures == []


@pytest.mark.parametrize("query", ["?a=abc", "?b=" + "9" * 400, "?a=²", "?lang=xx%0d%0aX-Evil:%201"])
def test_hostile_version_numbers_and_languages_on_an_agreements_pages(client, world, draft_ac, query):
    client.force_login(world["coordinator_a"])
    assert client.get(f"/en/agreements/{draft_ac.pk}/versions/{query}").status_code == 404 or query.startswith("?lang")
    if query.startswith("?lang"):
        assert client.get(f"/en/agreements/{draft_ac.pk}/versions/{query}").status_code < 500


@pytest.mark.parametrize("segment", ["a%00b", "%1B%5B31m", "x" * 3_000, "%FF%FE", "..%2F..%2Fetc"])
def test_hostile_path_segments_never_cause_a_server_error(client, world, issued, segment):
    from ortaq.credentials.models import IssuedCredential

    _batch, _programme, _joint, _registrar, graduates = issued
    credential = IssuedCredential.objects.filter(holder=graduates[0]).first()
    client.force_login(graduates[0])
    caches["throttle"].clear()
    assert client.get(f"/en/verify/{segment}").status_code == 404
    assert client.post(f"/en/wallet/{credential.public_id}/share/{segment}/revoke/").status_code == 404
    assert client.get(f"/en/mobility/logbook/{segment}/").status_code in (404, 410)  # 404: a "/" does not fit the address
    assert client.post(f"/en/mobility/logbook/{segment}/", {"entry": "1"}).status_code in (404, 410)
