"""Who gets what from every URL and every API operation: a permission matrix checked against the URL configuration.

`MATRIX` names every URL pattern (web pages under the language prefixes, the machine-readable addresses, the
API's documentation) and every operation of `/api/v1/` (as its OpenAPI lists it) and says, for each, who may
pass and what the others get. A new view or API operation without an entry fails
`test_every_url_and_api_operation_has_an_entry_in_the_matrix`.

Each entry is read by one test that asks the URL as each demo login (README, "Demo logins") and as a signed-out
visitor, about a record of the login's own institution and about one of another institution (tests/web/
url_matrix_scene.py builds them and says whose each is). An entry's `gates` are the checks the view makes, in
its order: `(who passes, what the others get)`. Who passes is written in a small language:

    public, signed_in, admin (platform administrator), analyst (ministry analyst), anyone, nobody
    coordinator@owner        a coordinator of one of the record's `owner` institutions (any relation name)
    coordinator|registrar@x  either role;  staff@x: coordinator, registrar, teacher, trainer or company
                             supervisor;  member@x: any role;  host@x: coordinator or company supervisor
    coordinator@any          a coordinator of any institution
    holder                   one of the record's people under that name (holder, learner, trainers, ...)
    ... if state=a|b         only while the record is in one of these states (state!=a|b: in none of them)

What the others get: a status code, LOGIN (a redirect to sign in), or MESSAGE (a redirect back with the error
shown, the way the pages report a refused action). Every request runs in a savepoint that is rolled back, and a
refused POST, PATCH or API call must also write nothing (no INSERT, UPDATE or DELETE outside the session and
cache tables). GET is asked of every URL; POST-only views answer 405 to a GET, and their POST is sent as every
login that should be refused (with a body that would otherwise be accepted); allowed writes are sent only where
`send_allowed` says they are cheap.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation

from tests.web.url_matrix_scene import ANONYMOUS, ROLE_LOGINS, Scene, Thing, Viewer, build_scene

LOGIN = "a redirect to sign in"
ADMIN_LOGIN = "a redirect to the admin sign-in"
MESSAGE = "a redirect back with an error message"
GATES = "the gates, as anyone else"  # a signed-out visitor is judged by the gates like everybody (public addresses)

# Who passes, reused by several entries -----------------------------------------------------------------------
AGREEMENT_READERS = ("admin, analyst if state!=draft, staff@initiator, staff@parties if state!=draft, "
                     "member@parties if state=approved|in_effect")
AGREEMENT_EDITORS = ("admin if state=draft|proposed|approved, coordinator@initiator if state=draft, "
                     "coordinator@parties if state=proposed|approved")
AGREEMENT_PARTY_COORDINATORS = "admin, coordinator@parties"
AGREEMENT_KINDS = ("agreement", "draft_agreement", "proposed_agreement")
CALL_READERS = "admin, analyst if state!=draft, staff@owner, member@owner if state!=draft, staff@hosts if state!=draft"
CALL_MANAGERS = "admin, coordinator@owner"
MOBILITY_PARTIES = "admin, learner, coordinator@sending, host@host"
MOBILITY_HOSTS = "admin, host@host"
PLACEMENT_SIDES = "admin, learner, coordinator@owner, host@host"  # a nomination's learner, sending coordinators and host staff
DOSSIER_READERS = "admin, student, coordinator|registrar@home"
DOSSIER_DECIDERS = "admin, coordinator@home"
COHORT_READERS = "admin, analyst, trainers, managers, coordinator|registrar@enrolled_from, coordinator@any if state=planned"
REPORT_READERS = "admin, analyst, coordinator|registrar@any"  # aggregates of their own colleges (the ministry: all, small cells withheld)
NOMINATION_CALL_READERS = "admin, analyst, staff@owner, member@owner, staff@host"  # the nomination's call is published
COHORT_TRAINERS = "admin, trainers"
BATCH_REGISTRARS = "admin, registrar@issuer, registrar@awarding"
CREDENTIAL_READERS = "holder, admin, registrar@issuer"  # the holder, and the issuing institution's registrars


@dataclass(frozen=True)
class Shows:
    """What a list must show, and only that: each record of `kinds` appears (its `link`, a URL name with the
    record's kwargs, or its `text`; in an API list, its id) exactly when the viewer passes `rule`."""

    kinds: tuple[str, ...]
    rule: str
    link: str = ""
    kwargs: dict[str, str] = field(default_factory=lambda: {"pk": "@pk"})
    text: str = ""
    every_page: bool = False  # a paginated page: read it through its "next" links (?page=2, ...), not page 1 only


@dataclass(frozen=True)
class Entry:
    kind: str | None = None  # the kind of record the URL names (url_matrix_scene); None: no record
    kwargs: dict[str, Any] = field(default_factory=dict)  # URL kwarg or API path parameter → "@name" of the record, or a literal
    gates: tuple = ()  # ((who passes, what the others get), ...) in the order the view checks
    anon: Any = LOGIN  # what a signed-out visitor gets (an API: 401)
    ok: Any = 200  # what a login passing every gate gets
    post_only: bool = False  # require_POST: a GET gets `get`; the gates apply to POST
    get: Any = 405
    form: bool = False  # the page's form POSTs back to it: refused POSTs are sent too
    data: Callable[[Scene, Thing | None], dict] | dict | None = None  # POST form or API JSON body
    send_allowed: bool = False  # also send the write as logins that pass (cheap; rolled back)
    shows: Shows | None = None  # a list page: which records it must show to whom
    reveals: tuple = ()  # ((the record's "@name" of a text, who may see it on this page), ...): shown to them only
    xfail: str = ""


def page(kind=None, *gates, **options) -> Entry:
    return Entry(kind=kind, gates=tuple(gates), **options)


def public(kind=None, **options) -> Entry:
    return Entry(kind=kind, anon=GATES, **options)


def action(kind=None, *gates, **options) -> Entry:
    return Entry(kind=kind, gates=tuple(gates), post_only=True, **options)


def api(kind=None, *gates, **options) -> Entry:
    return Entry(kind=kind, gates=tuple(gates), **{"anon": 401, **options})


def _condition(scene: Scene, thing: Thing) -> dict:
    return {"mobility_type": "student_internship", "sending": thing.value("sending"), "receiving": thing.value("receiving"),
            "isced_code": "0714", "places_per_year": 1, "duration": 2, "duration_unit": "months", "start_year": 2026, "end_year": 2027}


def _institution(scene: Scene, thing) -> dict:
    return {"kind": "college", "name_original": "Matrix College", "name_latin": "Matrix College", "country": "KZ", "city": "Aktobe"}


def _programme(scene: Scene, thing) -> dict:
    return {"code": "MATRIX-NEW", "title_en": "Matrix programme", "isced_code": "0714", "awarding_institution_ids": [thing.obj.pk]}


def _agreement(scene: Scene, thing) -> dict:
    return {"kind": "inter_institutional", "title": "Matrix agreement", "start_year": 2026, "end_year": 2028,
            "initiator_id": thing.obj.pk, "party_ids": [scene.institutions["kz_cluster"].pk]}


def _cohort(scene: Scene, thing) -> dict:
    return {"course_id": scene.things["cohort"][0].obj.course_id, "title": "Intruder", "start_date": "2026-09-07", "end_date": "2026-10-30",
            "capacity": 5}


def _offer(scene: Scene, thing) -> dict:
    return {"host_id": thing.obj.pk, "title": "Matrix offer", "tasks": "Weld", "city": "Aktobe", "start_date": "2027-03-01",
            "end_date": "2027-05-31", "places": 1, "isced_code": "0715"}


def _call(scene: Scene, thing) -> dict:
    return {"owner_id": thing.obj.pk, "title": "Matrix call", "mobility_type": "student_internship", "academic_year": 2027,
            "deadline": "2030-01-31T12:00:00+05:00"}


def _batch(scene: Scene, thing) -> dict:
    return {"programme_id": thing.obj.pk, "holder_ids": [scene.users["admin"].pk], "graduation_date": "2026-06-30"}


def foreign(kind: str, name: str) -> Callable[[Scene, Thing], Any]:
    """`name` of another record of the kind: a reference the view must not follow from this record."""
    return lambda scene, thing: next(other.value(name) for other in scene.things[kind] if other.obj.pk != thing.obj.pk)


VC_CREDENTIAL = {"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                                "credentialSubject": {"id": "did:example:matrix", "name": "Matrix"}}}
COMPONENTS = "T1 | Commission PLC cabinets | 3 | 90 | PLC-1 |"

MATRIX: dict[str, Entry] = {
    # Home, accounts, people -----------------------------------------------------------------------------------
    "web:home": public(),
    "accounts:login": Entry(anon=200, ok=302),  # signed in: sent on home
    "accounts:logout": Entry(anon=405, ok=405),  # POST only (its POST would end the test's session: not sent)
    "accounts:password_change": page(form=True, data={"old_password": "x", "new_password1": "Matrix-new-1", "new_password2": "Matrix-new-1"}),
    "accounts:password_change_done": page(),
    "accounts:password_reset": public(),
    "accounts:password_reset_done": public(),
    "accounts:password_reset_confirm": public(kwargs={"uidb64": "MQ", "token": "no-such-token"}),
    "accounts:password_reset_complete": public(),
    "accounts:profile": page(form=True, data={"p-full_name": "Hijacked"}),
    "accounts:certificate_add": action(data={"c-language": "zh", "c-framework": "hsk", "c-level": "3"}),  # one's own, whoever signs in
    "accounts:accessibility_update": action(data={"a-accessibility_needs": "", "a-consent": ""}),
    "accounts:token_create": action(data={"name": "matrix"}),
    "accounts:token_revoke": action("token", ("owner", 404), kwargs={"pk": "@pk"}),
    # The admin's list runs to several pages (25 a page): every page is read.
    "accounts:people": page(shows=Shows(("person",), "admin, self, staff@member_of", link="accounts:person", every_page=True)),
    # Accessibility needs, shared with consent: to the person and their college's coordinators only.
    "accounts:person": page("person", ("admin, self, staff@member_of", 404), kwargs={"pk": "@pk"},
                            reveals=(("@accessibility_needs", "self, coordinator@member_of"),)),
    # Institutions ---------------------------------------------------------------------------------------------
    "institutions:list": page(),
    "institutions:create": page(None, ("admin, coordinator@any", 403), form=True, data=_institution),
    "institutions:import": page(None, ("admin, coordinator@any", 403), form=True, data={}),
    "institutions:export": page(kwargs={"fmt": "csv"}),
    # Contacts (people) to the institution's staff and its partners' staff only.
    "institutions:detail": page("institution", kwargs={"pk": "@pk"}, reveals=(("@contact_email", "admin, staff@self, staff@partners"),)),
    "institutions:edit": page("institution", ("admin, coordinator@self", 403), kwargs={"pk": "@pk"}, form=True,
                              data=lambda s, t: {**_institution(s, t), "name_original": "Hijacked"}),
    "institutions:contact_add": action("institution", ("admin, coordinator@self", 403), kwargs={"pk": "@pk"},
                                       data={"name": "Intruder", "email": "intruder@example.org"}),
    # Agreements -----------------------------------------------------------------------------------------------
    "agreements:list": page(shows=Shows(AGREEMENT_KINDS, AGREEMENT_READERS, link="agreements:detail")),
    "agreements:export": page(kwargs={"fmt": "csv"}, shows=Shows(AGREEMENT_KINDS, AGREEMENT_READERS, text="@title")),
    "agreements:create": page(None, ("admin, coordinator@any", 403), form=True,
                              data=lambda s, t: {"kind": "memorandum", "title": "Matrix", "start_year": 2026, "end_year": 2027,
                                                 "initiator": s.institutions["xinjiang"].pk, "partners": [s.institutions["kz_cluster"].pk]}),
    "agreements:detail": page("agreement", (AGREEMENT_READERS, 404), kwargs={"pk": "@pk"}),
    "agreements:detail#draft": page("draft_agreement", (AGREEMENT_READERS, 404), kwargs={"pk": "@pk"}),
    "agreements:detail#proposed": page("proposed_agreement", (AGREEMENT_READERS, 404), kwargs={"pk": "@pk"}),
    "agreements:edit": page("draft_agreement", (AGREEMENT_READERS, 404), (AGREEMENT_EDITORS, 403), kwargs={"pk": "@pk"}, form=True,
                            data={"kind": "inter_institutional", "title": "Hijacked", "start_year": 2026, "end_year": 2028}),
    "agreements:edit#live": page("agreement", (AGREEMENT_READERS, 404), (AGREEMENT_EDITORS, 403), kwargs={"pk": "@pk"}, form=True,
                                 data={"kind": "inter_institutional", "title": "Hijacked", "start_year": 2026, "end_year": 2028}),
    "agreements:condition_add": action("draft_agreement", (AGREEMENT_READERS, 404), (AGREEMENT_EDITORS, 403), kwargs={"pk": "@pk"}, data=_condition),
    "agreements:condition_remove": action("draft_agreement", (AGREEMENT_READERS, 404), (AGREEMENT_EDITORS, 403),
                                          kwargs={"pk": "@pk", "condition_id": "@condition"}),
    "agreements:propose": action("draft_agreement", (AGREEMENT_READERS, 404), ("admin, coordinator@initiator", 403), kwargs={"pk": "@pk"}),
    "agreements:approve": action("proposed_agreement", (AGREEMENT_READERS, 404), ("admin, coordinator@first_party", 403),
                                 kwargs={"pk": "@pk"}, data=lambda s, t: {"institution": t.value("first_party_id")}),
    # References in the body to another record (a condition, application, proposal, ...) than the URL's: refused.
    "agreements:condition_remove#foreign": action("draft_agreement", (AGREEMENT_READERS, 404), ("nobody", 404),
                                                  kwargs={"pk": "@pk", "condition_id": "@foreign_condition"}),
    "agreements:approve#non-party": action("proposed_agreement", (AGREEMENT_READERS, 404), ("nobody", 400), kwargs={"pk": "@pk"},
                                           data=lambda s, t: {"institution": s.institutions["kz_cluster"].pk}),
    "agreements:in_effect": action("agreement", (AGREEMENT_READERS, 404), (AGREEMENT_PARTY_COORDINATORS, 403), kwargs={"pk": "@pk"}),
    "agreements:terminate": action("agreement", (AGREEMENT_READERS, 404), (AGREEMENT_PARTY_COORDINATORS, 403), kwargs={"pk": "@pk"},
                                   data={"reason": "Matrix"}),
    "agreements:compare": page("agreement", (AGREEMENT_READERS, 404), kwargs={"pk": "@pk"}),
    "agreements:pdf": page("agreement", (AGREEMENT_READERS, 404), kwargs={"pk": "@pk"}),
    # Programmes -----------------------------------------------------------------------------------------------
    "programmes:list": page(),
    "programmes:create": page(None, ("admin, coordinator|registrar@any", 403), form=True,
                              data=lambda s, t: {"code": "MATRIX-WEB", "title_en": "Matrix", "isced_code": "0714", "awarding": [s.institutions["xinjiang"].pk]}),
    "programmes:detail": page("programme", kwargs={"pk": "@pk"}),
    "programmes:module_add": action("programme", ("admin, coordinator|registrar@awarding", 403), kwargs={"pk": "@pk"},
                                    data={"code": "INTRUDER", "title_en": "Intruder", "credits": 3}),
    "programmes:outcome_add": action("programme", ("admin, coordinator|registrar@awarding", 403), kwargs={"pk": "@pk", "module_id": "@module"},
                                     data={"code": "LO9", "text_en": "Intrudes"}),
    # Mobility: offers, calls, rounds, nominations -------------------------------------------------------------
    "mobility:home": page(shows=Shows(("call", "draft_call"), CALL_READERS, link="mobility:call")),
    "mobility:offers": page(shows=Shows(("draft_offer",), "admin, staff@host", text="@title")),
    "mobility:offer_create": page(None, ("admin, host@any", 403), form=True,
                                  data={"title": "Intruder", "tasks": "x", "city": "x", "start_date": "2027-03-01", "end_date": "2027-04-01",
                                        "places": 1, "isced_code": "0714"}),
    "mobility:offer_publish": action("draft_offer", ("admin, staff@host", 404), ("admin, host@host", 403),
                                     kwargs={"pk": "@pk"}),
    "mobility:call_create": page(None, ("admin, coordinator@any", 403), form=True, data={"title": "Intruder"}),
    # Applicants' names to the sending college's coordinators (and each applicant their own), never to hosts.
    "mobility:call": page("call", (CALL_READERS, 404), kwargs={"pk": "@pk"}, reveals=(("@applicant_name", f"{CALL_MANAGERS}, applicants"),)),
    "mobility:call#draft": page("draft_call", (CALL_READERS, 404), kwargs={"pk": "@pk"}),
    # Students of the sending college apply, while the call is open; these calls' results are published (400).
    "mobility:application_save": action("call", (CALL_READERS, 404), ("student@owner", 403), ("nobody", 400), kwargs={"pk": "@pk"},
                                        data={"app-year_of_study": 2, "app-grade": "90", "submit": "1"}),
    "mobility:application_withdraw": action("call", (CALL_READERS, 404), ("applicants", 404), kwargs={"pk": "@pk"}),
    "mobility:application_score": action("call", (CALL_READERS, 404), ("admin, coordinator|registrar@owner", 404), (CALL_MANAGERS, 403),
                                         ("nobody", 400),  # scores are closed once results are published
                                         kwargs={"pk": "@pk", "application_id": "@application"},
                                         data={"motivation_score": 50, "interview_score": 50}),
    "mobility:application_score#foreign": action("call", (CALL_READERS, 404), ("nobody", 404),
                                                 kwargs={"pk": "@pk", "application_id": "@foreign_application"},
                                                 data={"motivation_score": 50, "interview_score": 50}),
    "mobility:applications_export": page("call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk", "fmt": "csv"}),
    "mobility:call_open": action("draft_call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"}),
    "mobility:call_close": action("call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"}),
    "mobility:call_option_add": action("draft_call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"},
                                          data=lambda s, t: {"source": f"o{s.things['draft_offer'][0].obj.pk}", "places": 1}),
    "mobility:call_option_add#unpublished": action("draft_call", (CALL_READERS, 404), (CALL_MANAGERS, 403), ("nobody", 400),
                                                   kwargs={"pk": "@pk"},
                                                      data=lambda s, t: {"source": f"o{s.things['draft_offer'][2].obj.pk}", "places": 1}),
    "mobility:round_request": action("call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"}),
    "mobility:round": page("round", (CALL_MANAGERS, 404), kwargs={"pk": "@pk"}),
    "mobility:round_publish": action("round", (CALL_MANAGERS, 404), kwargs={"pk": "@pk"}),
    "mobility:round_export": page("round", (CALL_MANAGERS, 404), kwargs={"pk": "@pk", "fmt": "csv"}),
    "mobility:nominations": page(),
    "mobility:nomination_decide": action("nomination", ("admin, host@host", 404), kwargs={"pk": "@pk"}, data={"decision": "accept"}),
    # A nomination made on another node: the scene has no second node, so no login finds one (404). Who decides it (the
    # host's coordinators and company supervisors, 404 for others) is tested in tests/federation/test_nominations_across_nodes.py.
    "mobility:remote_nomination_decide": action(None, ("nobody", 404), kwargs={"pk": 999999999}, data={"decision": "accept"}),
    # The host's copy of an agreement drafted on another node: as above, none in the scene (404 to all). Who reads and
    # signs it (the host's coordinators and company supervisors, 404 for others) is tested in
    # tests/federation/test_mobility_agreements_across_nodes.py.
    "mobility:remote_agreement": page(None, ("nobody", 404), kwargs={"pk": 999999999}),
    "mobility:remote_agreement_sign": action(None, ("nobody", 404), kwargs={"pk": 999999999}, data={"version": "1"}),
    # A change of its components the host proposes there (tests/federation/test_change_proposals_across_nodes.py).
    "mobility:remote_agreement_change_propose": action(None, ("nobody", 404), kwargs={"pk": 999999999},
                                                       data={"version": "1", "title_0": "T", "reason_code": "other"}),
    # Verifying or returning a week of that agreement's logbook (kept on the other node): 404 to all here; who may (the
    # host's staff) is tested in tests/federation/test_logbooks_across_nodes.py.
    "mobility:remote_agreement_logbook_verify": action(None, ("nobody", 404), kwargs={"pk": 999999999},
                                                       data={"entry": "1", "decision": "verify", "verified_hours": "1"}),
    # The host's results and signed transcript of that agreement (tests/federation/test_transcripts_across_nodes.py), and
    # the supervisor link on the host's node (tests/federation/test_remote_supervisor_link.py): 404 to all here.
    "mobility:remote_agreement_result": action(None, ("nobody", 404), kwargs={"pk": 999999999},
                                               data={"component": "0", "host_grade": "90", "host_scale": "percent"}),
    "mobility:remote_agreement_evaluate": action(None, ("nobody", 404), kwargs={"pk": 999999999}, data={"outcome": "1", "rating": "achieved"}),
    "mobility:remote_agreement_transcript_send": action(None, ("nobody", 404), kwargs={"pk": 999999999}),
    "mobility:remote_logbook_link": public(None, kwargs={"token": "no-such-token"}, ok=404),
    # A placement after publication (issue 15): the learner answers and provides documents, the sending coordinators
    # check them, the host reads the nominee's file; the scene's placement has no checklist file, hence 404 to all.
    "mobility:placement": page("nomination", (PLACEMENT_SIDES, 404), kwargs={"pk": "@pk"}),
    "mobility:placement_answer": action("nomination", (PLACEMENT_SIDES, 404), ("learner", 403), kwargs={"pk": "@pk"}, data={"answer": "accept"}),
    "mobility:placement_document": action("nomination", (PLACEMENT_SIDES, 404), ("learner", 403), kwargs={"pk": "@pk", "kind": "visa"}),
    "mobility:placement_document_check": action("nomination", (PLACEMENT_SIDES, 404), ("admin, coordinator@owner", 403),
                                                kwargs={"pk": "@pk", "kind": "visa"}, data={"decision": "accept"}),
    "mobility:placement_document_file": page("nomination", (PLACEMENT_SIDES, 404), ("nobody", 404), kwargs={"pk": "@pk", "kind": "visa"}),
    "mobility:nominee_document_file": page("nomination", (PLACEMENT_SIDES, 404), ("nobody", 404), kwargs={"pk": "@pk", "document_id": 999999999}),
    # A refusal is shown on the call's page: those who may not see the call get 404.
    "mobility:agreement_start": action("nomination", (NOMINATION_CALL_READERS, 404), ("admin, learner, coordinator@owner", 403),
                                       kwargs={"nomination_id": "@pk"},
                                       data={"start_date": "2027-03-01", "end_date": "2027-05-01", "components": COMPONENTS}),
    # Mobility: the learning agreement, logbook and results ---------------------------------------------------
    "mobility:agreement": page("mobility", (MOBILITY_PARTIES, 404), kwargs={"pk": "@pk"}),
    "mobility:agreement_edit": action("mobility", (MOBILITY_PARTIES, 404), kwargs={"pk": "@pk"}, data={"components": COMPONENTS}),
    "mobility:agreement_sign": action("mobility", (MOBILITY_PARTIES, 404), ("learner", 403), kwargs={"pk": "@pk"},
                                             data={"party": "learner"}),
    "mobility:change_propose": action("mobility", (MOBILITY_PARTIES, 404), kwargs={"pk": "@pk"},
                                                data={"components": COMPONENTS, "reason_code": "other"}),
    "mobility:change_decide": action("mobility", (MOBILITY_PARTIES, 404), ("admin, coordinator@sending, host@host", 403),
                                               kwargs={"pk": "@pk"},
                                               data=lambda s, t: {"proposal": t.value("proposal"), "decision": "approve"}),
    "mobility:logbook_submit": action("mobility", (MOBILITY_PARTIES, 404), ("learner", 403), kwargs={"pk": "@pk"},
                                                data=lambda s, t: {"week_start": t.value("week"), "hours": "20", "description": "Intruded"}),
    "mobility:logbook_verify": action("mobility", (MOBILITY_PARTIES, 404), (MOBILITY_HOSTS, 403), kwargs={"pk": "@pk"},
                                               data=lambda s, t: {"entry": t.value("entry"), "verified_hours": "30", "decision": "verify"}),
    "mobility:outcome_evaluate": action("mobility", (MOBILITY_PARTIES, 404), (MOBILITY_HOSTS, 403),
                                                 kwargs={"pk": "@pk"},
                                                 data=lambda s, t: {"outcome": t.value("outcome"), "rating": "achieved"}),
    "mobility:transcript_record": action("mobility", (MOBILITY_PARTIES, 404), (MOBILITY_HOSTS, 403), kwargs={"pk": "@pk"},
                                               data=lambda s, t: {"component": t.value("component"), "host_grade": "90", "host_scale": "percent"}),
    **{f"mobility:{name}#foreign": action("mobility", (MOBILITY_PARTIES, 404), ("nobody", 404), kwargs={"pk": "@pk"},
                                                           data=lambda s, t, field=field, value=value: {field: foreign("mobility", field)(s, t), **value})
       for name, field, value in (("change_decide", "proposal", {"decision": "approve"}), ("logbook_verify", "entry", {"verified_hours": "30", "decision": "verify"}),
                                  ("transcript_record", "component", {"host_grade": "90", "host_scale": "percent"}))},
    "mobility:outcome_evaluate#foreign": action("mobility", (MOBILITY_PARTIES, 404), (MOBILITY_HOSTS, 403), ("nobody", 422),
                                                         kwargs={"pk": "@pk"},
                                                         data=lambda s, t: {"outcome": t.value("foreign_outcome"), "rating": "achieved"}),
    "mobility:logbook_link": public("logbook_link", kwargs={"token": "@token"}),
    "mobility:behind": page(),
    # The reader's own learning agreements: where they are the learner or sign for the sending or the receiving side.
    "mobility:mine": page(shows=Shows(("mobility",), "learner, coordinator@sending, host@host", link="mobility:agreement")),
    # Notifications --------------------------------------------------------------------------------------------
    "notifications:list": page(),
    "notifications:read": action(),
    # Credentials: the holder's wallet and the registrar's desk ------------------------------------------------
    "credentials:wallet": page(shows=Shows(("credential",), "holder", link="credentials:json", kwargs={"public_id": "@public_id"})),
    "credentials:detail": page("credential", (CREDENTIAL_READERS, 404), kwargs={"public_id": "@public_id"}, reveals=(("@code", "holder"),)),
    "credentials:json": page("credential", (CREDENTIAL_READERS, 404), kwargs={"public_id": "@public_id"}),
    "credentials:pdf": page("credential", (CREDENTIAL_READERS, 404), kwargs={"public_id": "@public_id"}),
    "credentials:reprint": action("credential", ("admin, registrar@issuer", 404), kwargs={"public_id": "@public_id"}),
    "credentials:search": page(None, ("admin, registrar@any", 403),
                               shows=Shows(("credential",), "admin, registrar@issuer", link="credentials:detail", kwargs={"public_id": "@public_id"})),
    "credentials:zip": page(None, ("admin, registrar@any", 403)),
    # A shared set names the holder's own credentials only.
    "credentials:set_create": action("credential", ("holder", 404), data=lambda s, t: {"credentials": str(t.obj.public_id), "days": 7}),
    "credentials:set_revoke": action("credential", ("holder", 404), kwargs={"code": "@set_code"}),
    "credentials:share": action("credential", ("holder", 404), kwargs={"public_id": "@public_id"}, data={"days": 7}),
    "credentials:share_revoke": action("credential", ("holder", 404), kwargs={"public_id": "@public_id", "code": "@code"}),
    "credentials:share_revoke#foreign": action("credential", ("holder", 404), ("nobody", 404), kwargs={"public_id": "@public_id", "code": "@foreign_code"}),
    "credentials:registrar": page(None, ("admin, registrar@any", 403), form=True, data={"graduation_date": "2026-06-30"},
                                  shows=Shows(("credential",), "admin, registrar@issuer", link="credentials:state", kwargs={"public_id": "@public_id"})),
    "credentials:batch_status": page("batch", (BATCH_REGISTRARS, 404), kwargs={"pk": "@pk"}),
    "credentials:batch_approve": action("batch", (BATCH_REGISTRARS, 404), kwargs={"pk": "@pk"}),
    "credentials:state": action("credential", ("admin, registrar@issuer", 404), kwargs={"public_id": "@public_id"},
                                data={"state": "revoked", "reason": "Matrix"}),
    # Rotating an issuer's key (or declaring it compromised) is a registrar's act, not a coordinator's.
    "credentials:issuer_rotate": action("issuer", ("admin, registrar@institution", 404), kwargs={"pk": "@pk"}, data={"compromised": "1"}),
    "credentials:internship_certificate": action("mobility", (MOBILITY_PARTIES, 404), ("admin, coordinator@sending", 403),
                                                 kwargs={"agreement_id": "@pk"}),
    # Credentials: public addresses ----------------------------------------------------------------------------
    "verify": public(),
    "verify_code": public("credential", kwargs={"code": "@verify_code"}),
    "issuer_did": public("issuer", kwargs={"institution_id": "@institution_id"}),
    "ortaq_context": public(),
    "credential_status_list": public("issuer", kwargs={"issuer_id": "@pk", "purpose": "revocation"}),
    # Presentations from wallets: anyone may ask (as anyone may verify); the page answers whoever holds its secret.
    "presentation_request_new": public(),
    "presentation_request": public("presentation_request", kwargs={"secret": "@secret"}),
    "presentation_request_json": public("presentation_request", kwargs={"challenge": "@challenge"}),
    # Issuing into wallets: only the holder makes a credential's wallet offers; the issuer metadata is public.
    "credentials:add_to_wallet": page("credential", ("holder", 404), kwargs={"public_id": "@public_id"}, form=True),
    "openid_credential_issuer": public(),
    "oauth_authorization_server": public(),
    # Federation: the node's manifest is public; the inbox takes only requests signed by a trusted peer node, so
    # every browser POST (unsigned) is refused with 401, whoever is signed in (tests/federation/test_inbox.py).
    "federation_manifest": public(),
    "federation:inbox": Entry(anon=GATES, gates=(("nobody", 401),), post_only=True, data={}),
    # Training -------------------------------------------------------------------------------------------------
    "training:list": page(shows=Shows(("cohort",), COHORT_READERS, link="training:cohort")),
    "training:catalogue": page(),
    "training:create": page(None, ("admin, trainer@any", 403), form=True, data={"title": "Intruder"}),
    "training:report_institutions": page(None, (REPORT_READERS, 403)),
    # Participants' names to the trainers, their colleges' coordinators and registrars, and themselves.
    "training:cohort": page("cohort", (COHORT_READERS, 404), kwargs={"pk": "@pk"},
                            reveals=(("@enrolled_name", "admin, trainers, managers, coordinator|registrar@enrolled_from"),)),
    "training:report": page("cohort", (COHORT_READERS, 404), (f"{REPORT_READERS}, trainers", 403), kwargs={"pk": "@pk", "fmt": "csv"}),
    "training:self_assessment": page("cohort", (COHORT_READERS, 404), ("managers", 404), form=True,
                                     kwargs={"pk": "@pk", "phase": "before", "framework": "digcomporg"}),
    # Only the manager's own college nominates them.
    "training:nominate": action("cohort", (COHORT_READERS, 404), ("admin", 404), kwargs={"pk": "@pk"},
                                       data=lambda s, t: {"manager": t.value("manager")}),
    **{f"training:{name}": action("cohort", (COHORT_READERS, 404), (COHORT_TRAINERS, 403), kwargs={"pk": "@pk"},
                                         data=lambda s, t: {"enrolment": t.value("enrolment"), "kind": "final_project", "title": "x"})
       for name in ("enrol", "decline", "assess", "complete")},
    "training:enrol#foreign": action("cohort", (COHORT_READERS, 404), ("nobody", 404), kwargs={"pk": "@pk"},
                                            data=lambda s, t: {"enrolment": foreign("cohort", "enrolment")(s, t)}),
    "training:attendance": action("cohort", (COHORT_READERS, 404), (COHORT_TRAINERS, 403), kwargs={"pk": "@pk"},
                                         data=lambda s, t: {"session": t.value("session"), "present": [t.value("enrolment")]}),
    "training:feedback": action("cohort", (COHORT_READERS, 404), ("admin, trainers, managers", 403),
                                       kwargs={"pk": "@pk"}, data=lambda s, t: {"session": t.value("session"), "text": "Intruded"}),
    "training:set_state": action("cohort", (COHORT_READERS, 404), (COHORT_TRAINERS, 403), kwargs={"pk": "@pk"},
                                    data={"state": "completed"}),
    # Recognition ----------------------------------------------------------------------------------------------
    "recognition:list": page(shows=Shows(("dossier",), DOSSIER_READERS, link="recognition:dossier")),
    "recognition:rules": page(None, ("admin", 404), form=True, data={"hours_per_kz_credit": 1, "hours_per_cn_credit": 1, "hours_per_ects": 1}),
    # How often AI proposals were accepted: coordinators see their own institutions, the administrator and analysts all.
    "recognition:alignment_stats": page(None, ("admin, analyst, coordinator@any", 404)),
    # Pasting a home module's outcomes: as adding one on the programme's page (programmes:outcome_add).
    "recognition:outcomes_paste": page("programme", ("admin, coordinator|registrar@awarding", 404), kwargs={"module_id": "@module"}, form=True,
                                       data={"text": "Intrudes", "lang": "en", "save": "1"}),
    "recognition:open": action("mobility", (MOBILITY_PARTIES, 404), ("admin, coordinator@sending", 403), kwargs={"agreement_id": "@pk"}),
    "recognition:dossier": page("dossier", (DOSSIER_READERS, 404), kwargs={"pk": "@pk"}),
    "recognition:decide": action("dossier", (DOSSIER_READERS, 404), (DOSSIER_DECIDERS, 403), kwargs={"pk": "@pk"},
                                        data=lambda s, t: {"item": t.value("item"), "decision": "refused", "substantial_difference": "x"}),
    "recognition:decide#foreign": action("dossier", (DOSSIER_READERS, 404), (DOSSIER_DECIDERS, 403), ("nobody", 422),
                                                kwargs={"pk": "@pk"},
                                                data=lambda s, t: {"item": t.value("item"), "decision": "full", "home_module": t.value("foreign_module")}),
    "recognition:review#foreign": action("dossier", (DOSSIER_READERS, 404), ("nobody", 404), kwargs={"pk": "@pk"},
                                                data=lambda s, t: {"appeal": foreign("dossier", "appeal")(s, t), "outcome": "uphold", "response": "No"}),
    "recognition:sign": action("dossier", (DOSSIER_READERS, 404), (DOSSIER_DECIDERS, 403), kwargs={"pk": "@pk"}),
    "recognition:transcript": action("dossier", (DOSSIER_READERS, 404), (DOSSIER_DECIDERS, 403), kwargs={"pk": "@pk"}),
    "recognition:appeal": action("dossier", (DOSSIER_READERS, 404), ("student", 403), kwargs={"pk": "@pk"},
                                        data={"reason": "Intruded"}),
    "recognition:review": action("dossier", (DOSSIER_READERS, 404), ("admin, coordinator|registrar@home", 403),
                                        kwargs={"pk": "@pk"},
                                        data=lambda s, t: {"appeal": t.value("appeal"), "outcome": "uphold", "response": "No"}),
    # Analytics: open figures for everybody, a refresh for the ministry ----------------------------------------
    "analytics:dashboard": public(),
    "analytics:export": public(kwargs={"key": "funnel", "fmt": "csv"}),
    "analytics:open_data": public(kwargs={"key": "funnel", "fmt": "csv"}),
    "analytics:refresh": action(None, ("admin, analyst", 403)),
    "analytics:refresh_status": page("refresh", ("admin, analyst, coordinator@scope", 404), kwargs={"pk": "@pk"}),
    # Other public addresses -----------------------------------------------------------------------------------
    "set_language": public(ok=302),
    "javascript-catalog": public(),
    "api-v1:openapi-json": public(),
    "api-v1:openapi-view": public(),
    "api-v1:api-root": public(ok=404),
    # The API (/api/v1/, as its OpenAPI lists the operations) ----------------------------------------------------
    "GET /api/v1/institutions/": api(),
    "POST /api/v1/institutions/": api("institution", ("admin, coordinator@any", 403), data=_institution, ok=201, send_allowed=True),
    "GET /api/v1/institutions/{pk}": api("institution", kwargs={"pk": "@pk"}),
    "PATCH /api/v1/institutions/{pk}": api("institution", ("admin, coordinator@self", 403), kwargs={"pk": "@pk"}, data={"city": "Changed"},
                                           send_allowed=True),
    "GET /api/v1/agreements/": api(shows=Shows(AGREEMENT_KINDS, AGREEMENT_READERS)),
    "POST /api/v1/agreements/": api("institution", ("admin, coordinator@self", 403), data=_agreement, ok=201, send_allowed=True),
    "GET /api/v1/agreements/{pk}": api("agreement", (AGREEMENT_READERS, 404), kwargs={"pk": "@pk"}),
    "GET /api/v1/agreements/{pk}#draft": api("draft_agreement", (AGREEMENT_READERS, 404), kwargs={"pk": "@pk"}),
    "PATCH /api/v1/agreements/{pk}": api("draft_agreement", (AGREEMENT_READERS, 404), (AGREEMENT_EDITORS, 403), kwargs={"pk": "@pk"},
                                         data={"title": "Changed"}, send_allowed=True),
    # An agreement in effect or terminated is locked for everybody (400) before anybody's right to edit is asked.
    "PATCH /api/v1/agreements/{pk}#live": api("agreement", (AGREEMENT_READERS, 404), ("anyone if state=draft|proposed|approved", 400),
                                              (AGREEMENT_EDITORS, 403), kwargs={"pk": "@pk"}, data={"title": "Changed"}, send_allowed=True),
    "POST /api/v1/agreements/{pk}/conditions": api("draft_agreement", (AGREEMENT_READERS, 404), (AGREEMENT_EDITORS, 403), kwargs={"pk": "@pk"},
                                                   data=_condition, ok=201, send_allowed=True),
    "POST /api/v1/agreements/{pk}/propose": api("draft_agreement", (AGREEMENT_READERS, 404), ("admin, coordinator@initiator", 403),
                                                kwargs={"pk": "@pk"}, data={}, send_allowed=True),
    "POST /api/v1/agreements/{pk}/approve": api("proposed_agreement", (AGREEMENT_READERS, 404), ("admin, coordinator@first_party", 403),
                                                kwargs={"pk": "@pk"}, data=lambda s, t: {"institution_id": t.value("first_party_id")}),
    "GET /api/v1/programmes/": api(),
    "POST /api/v1/programmes/": api("institution", ("admin, coordinator|registrar@self", 403), data=_programme, ok=201, send_allowed=True),
    "GET /api/v1/programmes/{pk}": api("programme", kwargs={"pk": "@pk"}),
    "PATCH /api/v1/programmes/{pk}": api("programme", ("admin, coordinator|registrar@awarding", 403), kwargs={"pk": "@pk"},
                                         data={"title_en": "Changed"}, send_allowed=True),
    # VC-API issuance needs a registrar's token; an administrator must name the issuer (400 without one).
    "POST /api/v1/vc/credentials/issue": api(None, ("admin, registrar@any", 403), ("registrar@any", 400), data=VC_CREDENTIAL, ok=201,
                                             send_allowed=True),
    "POST /api/v1/vc/credentials/verify": api(anon=GATES, data={}, ok=400, send_allowed=True),  # public; {} is not a credential
    # VC-API status update: any account may ask; only a registrar of the issuer finds the credential (none here: 404).
    "POST /api/v1/vc/credentials/status": api(data={"credentialId": "urn:uuid:00000000-0000-0000-0000-000000000000",
                                                    "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
                                                    "status": True}, ok=404, send_allowed=True),
    "POST /api/v1/vc/presentations/verify": api(anon=GATES, data={}, ok=400, send_allowed=True),  # public; {} answers no request
    "POST /api/v1/vc/challenges": api(data={}, send_allowed=True),  # any account's verifier application (its token)
    # Wallets taking a credential: the offer's secret (or the access token) is the authority, whoever is signed in.
    "POST /api/v1/exchanges/{exchange_id}": api(anon=GATES, kwargs={"exchange_id": "unknown"}, data={}, ok=404, send_allowed=True),
    "GET /api/v1/exchanges/{exchange_id}/protocols": api(anon=GATES, kwargs={"exchange_id": "unknown"}, ok=404),
    # VC-API workflow: any account may read the workflow and ask for an exchange of a credential it holds (none here:
    # 404 for everyone); an exchange's state is its holder's only (an unknown one: 404); a wallet's steps are public.
    "GET /api/v1/workflows/{workflow_id}": api(kwargs={"workflow_id": "claim-credential"}),
    "POST /api/v1/workflows/{workflow_id}/exchanges": api(kwargs={"workflow_id": "claim-credential"},
                                                          data={"variables": {"credential": "00000000-0000-0000-0000-000000000000"}}, ok=404,
                                                          send_allowed=True),
    "GET /api/v1/workflows/{workflow_id}/exchanges/{exchange_id}": api(kwargs={"workflow_id": "claim-credential", "exchange_id": "unknown"}, ok=404),
    "POST /api/v1/workflows/{workflow_id}/exchanges/{exchange_id}": api(anon=GATES, kwargs={"workflow_id": "claim-credential", "exchange_id": "unknown"},
                                                                        data={}, ok=404, send_allowed=True),
    "GET /api/v1/workflows/{workflow_id}/exchanges/{exchange_id}/protocols": api(anon=GATES, kwargs={"workflow_id": "claim-credential",
                                                                                                     "exchange_id": "unknown"}, ok=404),
    "POST /api/v1/oid4vci/token": api(anon=GATES, data={}, ok=400, send_allowed=True),  # a form, not JSON (RFC 6749 §4.1.3)
    "POST /api/v1/oid4vci/nonce": api(anon=GATES, data={}, send_allowed=True),
    "POST /api/v1/oid4vci/credential": api(anon=GATES, data={}, ok=401, send_allowed=True),  # no Bearer token
    # Mobility through the API: the same gates as the pages, answered 401 / 403 / 404 instead of redirects.
    "GET /api/v1/mobility/calls/": api(shows=Shows(("call", "draft_call"), CALL_READERS)),
    "GET /api/v1/mobility/calls/{pk}": api("call", (CALL_READERS, 404), kwargs={"pk": "@pk"}),
    "GET /api/v1/mobility/calls/{pk}#draft": api("draft_call", (CALL_READERS, 404), kwargs={"pk": "@pk"}),
    "GET /api/v1/mobility/calls/{pk}/application": api("call", (CALL_READERS, 404), ("applicants", 404), kwargs={"pk": "@pk"}),
    # these calls' results are published: even an applicant's save is refused (400, "closed")
    "PUT /api/v1/mobility/calls/{pk}/application": api("call", (CALL_READERS, 404), ("student@owner", 403), ("nobody", 400), kwargs={"pk": "@pk"},
                                                       data={"year_of_study": 2, "grade": 90.0, "submit": True}),
    "POST /api/v1/mobility/calls/{pk}/application/withdraw": api("call", (CALL_READERS, 404), ("applicants", 404), kwargs={"pk": "@pk"}),
    "GET /api/v1/mobility/calls/{pk}/applications": api("call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"}),
    "POST /api/v1/mobility/calls/{pk}/applications/{application_id}/score": api(
        "call", (CALL_READERS, 404), ("admin, coordinator|registrar@owner", 404), (CALL_MANAGERS, 403), ("nobody", 400),
        kwargs={"pk": "@pk", "application_id": "@application"}, data={"motivation_score": 50, "interview_score": 50}),
    "POST /api/v1/mobility/calls/{pk}/applications/{application_id}/score#foreign": api(
        "call", (CALL_READERS, 404), ("nobody", 404), kwargs={"pk": "@pk", "application_id": "@foreign_application"},
        data={"motivation_score": 50, "interview_score": 50}),
    "POST /api/v1/mobility/calls/{pk}/rounds": api("call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"}, ok=201),
    "GET /api/v1/mobility/rounds/{pk}": api("round", (CALL_MANAGERS, 404), kwargs={"pk": "@pk"}),
    "GET /api/v1/mobility/rounds/{pk}/outcomes": api("round", (CALL_MANAGERS, 404), kwargs={"pk": "@pk"}),
    "POST /api/v1/mobility/rounds/{pk}/publish": api("round", (CALL_MANAGERS, 404), kwargs={"pk": "@pk"}),
    "GET /api/v1/mobility/nominations/": api(shows=Shows(("nomination",), "admin, host@host")),
    "POST /api/v1/mobility/nominations/{pk}/decide": api("nomination", ("admin, host@host", 404), kwargs={"pk": "@pk"}, data={"decision": "accept"}),
    # Nominations and agreements from other nodes (the host's side): none in the scene, 404 to all; who may is tested in
    # tests/federation/test_remote_nominations_api.py and test_remote_agreements_api.py.
    "GET /api/v1/mobility/nominations/remote/": api(),
    "POST /api/v1/mobility/nominations/remote/{pk}/decide": api(None, ("nobody", 404), kwargs={"pk": 999999999}, data={"decision": "accept"}),
    "GET /api/v1/mobility/agreements/remote/": api(),
    "GET /api/v1/mobility/agreements/remote/{pk}": api(None, ("nobody", 404), kwargs={"pk": 999999999}),
    "POST /api/v1/mobility/agreements/remote/{pk}/sign": api(None, ("nobody", 404), kwargs={"pk": 999999999}, data={"expected_version": 1}),
    "POST /api/v1/mobility/agreements/remote/{pk}/changes": api(None, ("nobody", 404), kwargs={"pk": 999999999},
                                                                data={"components": [{"title": "T"}], "reason_code": "other", "expected_version": 1}),
    "GET /api/v1/mobility/agreements/remote/{pk}/logbook": api(None, ("nobody", 404), kwargs={"pk": 999999999}),
    "POST /api/v1/mobility/agreements/remote/{pk}/logbook/{entry_id}/verify": api(None, ("nobody", 404), kwargs={"pk": 999999999, "entry_id": 1},
                                                                               data={"decision": "verify", "verified_hours": 1.0}),
    "POST /api/v1/mobility/agreements/remote/{pk}/results": api(None, ("nobody", 404), kwargs={"pk": 999999999},
                                                                data={"component": 0, "host_grade": "90", "host_scale": "percent"}),
    "POST /api/v1/mobility/agreements/remote/{pk}/evaluations": api(None, ("nobody", 404), kwargs={"pk": 999999999},
                                                                    data={"outcome": 1, "rating": "achieved"}),
    "POST /api/v1/mobility/agreements/remote/{pk}/transcript": api(None, ("nobody", 404), kwargs={"pk": 999999999}),
    # Steps only the web offered before (mobility/api_steps.py): the web's gates.
    "POST /api/v1/mobility/calls/{pk}/options": api("draft_call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"}, ok=201,
                                                    data=lambda s, t: {"offer_id": s.things["draft_offer"][0].obj.pk, "places": 1}),
    "GET /api/v1/mobility/placements/": api(),
    "POST /api/v1/mobility/placements/{pk}/answer": api("nomination", (PLACEMENT_SIDES, 404), ("learner", 403), kwargs={"pk": "@pk"},
                                                        data={"answer": "accept"}),
    "POST /api/v1/mobility/agreements/": api("nomination", (PLACEMENT_SIDES, 404), ("admin, learner, coordinator@owner", 403), ok=201,
                                             data=lambda s, t: {"nomination_id": t.obj.pk, "start_date": "2027-03-01", "end_date": "2027-05-01",
                                                                "components": [{"title": "Intruded"}]}),
    "PUT /api/v1/mobility/agreements/{pk}/components": api("mobility", (MOBILITY_PARTIES, 404), ("nobody", 400), kwargs={"pk": "@pk"},
                                                           data={"components": [{"title": "Intruded"}]}),
    "GET /api/v1/mobility/agreements/{pk}": api("mobility", (MOBILITY_PARTIES, 404), kwargs={"pk": "@pk"}),
    "POST /api/v1/mobility/agreements/{pk}/sign": api("mobility", (MOBILITY_PARTIES, 404), ("learner", 403), kwargs={"pk": "@pk"},
                                                      data={"party": "learner"}),
    "POST /api/v1/mobility/agreements/{pk}/changes": api("mobility", (MOBILITY_PARTIES, 404), kwargs={"pk": "@pk"}, ok=201,
                                                         data={"components": [{"title": "Intruded"}], "reason_code": "other"}),
    "GET /api/v1/mobility/agreements/{pk}/logbook": api("mobility", (MOBILITY_PARTIES, 404), kwargs={"pk": "@pk"}),
    "POST /api/v1/mobility/agreements/{pk}/logbook": api("mobility", (MOBILITY_PARTIES, 404), ("learner", 403), kwargs={"pk": "@pk"}, ok=201,
                                                         data=lambda s, t: {"week_start": t.value("week"), "hours": 20.0, "description": "Intruded"}),
    "POST /api/v1/mobility/agreements/{pk}/logbook/{entry_id}/verify": api(
        "mobility", (MOBILITY_PARTIES, 404), (MOBILITY_HOSTS, 403), kwargs={"pk": "@pk", "entry_id": "@entry"},
        data={"decision": "verify", "verified_hours": 30.0}),
    "POST /api/v1/mobility/agreements/{pk}/logbook/{entry_id}/verify#foreign": api(
        "mobility", (MOBILITY_PARTIES, 404), ("nobody", 404), kwargs={"pk": "@pk", "entry_id": "@foreign_entry"},
        data={"decision": "verify", "verified_hours": 30.0}),
    "POST /api/v1/mobility/calls/{pk}/open": api("draft_call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"}),
    "POST /api/v1/mobility/calls/{pk}/close": api("call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"}),
    "POST /api/v1/mobility/agreements/{pk}/changes/{proposal_id}/decide": api(
        "mobility", (MOBILITY_PARTIES, 404), ("admin, coordinator@sending, host@host", 403), kwargs={"pk": "@pk", "proposal_id": "@proposal"},
        data={"decision": "approve"}),
    "POST /api/v1/mobility/agreements/{pk}/evaluations": api("mobility", (MOBILITY_PARTIES, 404), (MOBILITY_HOSTS, 403), kwargs={"pk": "@pk"},
                                                             data=lambda s, t: {"outcome_id": t.value("outcome"), "rating": "achieved"}),
    "POST /api/v1/mobility/agreements/{pk}/transcript": api("mobility", (MOBILITY_PARTIES, 404), (MOBILITY_HOSTS, 403), kwargs={"pk": "@pk"},
                                                            data=lambda s, t: {"component_id": t.value("component"), "host_grade": "90",
                                                                               "host_scale": "percent"}),
    "GET /api/v1/mobility/offers/": api(shows=Shows(("draft_offer",), "admin, staff@host")),
    "GET /api/v1/mobility/offers/{pk}": api("draft_offer", ("admin, staff@host", 404), kwargs={"pk": "@pk"}),
    # Offers and calls written through the API (mobility/api_edit.py): the web's gates, then the state's.
    "POST /api/v1/mobility/offers/": api("institution", ("admin, host@self", 403), data=_offer, ok=201, send_allowed=True),
    "PATCH /api/v1/mobility/offers/{pk}": api("draft_offer", ("admin, staff@host", 404), ("admin, host@host", 403), kwargs={"pk": "@pk"},
                                              data={"places": 3}),
    "POST /api/v1/mobility/offers/{pk}/publish": api("draft_offer", ("admin, staff@host", 404), ("admin, host@host", 403), kwargs={"pk": "@pk"}),
    "POST /api/v1/mobility/calls/": api("institution", ("admin, coordinator@self", 403), data=_call, ok=201, send_allowed=True),
    "PATCH /api/v1/mobility/calls/{pk}": api("draft_call", (CALL_READERS, 404), (CALL_MANAGERS, 403), kwargs={"pk": "@pk"}, data={"title": "Matrix"}),
    "PATCH /api/v1/mobility/calls/{pk}#live": api("call", (CALL_READERS, 404), (CALL_MANAGERS, 403), ("nobody", 400), kwargs={"pk": "@pk"},
                                                  data={"title": "Matrix"}),
    # The registrar's desk through the API (credentials/api_registrar.py): the desk's gates.
    "GET /api/v1/credentials/batches/": api(shows=Shows(("batch",), BATCH_REGISTRARS)),
    # the holder is no student of the programme's colleges: whoever may prepare its batch is told so (422)
    "POST /api/v1/credentials/batches/": api("programme", ("admin, registrar@awarding", 403), ("nobody", 422), data=_batch),
    "GET /api/v1/credentials/batches/{pk}": api("batch", (BATCH_REGISTRARS, 404), kwargs={"pk": "@pk"}),
    "POST /api/v1/credentials/batches/{pk}/approve": api("batch", (BATCH_REGISTRARS, 404), kwargs={"pk": "@pk"}),
    "GET /api/v1/credentials/issued/": api(shows=Shows(("credential",), "admin, registrar@issuer")),
    "GET /api/v1/credentials/issued/{public_id}": api("credential", ("admin, registrar@issuer", 404), kwargs={"public_id": "@public_id"}),
    "POST /api/v1/credentials/issued/{public_id}/state": api("credential", ("admin, registrar@issuer", 404), kwargs={"public_id": "@public_id"},
                                                             data={"state": "revoked", "reason": "Matrix"}),
    # Recognition through the API: the pages' gates.
    "GET /api/v1/recognition/dossiers/": api(shows=Shows(("dossier",), DOSSIER_READERS)),
    "POST /api/v1/recognition/dossiers/": api("mobility", (MOBILITY_PARTIES, 404), ("admin, coordinator@sending", 403),
                                              data=lambda s, t: {"mobility_agreement_id": t.obj.pk}),
    "GET /api/v1/recognition/dossiers/{pk}": api("dossier", (DOSSIER_READERS, 404), kwargs={"pk": "@pk"}),
    "POST /api/v1/recognition/dossiers/{pk}/items/{item_id}/decide": api(
        "dossier", (DOSSIER_READERS, 404), (DOSSIER_DECIDERS, 403), kwargs={"pk": "@pk", "item_id": "@item"},
        data={"decision": "refused", "substantial_difference": "x"}),
    "POST /api/v1/recognition/dossiers/{pk}/items/{item_id}/decide#foreign": api(
        "dossier", (DOSSIER_READERS, 404), ("nobody", 404), kwargs={"pk": "@pk", "item_id": "@foreign_item"},
        data={"decision": "refused", "substantial_difference": "x"}),
    "POST /api/v1/recognition/dossiers/{pk}/items/{item_id}/decide#module": api(
        "dossier", (DOSSIER_READERS, 404), (DOSSIER_DECIDERS, 403), ("nobody", 422), kwargs={"pk": "@pk", "item_id": "@item"},
        data=lambda s, t: {"decision": "full", "home_module_id": t.value("foreign_module")}),
    "POST /api/v1/recognition/dossiers/{pk}/sign": api("dossier", (DOSSIER_READERS, 404), (DOSSIER_DECIDERS, 403), kwargs={"pk": "@pk"}),
    "POST /api/v1/recognition/dossiers/{pk}/appeals": api("dossier", (DOSSIER_READERS, 404), ("student", 403), kwargs={"pk": "@pk"}, ok=201,
                                                          data={"reason": "Intruded"}),
    "POST /api/v1/recognition/dossiers/{pk}/appeals/{appeal_id}/decide": api(
        "dossier", (DOSSIER_READERS, 404), ("admin, coordinator|registrar@home", 403), kwargs={"pk": "@pk", "appeal_id": "@appeal"},
        data={"outcome": "uphold", "response": "No"}),
    "POST /api/v1/recognition/dossiers/{pk}/appeals/{appeal_id}/decide#foreign": api(
        "dossier", (DOSSIER_READERS, 404), ("nobody", 404), kwargs={"pk": "@pk", "appeal_id": "@foreign_appeal"},
        data={"outcome": "uphold", "response": "No"}),
    "GET /api/v1/recognition/rules": api(None, ("admin", 404)),
    "POST /api/v1/recognition/rules": api(None, ("admin", 404), data={"hours_per_kz_credit": 1, "hours_per_cn_credit": 1, "hours_per_ects": 1}),
    # Training through the API: the cohort pages' gates (the service refuses a trainer of another provider too).
    "GET /api/v1/training/cohorts/": api(shows=Shows(("cohort",), COHORT_READERS)),
    "POST /api/v1/training/cohorts/": api(None, ("admin, trainer@any", 403), ok=201, data=_cohort),
    "GET /api/v1/training/cohorts/{pk}": api("cohort", (COHORT_READERS, 404), kwargs={"pk": "@pk"}),
    "POST /api/v1/training/cohorts/{pk}/nominations": api("cohort", (COHORT_READERS, 404), ("admin", 404), kwargs={"pk": "@pk"}, ok=201,
                                                          data=lambda s, t: {"manager_id": t.value("manager")}),
    "POST /api/v1/training/cohorts/{pk}/enrolments/{enrolment_id}/decide": api(
        "cohort", (COHORT_READERS, 404), (COHORT_TRAINERS, 403), kwargs={"pk": "@pk", "enrolment_id": "@enrolment"}, data={"decision": "decline"}),
    "POST /api/v1/training/cohorts/{pk}/enrolments/{enrolment_id}/assessments": api(
        "cohort", (COHORT_READERS, 404), (COHORT_TRAINERS, 403), kwargs={"pk": "@pk", "enrolment_id": "@enrolment"},
        data={"kind": "final_project", "title": "Intruded", "scores": {"analysis": 1, "tools": 1, "feasibility": 1, "ethics": 1}}),
    "POST /api/v1/training/cohorts/{pk}/enrolments/{enrolment_id}/complete": api(
        "cohort", (COHORT_READERS, 404), (COHORT_TRAINERS, 403), kwargs={"pk": "@pk", "enrolment_id": "@enrolment"}),
    "POST /api/v1/training/cohorts/{pk}/self-assessment": api("cohort", (COHORT_READERS, 404), ("managers", 404), kwargs={"pk": "@pk"},
                                                              data={"phase": "before", "framework": "digcomporg", "ratings": {"x": "1"}}),
    "GET /api/v1/analytics/datasets": api(anon=GATES),
    "GET /api/v1/analytics/datasets/{key}": api(anon=GATES, kwargs={"key": "funnel"}),
}

# Django's admin: only platform administrators (staff) get in; everybody else is sent to its sign-in page.
ADMIN_SPECIAL: dict[str, Entry] = {
    "admin:login": Entry(anon=200, ok=200),
    "admin:logout": Entry(anon=302, gates=(("admin", 302),), ok=405),  # POST only; anybody else is sent to the admin's index
    "admin:autocomplete": Entry(anon=ADMIN_LOGIN, gates=(("admin", ADMIN_LOGIN),), ok=403),  # without its parameters
    "admin:view_on_site": Entry(anon=ADMIN_LOGIN, gates=(("admin", ADMIN_LOGIN),), ok=404, kwargs={"content_type_id": 1, "object_id": "0"}),
}
ADMIN_PAGES = {"admin:index", "admin:app_list", "admin:password_change", "admin:password_change_done", "admin:jsi18n",
               "admin:None"}  # admin:None: <object id>/, an unnamed redirect to the change page
ADMIN_MODEL_URL = re.compile(r"^admin:(?P<app>\w+?)_(?P<model>[a-z0-9]+)_(?P<view>changelist|add|change|delete|history)$")


# The rule language ----------------------------------------------------------------------------------------------

STAFF = {"coordinator", "registrar", "teacher", "trainer", "company_supervisor"}
ROLE_WORDS = {
    "coordinator": {"coordinator"}, "registrar": {"registrar"}, "teacher": {"teacher"}, "student": {"student"}, "trainer": {"trainer"},
    "supervisor": {"company_supervisor"}, "manager": {"manager_in_training"}, "staff": STAFF, "host": {"coordinator", "company_supervisor"},
    "member": {"student", "teacher", "coordinator", "registrar", "company_supervisor", "manager_in_training", "trainer", "ministry_analyst",
               "platform_admin"},
}


def _state_holds(condition: str, thing: Thing | None) -> bool:
    name, negated, values = re.fullmatch(r"(\w+)(!?)=([\w|]+)", condition).groups()
    assert name == "state", condition
    inside = thing is not None and thing.state in values.split("|")
    return not inside if negated else inside


def passes(rule: str, viewer: Viewer, thing: Thing | None) -> bool:
    """Whether the viewer passes `rule` (comma-separated grants) for this record."""
    for grant in (g.strip() for g in rule.split(",")):
        who, _if, condition = grant.partition(" if ")
        if condition and not _state_holds(condition, thing):
            continue
        if _grants(who.strip(), viewer, thing):
            return True
    return False


def _grants(who: str, viewer: Viewer, thing: Thing | None) -> bool:
    if who in ("public", "anyone"):
        return True
    if who == "nobody" or viewer.user is None:
        return False
    if who == "signed_in":
        return True
    if who == "admin":
        return viewer.is_admin
    if who == "analyst":
        return viewer.is_ministry
    if "@" in who:
        roles_text, relation = who.split("@")
        roles = set().union(*(ROLE_WORDS[r] for r in roles_text.split("|")))
        institutions = viewer.institutions if relation == "any" else thing.inst[relation]
        return any(viewer.roles.get(i, frozenset()) & roles for i in institutions)
    return viewer.user.pk in thing.people[who]


def expected(entry: Entry, viewer: Viewer, thing: Thing | None, *, posting: bool) -> Any:
    """What this viewer should get: a status code, LOGIN, ADMIN_LOGIN or MESSAGE."""
    if viewer.user is None and entry.anon != GATES:
        return entry.anon
    if entry.post_only and not posting:
        return entry.get
    for rule, refusal in entry.gates:
        if not passes(rule, viewer, thing):
            return refusal
    return entry.ok


# Running it -----------------------------------------------------------------------------------------------------

ALWAYS_WRITABLE = {"django_session", "ortaq_cache"}  # signing in and throttling counters
WRITE_SQL = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`"]?(\w+)', re.IGNORECASE)


def writes_in(queries) -> list[str]:
    found = []
    for query in queries:
        match = WRITE_SQL.match(query["sql"])
        if not match or match[2] in ALWAYS_WRITABLE:
            continue
        if match[1].upper() == "UPDATE" and match[2] == "accounts_apitoken":  # a token's last use
            continue
        found.append(query["sql"][:140])
    return found


@dataclass
class Answer:
    status: int
    location: str = ""
    messages: bool = False
    writes: list[str] = field(default_factory=list)
    error: str = ""
    content: bytes = b""


def ask(client: Client, method: str, url: str, *, data=None, json_body: bool = False, headers: dict | None = None) -> Answer:
    """One request in a savepoint that is rolled back, noting what it tried to write."""
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            try:
                call = getattr(client, method)
                if json_body:
                    response = call(url, data=json.dumps(data), content_type="application/json", **(headers or {}))
                elif method == "get":
                    response = call(url, **(headers or {}))
                else:
                    response = call(url, data or {}, **(headers or {}))
            except Exception as error:  # noqa: BLE001 - a crash is one more wrong answer to report
                transaction.set_rollback(True)
                return Answer(500, error=f"{type(error).__name__}: {error}"[:200])
            transaction.set_rollback(True)
    cookie = response.cookies.get("messages")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return Answer(response.status_code, response.get("Location", ""), bool(cookie and cookie.value), writes_in(queries.captured_queries), content=content)


def judge(answer: Answer, want: Any, *, login_url: str, admin_login_url: str = "/admin/login/", refused: bool) -> str | None:
    """None when the answer is the expected one, else what went wrong."""
    if answer.error:
        return f"raised {answer.error}"
    if want == LOGIN:
        ok = answer.status == 302 and answer.location.startswith(login_url)
    elif want == ADMIN_LOGIN:
        ok = answer.status == 302 and answer.location.startswith(admin_login_url)
    elif want == MESSAGE:
        ok = answer.status == 302 and not answer.location.startswith(login_url) and answer.messages
    else:
        ok = answer.status == want
    problems = [] if ok else [f"got {answer.status} {answer.location}".rstrip()]
    if refused and answer.writes:
        problems.append(f"wrote {answer.writes}")
    return "; ".join(problems) or None


def shown_wrongly(shows: Shows, answer: Answer, scene: Scene, viewer: Viewer, *, is_api: bool) -> list[str]:
    """The records a list shows but should not, and those it should show but does not."""
    if is_api:
        present = {item["id"] for item in json.loads(answer.content)["items"]}
    else:
        page = answer.content.decode()
    problems, seen = [], set()
    for kind in shows.kinds:
        for thing in scene.things[kind]:
            if thing.obj.pk in seen:
                continue
            seen.add(thing.obj.pk)
            if is_api:
                shown = thing.obj.pk in present
            elif shows.link:
                shown = reverse(shows.link, kwargs={k: resolve(v, thing) for k, v in shows.kwargs.items()}) in page
            else:
                text = str(resolve(shows.text, thing))
                shown = text in page or html.escape(text) in page
            should = passes(shows.rule, viewer, thing)
            if shown != should:
                problems.append(f"{'shows' if shown else 'does not show'} {thing.label}")
    return problems


def every_page(client: Client, url: str, first: bytes) -> bytes:
    """A paginated list's pages one after the other, following rel="next" (a page number past the last answers
    the last page again, so the link, not the status, says when to stop)."""
    content, number = first, 1
    while b'rel="next"' in content and number < 50:
        number += 1
        content = ask(client, "get", f"{url}?page={number}").content
        first += content
    return first


def revealed_wrongly(entry: Entry, answer: Answer, viewer: Viewer, thing: Thing | None) -> list[str]:
    """The texts of the record a page shows to a viewer who may not see them, or hides from one who may."""
    page, problems = answer.content.decode(errors="replace"), []  # a download (a ZIP) is bytes, not a page
    for name, rule in entry.reveals:
        text = str(resolve(name, thing) or "")
        if not text:
            continue
        shown = text in page or html.escape(text) in page
        if shown != passes(rule, viewer, thing):
            problems.append(f"{'reveals' if shown else 'hides'} {name[1:]} {text!r}")
    return problems


def sides(entry: Entry, scene: Scene, role: str):
    if entry.kind is None:
        yield "-", None
        return
    for side in ("own", "other"):
        thing = scene.pick(entry.kind, role, side)
        if thing is not None:
            yield side, thing


def resolve(value, thing: Thing | None):
    return thing.value(value[1:]) if isinstance(value, str) and value.startswith("@") else value


def body(entry: Entry, scene: Scene, thing: Thing | None) -> dict:
    data = entry.data(scene, thing) if callable(entry.data) else entry.data
    return dict(data or {})


def check_entry(key: str, entry: Entry, scene: Scene, clients: dict[str, Client]) -> list[str]:
    failures = []
    name = key.split("#")[0]
    is_api = " " in name
    login_url = reverse("accounts:login")
    for role, client in clients.items():
        viewer = scene.viewers[role]
        for side, thing in sides(entry, scene, role):
            kwargs = {k: resolve(v, thing) for k, v in entry.kwargs.items()}
            label = f"{role:11} {side:5} {thing.label if thing else ''}"
            if is_api:
                method, path = name.split(" ", 1)
                url = path.format(**kwargs)
                headers = {"HTTP_AUTHORIZATION": f"Bearer {scene.tokens[role]}"} if viewer.user else {}
                want = expected(entry, viewer, thing, posting=True)
                if method == "GET":
                    answer = ask(client, "get", url, headers=headers)
                    problem = judge(answer, want, login_url=login_url, refused=False)
                    if not problem and entry.shows and answer.status == 200:
                        failures += [f"{label}: GET {url} {wrong}" for wrong in shown_wrongly(entry.shows, answer, scene, viewer, is_api=True)]
                elif want != entry.ok or entry.send_allowed:
                    problem = judge(ask(client, method.lower(), url, data=body(entry, scene, thing), json_body=True, headers=headers), want,
                                    login_url=login_url, refused=want != entry.ok)
                else:
                    continue
                if problem:
                    failures.append(f"{label}: {method} {url}: {problem}; expected {want}")
                continue
            url = reverse(name, kwargs=kwargs)
            want = expected(entry, viewer, thing, posting=False)
            answer = ask(client, "get", url)
            problem = judge(answer, want, login_url=login_url, refused=False)
            if not problem and entry.shows and answer.status == 200:
                listed = replace(answer, content=every_page(client, url, answer.content)) if entry.shows.every_page else answer
                failures += [f"{label}: GET {url} {wrong}" for wrong in shown_wrongly(entry.shows, listed, scene, viewer, is_api=False)]
            if not problem and answer.status == 200:
                failures += [f"{label}: GET {url} {wrong}" for wrong in revealed_wrongly(entry, answer, viewer, thing)]
            if problem:
                failures.append(f"{label}: GET {url}: {problem}; expected {want}")
            if entry.post_only or entry.form:
                want = expected(entry, viewer, thing, posting=True)
                refused = want != entry.ok
                if refused or (entry.send_allowed and entry.post_only):
                    problem = judge(ask(client, "post", url, data=body(entry, scene, thing)), want, login_url=login_url, refused=refused)
                    if problem:
                        failures.append(f"{label}: POST {url}: {problem}; expected {want}")
    return failures


# Fixtures ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data and the matrix's records, built once for the module and rolled back after it."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    )
    with django_db_blocker.unblock(), fast, pytest.MonkeyPatch.context() as patch, translation.override("en"):
        # The matrix asks who may download a PDF; rendering one is the PDF tests' business (and slow).
        patch.setattr("ortaq.agreements.pdf.agreement_pdf_bytes", lambda agreement, language: b"%PDF-1.7 matrix")
        patch.setattr("ortaq.credentials.views.credential_pdf", lambda credential, language, second_language: b"%PDF-1.7 matrix")
        with transaction.atomic():
            built = build_scene()
            built.clients = {}
            for role in [*ROLE_LOGINS, ANONYMOUS]:
                client = Client()
                if role != ANONYMOUS:
                    client.force_login(built.viewers[role].user)
                built.clients[role] = client
            yield built
            transaction.set_rollback(True)


def _param(key: str, entry: Entry):
    marks = [pytest.mark.xfail(strict=True, reason=entry.xfail)] if entry.xfail else []
    return pytest.param(key, entry, id=key, marks=marks)


@pytest.mark.django_db
@pytest.mark.parametrize("key, entry", [_param(k, e) for k, e in MATRIX.items()])
def test_every_login_gets_the_expected_answer_from(scene, key, entry):
    failures = check_entry(key, entry, scene, scene.clients)
    assert not failures, f"{key}:\n  " + "\n  ".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans"])
def test_the_language_prefix_does_not_change_who_gets_in(scene, language):
    """The pages answer under /kk/, /ru/ and /zh-hans/ as under /en/: signed out, and as a student about another
    college's records (the matrix above asks everything under /en/)."""
    failures = []
    with translation.override(language):
        login_url = reverse("accounts:login")
        for key, entry in MATRIX.items():
            name = key.split("#")[0]
            if " " in name or not reverse("web:home").startswith(f"/{language}/"):
                continue
            for role in (ANONYMOUS, "student"):
                thing = scene.pick(entry.kind, role, "other") if entry.kind else None
                url = reverse(name, kwargs={k: resolve(v, thing) for k, v in entry.kwargs.items()})
                if not url.startswith(f"/{language}/"):
                    continue
                want = expected(entry, scene.viewers[role], thing, posting=False)
                problem = judge(ask(scene.clients[role], "get", url), want, login_url=login_url, refused=False)
                if problem:
                    failures.append(f"{role} GET {url}: {problem}; expected {want}")
    assert not failures, "\n  ".join(failures)


# Completeness -----------------------------------------------------------------------------------------------------

def url_names() -> set[str]:
    """Every URL pattern's name (namespace:name), walking the whole URL configuration."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n)
                walk(pattern.url_patterns, inner)
            else:
                names.add(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))

    walk(get_resolver().url_patterns, "")
    return names


def api_operations() -> set[str]:
    from ortaq.api import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, operations in schema["paths"].items() for method in operations}


def test_every_url_and_api_operation_has_an_entry_in_the_matrix():
    from ortaq.api import api as ninja_api

    # The API's URL patterns are named after their operations' functions; the operations are checked by method and path.
    operation_ids = [op["operationId"] for ops in ninja_api.get_openapi_schema()["paths"].values() for op in ops.values()]
    keys = {k.split("#")[0] for k in MATRIX}
    missing_urls = sorted(
        n for n in url_names()
        if n not in keys and n not in ADMIN_SPECIAL and n not in ADMIN_PAGES and not ADMIN_MODEL_URL.match(n)
        and not (n.startswith("api-v1:") and any(i.endswith("_" + n.split(":", 1)[1]) for i in operation_ids))
    )
    missing_operations = sorted(api_operations() - keys)
    assert not missing_urls and not missing_operations, (
        f"URLs without an entry in MATRIX: {missing_urls}\nAPI operations without an entry: {missing_operations}")


def test_every_entry_of_the_matrix_names_a_url_or_operation_that_exists():
    keys = {k.split("#")[0] for k in MATRIX}
    unknown = sorted(k for k in keys if k not in url_names() and k not in api_operations())
    assert not unknown


def test_every_record_kind_the_matrix_uses_has_a_record_of_another_institution_for_every_login(scene):
    for key, entry in MATRIX.items():
        if entry.kind:
            for role in ROLE_LOGINS:
                assert scene.pick(entry.kind, role, "other") is not None, (key, role)


# Django's admin ---------------------------------------------------------------------------------------------------

def admin_urls(scene: Scene) -> list[tuple[str, str, int]]:
    """(name, url, what an administrator gets) for the admin index, every app and every registered model's
    pages (on its first record). Models kept read-only even for administrators (the audit log) answer 403 to
    adding and deleting."""
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = scene.viewers["admin"].user
    urls = [("admin:index", reverse("admin:index"), 200)]
    for label in sorted({m._meta.app_label for m in admin.site._registry}):
        urls.append(("admin:app_list", reverse("admin:app_list", kwargs={"app_label": label}), 200))
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        urls += [(f"{base}_changelist", reverse(f"{base}_changelist"), 200),
                 (f"{base}_add", reverse(f"{base}_add"), 200 if model_admin.has_add_permission(request) else 403)]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            for view in ("change", "history"):
                urls.append((f"{base}_{view}", reverse(f"{base}_{view}", kwargs={"object_id": first.pk}), 200))
            deletable = model_admin.has_delete_permission(request, first)
            urls.append((f"{base}_delete", reverse(f"{base}_delete", kwargs={"object_id": first.pk}), 200 if deletable else 403))
    for name in ("admin:password_change", "admin:password_change_done", "admin:jsi18n"):
        urls.append((name, reverse(name), 200))
    return urls


@pytest.mark.django_db
def test_only_platform_administrators_get_into_the_django_admin(scene):
    failures = []
    login_url = reverse("accounts:login")
    targets = [(n, reverse(n, kwargs=e.kwargs or None), e) for n, e in ADMIN_SPECIAL.items()]
    targets += [(n, u, Entry(anon=ADMIN_LOGIN, gates=(("admin", ADMIN_LOGIN),), ok=ok)) for n, u, ok in admin_urls(scene)]
    for name, url, entry in targets:
        for role, client in scene.clients.items():
            viewer = scene.viewers[role]
            want = expected(entry, viewer, None, posting=False)
            if name == "admin:login" and viewer.is_admin:
                want = 302  # already in
            problem = judge(ask(client, "get", url), want, login_url=login_url, refused=False)
            if problem:
                failures.append(f"{role:11} GET {url} ({name}): {problem}; expected {want}")
    assert not failures, "\n  ".join(failures)
