"""Every operation of the REST API with a caller allowed to use it and a valid request, shared by the hostile-input
test and the OpenAPI fuzzing: both walk the OpenAPI document and fail when an operation is missing here."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from ortaq.accounts.services import api_token_create
from ortaq.agreements import services as agreement_services
from ortaq.credentials.exchanges import WORKFLOW
from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ProgrammeDetails
from tests.conftest import World, agreement_data, agreement_terms, condition_data, condition_terms

OPENAPI = "/api/v1/openapi.json"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
# Reference tables nobody writes through the API, and rows every authenticated call may touch (token use).
UNWATCHED = {"auth.Permission", "contenttypes.ContentType", "accounts.ApiToken", "sessions.Session"}
CHANGED_IN_PLACE = {"accounts", "institutions", "agreements", "programmes", "credentials", "analytics"}


@dataclass
class Scene:
    """The world of tests/conftest.py plus one record of each kind an operation's path can name."""

    world: World
    draft: object  # an agreement A drafts with C
    proposed: object  # an agreement B proposed to C
    programme: object  # a programme awarded by A
    credential: dict  # a credential A's registrar signed through the VC-API
    dataset: str = "funnel"

    @cached_property
    def mobility(self) -> dict:
        """Calls, an application, rounds, nominations and a signed agreement (tests/mobility/api_scene.py), built
        only for the mobility operations: the journey takes a few seconds."""
        from tests.mobility.api_scene import mobility_scene

        return mobility_scene(self.world)

    @cached_property
    def recognition(self) -> dict:
        """An open dossier with its components decided and a signed one under appeal (tests/recognition/api_scene.py)."""
        from tests.recognition.api_scene import recognition_scene

        return recognition_scene(self.world, self.mobility)

    @cached_property
    def training(self) -> dict:
        """A cohort of C's course with a nominee and an enrolled manager of A (tests/training/api_scene.py)."""
        from tests.training.api_scene import training_scene

        return training_scene(self.world)


@dataclass(frozen=True)
class Operation:
    user: str | None  # whose token calls it; None for a public operation
    path: Callable[[Scene], dict] = lambda s: {}  # values of the path's parameters
    body: Callable[[Scene], dict] | None = None  # a valid body
    query: dict[str, str] = field(default_factory=dict)  # valid query parameters
    ok: int = 200  # what the valid request answers
    strict: bool = True  # unknown body fields are refused (the VC-API tolerates unknown members, as its spec asks)


def _wallet_offer(scene: Scene) -> str:
    """A fresh VC-API wallet offer of the scene's credential (credentials.exchanges): its secret names the exchange."""
    import datetime as dt
    import secrets

    from django.utils import timezone

    from ortaq.credentials.models import IssuedCredential, WalletOffer

    credential = IssuedCredential.objects.latest("pk")  # the scene's VC-API credential
    return WalletOffer.objects.create(protocol="vc-api", credential=credential, holder=scene.world["student_a"], secret=secrets.token_urlsafe(32),
                                      expires_at=timezone.now() + dt.timedelta(minutes=15)).secret


def _held_credential(scene: Scene) -> str:
    """The public id of the scene's VC-API credential, handed to student A (a holder may take it to a wallet)."""
    from ortaq.credentials.models import IssuedCredential

    credential = IssuedCredential.objects.order_by("pk").first()
    assert credential is not None
    IssuedCredential.objects.filter(pk=credential.pk).update(holder=scene.world["student_a"])
    return str(credential.public_id)


def _presentation_challenge() -> str:
    from ortaq.credentials.presentations import presentation_request_create

    return presentation_request_create().challenge


def _pending_proposal(scene: Scene):
    """A change the learner proposed to the scene's agreement, made once per scene."""
    from ortaq.mobility import during

    if "proposal" not in scene.mobility:
        agreement = scene.mobility["agreement"]
        scene.mobility["proposal"] = during.change_propose(
            actor=scene.mobility["learner"], agreement=agreement, components=[{"title": "Test cabinets", "credits": "4", "hours": 120}],
            reason_code="other", comment="", expected_version=agreement.version)
    return scene.mobility["proposal"]


def _draft_offer(scene: Scene):
    """A draft offer of C (a host), made once per scene: an offer a call already uses can no longer change."""
    if not hasattr(scene, "_draft_offer"):
        from ortaq.mobility import services
        from tests.mobility.conftest import offer_input

        scene._draft_offer = services.offer_create(actor=scene.world["coordinator_c"], host=scene.world.c, offer=offer_input())  # type: ignore[attr-defined]
    return scene._draft_offer  # type: ignore[attr-defined]


def _draft_call(scene: Scene):
    """A draft call of A, made once per scene: only a draft call can change."""
    if not hasattr(scene, "_draft_call"):
        from ortaq.mobility import services
        from tests.mobility.conftest import call_input

        scene._draft_call = services.call_create(actor=scene.world["coordinator_a"], owner=scene.world.a, call=call_input())  # type: ignore[attr-defined]
    return scene._draft_call  # type: ignore[attr-defined]


def _remote_nomination(scene: Scene):
    """A nomination to C made on another node (mobility.RemoteNomination), received once per scene."""
    if not hasattr(scene, "_remote_nomination"):
        from ortaq.mobility import remote_services
        from ortaq.mobility.types import RemoteNominationInput
        from tests.conftest import make_institution

        node = "https://cn.ortaq.example"
        sending = make_institution("Tianjin VU", country="CN", node=node)  # the mirror of a college the remote node hosts
        scene._remote_nomination = remote_services.remote_nomination_receive(nomination=RemoteNominationInput(  # type: ignore[attr-defined]
            home_node=node, home_id="41", host=scene.world.c, sending=sending, learner_name="王芳", learner_name_latin="Wang Fang",
            call_title="赴哈萨克斯坦实习 2026", call_language="zh"))
    return scene._remote_nomination  # type: ignore[attr-defined]


def _remote_agreement(scene: Scene, *, signed: bool):
    """C's copies of two agreements drafted on another node, received once per scene through the services the
    federation calls: one to sign, one signed by all with a submitted logbook week and every component graded."""
    if not hasattr(scene, "_remote_agreements"):
        import datetime as dt
        from decimal import Decimal

        from ortaq.institutions.models import Institution
        from ortaq.mobility import remote_agreement_services, remote_logbook_services, remote_services, remote_transcript_services
        from ortaq.mobility.types import RemoteMobilityAgreementInput, RemoteNominationInput
        from tests.conftest import make_institution

        node, coordinator = "https://cn.ortaq.example", scene.world["coordinator_c"]
        sending = Institution.objects.filter(node=node, name_latin="Tianjin VU").first() or make_institution("Tianjin VU", country="CN", node=node)
        content = {"kind": "training", "start_date": "2026-09-01", "end_date": "2026-11-30", "weekly_hours": 30,
                   "components": [{"code": "C1", "title": "装配线调试", "credits": "5.0", "hours": 120, "recognition": "Module 7", "outcomes": [3, 5]}]}
        sha256 = remote_agreement_services.agreement_content_sha256(content)
        rows = {}
        for home_id, key in (("61", "to_sign"), ("62", "signed")):
            nomination = remote_services.remote_nomination_receive(nomination=RemoteNominationInput(
                home_node=node, home_id=home_id, host=scene.world.c, sending=sending, learner_name="王芳", learner_name_latin="Wang Fang",
                call_title="赴哈萨克斯坦实习 2026", call_language="zh"))
            remote_services.remote_nomination_decide(actor=coordinator, nomination=nomination, accept=True)
            rows[key] = remote_agreement_services.remote_agreement_receive(agreement=RemoteMobilityAgreementInput(
                home_node=node, home_id=f"5{home_id}", nomination_home_id=home_id, version=1, sha256=sha256, content=content,
                outcome_texts={"3": {"en": "Commission a PLC-controlled line"}}))
        signatures = [{"party": party, "version": 1, "sha256": sha256} for party in ("learner", "sending", "receiving")]
        rows["signed"] = remote_agreement_services.remote_agreement_apply_state(node=node, home_id="562", version=1, sha256=sha256, state="signed",
                                                                                signatures=signatures)
        rows["week"] = remote_logbook_services.remote_logbook_receive(node=node, agreement_home_id="562", entry_home_id="301", week_start=dt.date(2026, 9, 7),
                                                                      hours=Decimal("32.0"), description="调试二号线的PLC", outcomes=[3])
        remote_transcript_services.remote_result_record(actor=coordinator, agreement=rows["signed"], component=0, host_grade="92", host_scale="percent")
        scene._remote_agreements = rows  # type: ignore[attr-defined]
    return scene._remote_agreements["signed" if signed else "to_sign"]  # type: ignore[attr-defined]


def _remote_week(scene: Scene):
    _remote_agreement(scene, signed=True)
    return scene._remote_agreements["week"]  # type: ignore[attr-defined]


def _batch(scene: Scene):
    """A batch of A's programme prepared by registrar_a, made once per scene (the admin approves it: four eyes)."""
    if not hasattr(scene, "_batch"):
        import datetime as dt

        from ortaq.credentials import services

        scene._batch = services.batch_request(actor=scene.world["registrar_a"], programme=scene.programme,  # type: ignore[attr-defined]
                                              holders=[scene.world["student_a"]], graduation_date=dt.date(2026, 6, 30))
    return scene._batch  # type: ignore[attr-defined]


def _issued_id(scene: Scene) -> str:
    """The public id of the credential A's registrar signed through the VC-API in the scene."""
    from ortaq.credentials.models import IssuedCredential

    return str(IssuedCredential.objects.order_by("pk").values_list("public_id", flat=True).first())


def _digcomporg_ratings() -> dict:
    from ortaq.engines import frameworks as fw

    spec = fw.competency_framework("digcomporg")
    return {e.code: spec.levels[0].code for e in spec.elements}


def _credential() -> dict:
    return {"@context": [VC_V2], "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:holder"},
            "validFrom": "2026-01-01T00:00:00Z"}


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/api/v1/institutions/"): Operation("coordinator_a", query={"q": "College", "kind": "college", "country": "KZ", "region": "", "page": "1"}),
    ("POST", "/api/v1/institutions/"): Operation(
        "coordinator_a", ok=201,
        body=lambda s: {"kind": "college", "name_original": "Колледж Д", "name_latin": "College D", "country": "KZ", "city": "Almaty",
                        "accessibility_facilities": ["step_free_access"]},
    ),
    ("GET", "/api/v1/institutions/{pk}"): Operation("coordinator_a", path=lambda s: {"pk": s.world.a.pk}),
    ("PATCH", "/api/v1/institutions/{pk}"): Operation(
        "coordinator_a", path=lambda s: {"pk": s.world.a.pk},
        body=lambda s: {"city": "Shymkent", "website": "https://a.example.kz", "accessibility_facilities": ["sign_language"]},
    ),
    ("GET", "/api/v1/agreements/"): Operation("coordinator_a", query={"q": "A", "state": "draft", "kind": "inter_institutional", "institution": "1", "mobility_type": "student_internship", "page": "1"}),
    ("POST", "/api/v1/agreements/"): Operation(
        "coordinator_a", ok=201,
        body=lambda s: {**agreement_data(title="A–C study"), "initiator_id": s.world.a.pk, "party_ids": [s.world.c.pk]},
    ),
    ("GET", "/api/v1/agreements/{pk}"): Operation("coordinator_a", path=lambda s: {"pk": s.draft.pk}),
    ("PATCH", "/api/v1/agreements/{pk}"): Operation(
        "coordinator_a", path=lambda s: {"pk": s.draft.pk},
        body=lambda s: {"title": "Edited", "summary": "Internships in Urumqi", "start_year": 2025, "end_year": 2029, "expected_version": s.draft.version},
    ),
    ("POST", "/api/v1/agreements/{pk}/conditions"): Operation(
        "coordinator_a", ok=201, path=lambda s: {"pk": s.draft.pk},
        body=lambda s: {**condition_data(s.world.c, s.world.a, places_per_year=2), "expected_version": s.draft.version},
    ),
    ("POST", "/api/v1/agreements/{pk}/propose"): Operation("coordinator_a", path=lambda s: {"pk": s.draft.pk}),
    ("POST", "/api/v1/agreements/{pk}/approve"): Operation(
        "coordinator_c", path=lambda s: {"pk": s.proposed.pk},
        body=lambda s: {"institution_id": s.world.c.pk, "expected_version": s.proposed.version},
    ),
    ("GET", "/api/v1/programmes/"): Operation("registrar_a", query={"q": "Mech", "institution": "1", "isced": "0714", "page": "1"}),
    ("POST", "/api/v1/programmes/"): Operation(
        "registrar_a", ok=201,
        body=lambda s: {"code": "P-N", "title_en": "Welding", "title_kk": "Дәнекерлеу", "isced_code": "0715", "eqf_level": "5",
                        "languages": ["kk", "zh"], "duration_months": 24, "awarding_institution_ids": [s.world.a.pk]},
    ),
    ("GET", "/api/v1/programmes/{pk}"): Operation("registrar_a", path=lambda s: {"pk": s.programme.pk}),
    ("PATCH", "/api/v1/programmes/{pk}"): Operation(
        "registrar_a", path=lambda s: {"pk": s.programme.pk}, body=lambda s: {"title_en": "Mechatronics II", "eqf_level": "5"},
    ),
    ("POST", "/api/v1/vc/credentials/issue"): Operation(
        "registrar_a", ok=201, strict=False, body=lambda s: {"credential": _credential(), "options": {}},
    ),
    ("POST", "/api/v1/vc/credentials/status"): Operation(
        "registrar_a", strict=True, body=lambda s: {"credentialId": s.credential["id"],
                                                    "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"},
                                                    "status": True, "reason": "Under review"}),
    ("POST", "/api/v1/vc/credentials/verify"): Operation(
        None, strict=False, body=lambda s: {"verifiableCredential": s.credential, "options": {}},
    ),
    # An open request's challenge and a presentation nobody signed: well-formed, so answered 422 (not verified), and
    # every hostile variation of it is refused without a write (a presentation that does not verify writes nothing).
    ("POST", "/api/v1/vc/presentations/verify"): Operation(
        None, strict=False, ok=422, body=lambda s: {
            "verifiablePresentation": {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": "did:example:holder",
                                       "verifiableCredential": [s.credential]},
            "options": {"challenge": _presentation_challenge()}},
    ),
    # A verifier application's challenge (VC-API "create challenge"): asked for with an empty body.
    ("POST", "/api/v1/vc/challenges"): Operation("registrar_b"),  # no body (hostile ones: tests/credentials/test_vc_api_challenges.py)
    # Issuing into wallets: a presentation before the exchange asked for one is refused (400, nothing written); the
    # token endpoint takes a form, so any JSON body is an invalid request (400); the credential endpoint refuses a
    # request without a Bearer token (401). The flows themselves: tests/credentials/test_exchanges*.py, test_oid4vci.py.
    ("POST", "/api/v1/exchanges/{exchange_id}"): Operation(None, strict=False, ok=400, path=lambda s: {"exchange_id": _wallet_offer(s)}, body=lambda s: {
        "verifiablePresentation": {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": "did:example:holder"}}),
    ("GET", "/api/v1/exchanges/{exchange_id}/protocols"): Operation(None, path=lambda s: {"exchange_id": _wallet_offer(s)}),
    # The same exchanges on the VC-API claim-credential workflow: created and followed by the holder (their token),
    # taken part in by the wallet (public). The flows: tests/credentials/test_vc_api_workflows.py.
    ("GET", "/api/v1/workflows/{workflow_id}"): Operation("student_a", path=lambda s: {"workflow_id": WORKFLOW}),
    ("POST", "/api/v1/workflows/{workflow_id}/exchanges"): Operation(
        "student_a", ok=204, path=lambda s: {"workflow_id": WORKFLOW}, body=lambda s: {"variables": {"credential": _held_credential(s)}}),
    ("GET", "/api/v1/workflows/{workflow_id}/exchanges/{exchange_id}"): Operation(
        "student_a", path=lambda s: {"workflow_id": WORKFLOW, "exchange_id": _wallet_offer(s)}),
    ("POST", "/api/v1/workflows/{workflow_id}/exchanges/{exchange_id}"): Operation(
        None, strict=False, ok=400, path=lambda s: {"workflow_id": WORKFLOW, "exchange_id": _wallet_offer(s)},
        body=lambda s: {"verifiablePresentation": {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": "did:example:holder"}}),
    ("GET", "/api/v1/workflows/{workflow_id}/exchanges/{exchange_id}/protocols"): Operation(
        None, path=lambda s: {"workflow_id": WORKFLOW, "exchange_id": _wallet_offer(s)}),
    ("POST", "/api/v1/oid4vci/token"): Operation(None, strict=False, ok=400, body=lambda s: {
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code", "pre-authorized_code": "unknown"}),
    ("POST", "/api/v1/oid4vci/nonce"): Operation(None),
    ("POST", "/api/v1/oid4vci/credential"): Operation(None, strict=False, ok=401, body=lambda s: {
        "credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": ["e30.e30.AA"]}}),
    ("GET", "/api/v1/mobility/calls/"): Operation("student_a", query={"q": "call", "state": "open", "page": "1"}),
    ("GET", "/api/v1/mobility/calls/{pk}"): Operation("student_a", path=lambda s: {"pk": s.mobility["open_call"].pk}),
    ("GET", "/api/v1/mobility/calls/{pk}/application"): Operation("student_a", path=lambda s: {"pk": s.mobility["open_call"].pk}),
    ("PUT", "/api/v1/mobility/calls/{pk}/application"): Operation(
        "student_a", path=lambda s: {"pk": s.mobility["open_call"].pk},
        body=lambda s: {"year_of_study": 2, "grade": 85.5, "motivation": "PLC", "share_accessibility_needs": False,
                        "option_ids": [s.mobility["open_call"].options.get(offer__isnull=False).pk], "submit": True},
    ),
    ("POST", "/api/v1/mobility/calls/{pk}/application/withdraw"): Operation("student_a", path=lambda s: {"pk": s.mobility["open_call"].pk}),
    ("GET", "/api/v1/mobility/calls/{pk}/applications"): Operation(
        "coordinator_a", path=lambda s: {"pk": s.mobility["call"].pk}, query={"status": "placed", "option": "1", "name": "Applicant", "page": "1"},
    ),
    ("POST", "/api/v1/mobility/calls/{pk}/applications/{application_id}/score"): Operation(
        "coordinator_a", path=lambda s: {"pk": s.mobility["open_call"].pk, "application_id": s.mobility["application"].pk},
        body=lambda s: {"motivation_score": 70, "interview_score": 60},
    ),
    ("POST", "/api/v1/mobility/calls/{pk}/rounds"): Operation("coordinator_a", ok=201, path=lambda s: {"pk": s.mobility["call"].pk}),
    ("GET", "/api/v1/mobility/rounds/{pk}"): Operation("coordinator_a", path=lambda s: {"pk": s.mobility["dry_run"].pk}),
    ("GET", "/api/v1/mobility/rounds/{pk}/outcomes"): Operation(
        "coordinator_a", path=lambda s: {"pk": s.mobility["published"].pk}, query={"placed": "yes", "option": "1", "name": "Applicant", "page": "1"},
    ),
    ("POST", "/api/v1/mobility/rounds/{pk}/publish"): Operation("coordinator_a", path=lambda s: {"pk": s.mobility["dry_run"].pk}),
    ("GET", "/api/v1/mobility/nominations/"): Operation("coordinator_c", query={"state": "pending", "page": "1"}),
    ("POST", "/api/v1/mobility/nominations/{pk}/decide"): Operation(
        "coordinator_c", path=lambda s: {"pk": s.mobility["pending"].pk}, body=lambda s: {"decision": "decline", "reason": "No places left"},
    ),
    ("GET", "/api/v1/mobility/nominations/remote/"): Operation("coordinator_c", query={"state": "pending", "page": "1"}),
    ("POST", "/api/v1/mobility/nominations/remote/{pk}/decide"): Operation(
        "coordinator_c", path=lambda s: {"pk": _remote_nomination(s).pk}, body=lambda s: {"decision": "decline", "reason": "No places left"},
    ),
    ("POST", "/api/v1/mobility/calls/{pk}/options"): Operation(
        "coordinator_a", ok=201, path=lambda s: {"pk": s.mobility["open_call"].pk},
        body=lambda s: {"condition_id": s.mobility["open_call"].options.get(condition__isnull=False).condition_id, "places": 1},
    ),
    ("GET", "/api/v1/mobility/placements/"): Operation("student_a", query={"page": "1"}),
    ("POST", "/api/v1/mobility/placements/{pk}/answer"): Operation(
        "student_a", path=lambda s: {"pk": s.mobility["agreement"].nomination_id}, body=lambda s: {"answer": "accept"},
    ),
    ("POST", "/api/v1/mobility/agreements/"): Operation(  # her placement has its agreement already: "duplicate"
        "student_a", ok=400, body=lambda s: {"nomination_id": s.mobility["agreement"].nomination_id, "start_date": "2027-03-01",
                                            "end_date": "2027-05-31", "weekly_hours": 30, "components": []},
    ),
    ("PUT", "/api/v1/mobility/agreements/{pk}/components"): Operation(  # signed by all: a change is a proposal now
        "student_a", ok=400, path=lambda s: {"pk": s.mobility["agreement"].pk},
        body=lambda s: {"components": [{"code": "T2", "title": "Test PLC cabinets", "credits": 4.5, "hours": 120, "recognition": "PLC",
                                        "outcome_ids": []}], "expected_version": s.mobility["agreement"].version},
    ),
    # C's copies of agreements drafted on another node (the host's side): see _remote_agreement.
    ("GET", "/api/v1/mobility/agreements/remote/"): Operation("coordinator_c", query={"state": "signed", "page": "1"}),
    ("GET", "/api/v1/mobility/agreements/remote/{pk}"): Operation("coordinator_c", path=lambda s: {"pk": _remote_agreement(s, signed=True).pk}),
    ("POST", "/api/v1/mobility/agreements/remote/{pk}/sign"): Operation(
        "coordinator_c", path=lambda s: {"pk": _remote_agreement(s, signed=False).pk}, body=lambda s: {"expected_version": 1},
    ),
    ("POST", "/api/v1/mobility/agreements/remote/{pk}/changes"): Operation(
        "coordinator_c", path=lambda s: {"pk": _remote_agreement(s, signed=True).pk}, ok=201,
        body=lambda s: {"components": [{"code": "C1", "title": "装配线调试", "credits": 5, "hours": 120, "recognition": "Module 7", "outcome_ids": [3]}],
                        "reason_code": "timetable_conflict", "comment": "二号线十月停产", "expected_version": 1},
    ),
    ("GET", "/api/v1/mobility/agreements/remote/{pk}/logbook"): Operation("coordinator_c", path=lambda s: {"pk": _remote_agreement(s, signed=True).pk}),
    ("POST", "/api/v1/mobility/agreements/remote/{pk}/logbook/{entry_id}/verify"): Operation(
        "coordinator_c", path=lambda s: {"pk": _remote_agreement(s, signed=True).pk, "entry_id": _remote_week(s).pk},
        body=lambda s: {"decision": "verify", "verified_hours": 28.5, "comment": "Good week"},
    ),
    ("POST", "/api/v1/mobility/agreements/remote/{pk}/results"): Operation(
        "coordinator_c", path=lambda s: {"pk": _remote_agreement(s, signed=True).pk}, body=lambda s: {"component": 0, "host_grade": "优秀", "host_scale": "cn_five_band"},
    ),
    ("POST", "/api/v1/mobility/agreements/remote/{pk}/evaluations"): Operation(
        "coordinator_c", path=lambda s: {"pk": _remote_agreement(s, signed=True).pk}, body=lambda s: {"outcome": 3, "rating": "achieved", "comment": "调试完成"},
    ),
    ("POST", "/api/v1/mobility/agreements/remote/{pk}/transcript"): Operation("coordinator_c", path=lambda s: {"pk": _remote_agreement(s, signed=True).pk}),
    ("GET", "/api/v1/mobility/agreements/{pk}"): Operation("coordinator_a", path=lambda s: {"pk": s.mobility["agreement"].pk}),
    ("POST", "/api/v1/mobility/agreements/{pk}/sign"): Operation(
        "coordinator_a", path=lambda s: {"pk": s.mobility["agreement"].pk}, ok=400,  # every party has signed this version: "already_signed"
        body=lambda s: {"party": "sending", "expected_version": s.mobility["agreement"].version},
    ),
    ("POST", "/api/v1/mobility/agreements/{pk}/changes"): Operation(
        "coordinator_a", ok=201, path=lambda s: {"pk": s.mobility["agreement"].pk},
        body=lambda s: {"components": [{"code": "T2", "title": "Test PLC cabinets", "credits": 4.5, "hours": 120, "recognition": "PLC",
                                        "outcome_ids": []}],
                        "reason_code": "extending", "comment": "Two more weeks", "expected_version": s.mobility["agreement"].version},
    ),
    ("GET", "/api/v1/mobility/agreements/{pk}/logbook"): Operation("coordinator_a", path=lambda s: {"pk": s.mobility["agreement"].pk}),
    ("POST", "/api/v1/mobility/agreements/{pk}/logbook"): Operation(
        "student_a", ok=201, path=lambda s: {"pk": s.mobility["agreement"].pk},
        body=lambda s: {"week_start": s.mobility["week"], "hours": 30.5, "description": "Wired cabinets", "outcome_ids": []},
    ),
    ("POST", "/api/v1/mobility/agreements/{pk}/logbook/{entry_id}/verify"): Operation(
        "admin", path=lambda s: {"pk": s.mobility["agreement"].pk, "entry_id": s.mobility["entry"].pk},
        body=lambda s: {"decision": "verify", "verified_hours": 28.5, "comment": "Good week"},
    ),
    ("POST", "/api/v1/mobility/calls/{pk}/open"): Operation(  # the call is open already: "state"
        "coordinator_a", ok=400, path=lambda s: {"pk": s.mobility["open_call"].pk},
    ),
    ("POST", "/api/v1/mobility/calls/{pk}/close"): Operation("coordinator_a", path=lambda s: {"pk": s.mobility["open_call"].pk}),
    ("POST", "/api/v1/mobility/agreements/{pk}/changes/{proposal_id}/decide"): Operation(
        "coordinator_a", path=lambda s: {"pk": s.mobility["agreement"].pk, "proposal_id": _pending_proposal(s).pk},
        body=lambda s: {"decision": "reject", "response": "Not this term"},
    ),
    ("POST", "/api/v1/mobility/agreements/{pk}/evaluations"): Operation(
        "admin", path=lambda s: {"pk": s.mobility["agreement"].pk},
        body=lambda s: {"outcome_id": s.mobility["outcome"].pk, "rating": "achieved", "comment": "Programs a PLC alone"},
    ),
    ("POST", "/api/v1/mobility/agreements/{pk}/transcript"): Operation(
        "admin", path=lambda s: {"pk": s.mobility["agreement"].pk},
        body=lambda s: {"component_id": s.mobility["agreement"].components.first().pk, "host_grade": "90", "host_scale": "percent"},
    ),
    ("GET", "/api/v1/mobility/offers/"): Operation("student_a", query={"host": "1", "state": "published", "q": "PLC", "page": "1"}),
    ("GET", "/api/v1/mobility/offers/{pk}"): Operation("student_a", path=lambda s: {"pk": s.mobility["open_call"].options.get(offer__isnull=False).offer_id}),
    ("GET", "/api/v1/credentials/batches/"): Operation("registrar_a", query={"state": "requested", "page": "1"}),
    ("POST", "/api/v1/credentials/batches/"): Operation(
        "registrar_a", ok=201,
        body=lambda s: {"programme_id": s.programme.pk, "holder_ids": [s.world["student_a"].pk], "graduation_date": "2026-06-30"},
    ),
    ("GET", "/api/v1/credentials/batches/{pk}"): Operation("registrar_a", path=lambda s: {"pk": _batch(s).pk}),
    ("POST", "/api/v1/credentials/batches/{pk}/approve"): Operation("admin", path=lambda s: {"pk": _batch(s).pk}),
    ("GET", "/api/v1/credentials/issued/"): Operation(
        "registrar_a", query={"q": "holder", "kind": "diploma", "state": "valid", "issued_from": "2025-01-01", "issued_to": "2030-01-01", "batch": "1", "page": "1"},
    ),
    ("GET", "/api/v1/credentials/issued/{public_id}"): Operation("registrar_a", path=lambda s: {"public_id": _issued_id(s)}),
    ("POST", "/api/v1/credentials/issued/{public_id}/state"): Operation(
        "registrar_a", path=lambda s: {"public_id": _issued_id(s)}, body=lambda s: {"state": "suspended", "reason": "Under review"},
    ),
    ("POST", "/api/v1/mobility/offers/"): Operation(
        "coordinator_c", ok=201,
        body=lambda s: {"host_id": s.world.c.pk, "title": "Welding intern", "tasks": "Weld frames", "city": "Urumqi", "start_date": "2027-03-01",
                        "end_date": "2027-05-31", "places": 2, "isced_code": "0715", "accessibility_facilities": ["step_free_access"]},
    ),
    ("PATCH", "/api/v1/mobility/offers/{pk}"): Operation(
        "coordinator_c", path=lambda s: {"pk": _draft_offer(s).pk}, body=lambda s: {"places": 3, "city": "Kashgar"},
    ),
    ("POST", "/api/v1/mobility/offers/{pk}/publish"): Operation("coordinator_c", path=lambda s: {"pk": _draft_offer(s).pk}),
    ("POST", "/api/v1/mobility/calls/"): Operation(
        "coordinator_a", ok=201,
        body=lambda s: {"owner_id": s.world.a.pk, "title": "Study 2027", "mobility_type": "student_internship", "academic_year": 2027,
                        "deadline": "2030-01-31T12:00:00+05:00", "max_choices": 2},
    ),
    ("PATCH", "/api/v1/mobility/calls/{pk}"): Operation(
        "coordinator_a", path=lambda s: {"pk": _draft_call(s).pk}, body=lambda s: {"title": "Study 2027/28", "max_choices": 2},
    ),
    ("GET", "/api/v1/recognition/dossiers/"): Operation("coordinator_a", query={"state": "open", "page": "1"}),
    ("POST", "/api/v1/recognition/dossiers/"): Operation(  # already open: the same dossier again
        "coordinator_a", body=lambda s: {"mobility_agreement_id": s.recognition["open"].mobility_agreement_id},
    ),
    ("GET", "/api/v1/recognition/dossiers/{pk}"): Operation("coordinator_a", path=lambda s: {"pk": s.recognition["open"].pk}),
    ("POST", "/api/v1/recognition/dossiers/{pk}/items/{item_id}/decide"): Operation(
        "coordinator_a", path=lambda s: {"pk": s.recognition["open"].pk, "item_id": s.recognition["item"].pk},
        body=lambda s: {"decision": "partial", "home_module_id": s.recognition["module"].pk, "substantial_difference": "Fewer hours",
                        "compensating_measure": "A test"},
    ),
    ("POST", "/api/v1/recognition/dossiers/{pk}/sign"): Operation("coordinator_a", path=lambda s: {"pk": s.recognition["open"].pk}),
    ("POST", "/api/v1/recognition/dossiers/{pk}/appeals"): Operation(  # the decision is not signed yet: "state" (tests/recognition/test_api.py files one)
        "student_a", ok=400, path=lambda s: {"pk": s.recognition["open"].pk}, body=lambda s: {"reason": "The module was done in full"},
    ),
    ("POST", "/api/v1/recognition/dossiers/{pk}/appeals/{appeal_id}/decide"): Operation(
        "registrar_a", path=lambda s: {"pk": s.recognition["appealed"].pk, "appeal_id": s.recognition["appeal"].pk},
        body=lambda s: {"outcome": "uphold", "response": "Confirmed"},
    ),
    ("GET", "/api/v1/recognition/rules"): Operation("admin"),
    ("POST", "/api/v1/recognition/rules"): Operation(
        "admin", body=lambda s: {"hours_per_kz_credit": 30, "hours_per_cn_credit": 18, "hours_per_ects": 27, "expected_version": 1},
    ),
    # Training: teacher_c is the cohort's trainer and teacher_a its enrolled manager (tests/training/api_scene.py).
    ("GET", "/api/v1/training/cohorts/"): Operation("coordinator_a", query={"provider": "1", "state": "planned", "q": "API", "page": "1"}),
    ("POST", "/api/v1/training/cohorts/"): Operation(
        "teacher_c", ok=201,
        body=lambda s: {"course_id": s.training["course"].pk, "title": "Autumn", "format": "online", "language": "kk", "location": "Online",
                        "start_date": "2026-09-07", "end_date": "2026-10-30", "capacity": 12,
                        "sessions": [{"starts_at": "2026-09-07 10:00", "topic": "Opening"}]},
    ),
    ("GET", "/api/v1/training/cohorts/{pk}"): Operation("teacher_c", path=lambda s: {"pk": s.training["cohort"].pk}),
    ("POST", "/api/v1/training/cohorts/{pk}/nominations"): Operation(
        "coordinator_a", ok=201, path=lambda s: {"pk": s.training["cohort"].pk}, body=lambda s: {"manager_id": s.training["manager_a"].pk},
    ),
    ("POST", "/api/v1/training/cohorts/{pk}/enrolments/{enrolment_id}/decide"): Operation(
        "teacher_c", path=lambda s: {"pk": s.training["cohort"].pk, "enrolment_id": s.training["nominated"].pk}, body=lambda s: {"decision": "enrol"},
    ),
    ("POST", "/api/v1/training/cohorts/{pk}/enrolments/{enrolment_id}/assessments"): Operation(
        "teacher_c", path=lambda s: {"pk": s.training["cohort"].pk, "enrolment_id": s.training["enrolled"].pk},
        body=lambda s: {"kind": "final_project", "title": "Plan", "scores": {"analysis": 20, "tools": 20, "feasibility": 20, "ethics": 20}},
    ),
    ("POST", "/api/v1/training/cohorts/{pk}/enrolments/{enrolment_id}/complete"): Operation(  # no attendance yet: "incomplete"
        "teacher_c", ok=400, path=lambda s: {"pk": s.training["cohort"].pk, "enrolment_id": s.training["enrolled"].pk},
    ),
    ("POST", "/api/v1/training/cohorts/{pk}/self-assessment"): Operation(
        "teacher_a", path=lambda s: {"pk": s.training["cohort"].pk},
        body=lambda s: {"phase": "before", "framework": "digcomporg", "ratings": _digcomporg_ratings()},
    ),
    ("GET", "/api/v1/analytics/datasets"): Operation(None),
    ("GET", "/api/v1/analytics/datasets/{key}"): Operation(None, path=lambda s: {"key": s.dataset}, query={"year": "2025", "country": "KZ"}),
}


def documented_operations(client: Client) -> set[tuple[str, str]]:
    document = client.get(OPENAPI).json()
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def relaxed_throttles(settings) -> None:
    """Hundreds of requests from one address and token in a few seconds are the point here, not an attack."""
    settings.ORTAQ_THROTTLES = {scope: (1_000_000, 60) for scope in getattr(settings, "ORTAQ_THROTTLES", {})}


def token_headers(user) -> dict[str, str]:
    if user is None:
        return {}
    _token, secret = api_token_create(actor=user, name="hostile")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def url_of(template: str, values: dict) -> str:
    return template.format(**values)


def database_state() -> tuple:
    """Row counts of every table (one query) and every row of the apps whose records the API changes in place."""
    models = [m for m in apps.get_models() if m._meta.label not in UNWATCHED]
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:  # plain SQL: compiling ~60 ORM queries per request sent would dominate the run
        cursor.execute(" UNION ALL ".join(f"SELECT {i}, COUNT(*) FROM {quote(m._meta.db_table)}" for i, m in enumerate(models)))
        counts = sorted(cursor.fetchall())
        for model in models:
            if model._meta.app_label in CHANGED_IN_PLACE:
                cursor.execute(f"SELECT * FROM {quote(model._meta.db_table)} ORDER BY {quote(model._meta.pk.column)}")
                rows[model._meta.label] = cursor.fetchall()
    return counts, rows


@pytest.fixture
def scene(world, settings) -> Scene:
    relaxed_throttles(settings)
    draft = agreement_services.agreement_create(actor=world["coordinator_a"], terms=agreement_terms(), initiator=world.a, parties=[world.a, world.c])
    agreement_services.condition_add(actor=world["coordinator_a"], agreement=draft, terms=condition_terms(world.a, world.c))
    proposed = agreement_services.agreement_create(actor=world["coordinator_b"], terms=agreement_terms(title="B–C"), initiator=world.b, parties=[world.c])
    agreement_services.condition_add(actor=world["coordinator_b"], agreement=proposed, terms=condition_terms(world.b, world.c))
    agreement_services.agreement_propose(actor=world["coordinator_b"], agreement=proposed)
    draft.refresh_from_db()
    proposed.refresh_from_db()
    programme = programme_services.programme_create(
        actor=world["registrar_a"], details=ProgrammeDetails(code="P-A", title_en="Mechatronics", isced_code="0714"), awarding=[world.a]
    )
    response = Client().post("/api/v1/vc/credentials/issue", json.dumps({"credential": _credential()}), content_type="application/json",
                             **token_headers(world["registrar_a"]))
    assert response.status_code == 201, response.content
    return Scene(world=world, draft=draft, proposed=proposed, programme=programme, credential=response.json()["verifiableCredential"])
