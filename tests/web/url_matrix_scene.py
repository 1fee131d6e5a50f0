"""The records the URL permission matrix (test_url_permission_matrix.py) asks about, and whose they are.

The demo data (ortaq.demo) gives the nine demo logins, their institutions, agreements in every state, programmes
and a training cohort. On top of it this builds, for three sending colleges, one whole mobility each (call,
application, published round, accepted nomination, signed learning agreement with a logbook week and a pending
change, recognition dossier with an appeal), a credential with a share code and an issuance batch per college,
draft offers, draft calls, draft and proposed agreements, a second cohort and one API token per login:

    Almaty (coordinator, student)  → host Tianjin Zhilian Equipment (supervisor)
    Joint college (admin, registrar) → host Tianjin Haihe college
    Shymkent (teacher)              → host Shaanxi college (trainer)

Every record is wrapped in a `Thing` that says which institutions and which people it belongs to, under the
names the matrix's rules use (`owner`, `host`, `holder`, ...). For a login, its "own" record of a kind is the first
one that belongs to its institution or to itself; "other" is the first that has nothing to do with either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

ROLE_LOGINS = {
    "admin": "admin", "coordinator": "coordinator", "registrar": "registrar", "teacher": "teacher", "student": "student",
    "supervisor": "supervisor", "manager": "manager", "trainer": "trainer", "analyst": "analyst",
}
ANONYMOUS = "signed_out"


@dataclass
class Thing:
    """One record, and who it belongs to: relation → institution ids, relation → user ids."""

    label: str
    obj: Any
    inst: dict[str, frozenset[int]] = field(default_factory=dict)
    people: dict[str, frozenset[int]] = field(default_factory=dict)
    state: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    owning: tuple[str, ...] = ()  # the relations that make it a login's own (default: all of `inst`)

    def value(self, name: str):
        if name in self.extra:
            return self.extra[name]
        return getattr(self.obj, name)


@dataclass
class Viewer:
    """A demo login as the rules see it: its memberships (institution id → roles) and what the platform grants."""

    role: str
    user: Any = None
    roles: dict[int, frozenset[str]] = field(default_factory=dict)
    is_admin: bool = False
    is_ministry: bool = False

    @property
    def institutions(self) -> set[int]:
        return set(self.roles)


@dataclass
class Scene:
    institutions: dict[str, Any]
    users: dict[str, Any]
    viewers: dict[str, Viewer]
    things: dict[str, list[Thing]]
    tokens: dict[str, str]
    clients: dict[str, Any] = field(default_factory=dict)  # one signed-in test client per login (the fixture fills it)

    def related(self, thing: Thing, viewer: Viewer) -> bool:
        if viewer.user is None:
            return False
        if any(viewer.institutions & ids for relation, ids in thing.inst.items() if relation in (thing.owning or thing.inst)):
            return True
        return any(viewer.user.pk in ids for ids in thing.people.values())

    def pick(self, kind: str, role: str, side: str) -> Thing | None:
        """The viewer's own record of this kind, or the first record of another institution (None: there is none)."""
        viewer = self.viewers[role]
        candidates = [t for t in self.things[kind] if t.people.get("self") != frozenset({getattr(viewer.user, "pk", None)})]
        if viewer.user is None:
            return candidates[0] if side == "other" else None
        wanted = side == "own"
        return next((t for t in candidates if self.related(t, viewer) == wanted), None)


def _ids(*objects) -> frozenset[int]:
    return frozenset(o if isinstance(o, int) else o.pk for o in objects if o is not None)


def _user(username: str, institution, role: str):
    from ortaq.accounts.models import Membership, User

    user = User.objects.create_user(username=username, password="ortaq-matrix", full_name=username.title(), full_name_latin=username.title())
    Membership.objects.create(user=user, institution=institution, role=role)
    return user


def _agreement_thing(agreement) -> Thing:
    parties = list(agreement.party_links.order_by("id").values_list("institution_id", flat=True))
    condition = agreement.conditions.order_by("id").first()
    return Thing(
        f"agreement {agreement.reference or agreement.title} ({agreement.state})", agreement,
        inst={"initiator": _ids(agreement.initiator_id), "parties": frozenset(parties), "first_party": _ids(parties[0])},
        state=agreement.state,
        extra={"condition": condition.pk if condition else 0, "version": agreement.version, "first_party_id": parties[0],
               "sending": condition.sending_id if condition else parties[0],
               "receiving": condition.receiving_id if condition else parties[-1]},
    )


def _agreements(inst, users) -> dict[str, list[Thing]]:
    from ortaq.agreements import services
    from ortaq.agreements.types import AgreementTerms, ConditionTerms
    from ortaq.agreements.models import Agreement

    def condition(sending, receiving):
        return ConditionTerms(mobility_type="student_internship", sending_id=sending.pk, receiving_id=receiving.pk, isced_code="0714",
                              places_per_year=2, duration=3, duration_unit="months", start_year=2026, end_year=2027)

    def draft(by, initiator, partner, title):
        agreement = services.agreement_create(actor=users[by], terms=AgreementTerms(kind="inter_institutional", title=title, start_year=2026, end_year=2028),
                                              initiator=inst[initiator], parties=[inst[initiator], inst[partner]])
        services.condition_add(actor=users[by], agreement=agreement, terms=condition(inst[initiator], inst[partner]))
        agreement.refresh_from_db()
        return agreement

    almaty_draft = draft("coordinator", "almaty", "tianjin", "Matrix: Almaty draft")
    joint_draft = draft("coordinator.joint", "joint", "shaanxi", "Matrix: Joint draft")
    almaty_proposed = draft("coordinator", "almaty", "xinjiang", "Matrix: Almaty proposal")
    services.agreement_propose(actor=users["coordinator"], agreement=almaty_proposed)
    demo = {a.reference: a for a in Agreement.objects.filter(reference__startswith="DEMO-")}
    for agreement in (*demo.values(), almaty_proposed):
        agreement.refresh_from_db()
    return {
        # Every state, the live ones first: the first related one is a login's "own".
        "agreement": [_agreement_thing(demo[r]) for r in ("DEMO-IIA-001", "DEMO-MOU-004", "DEMO-IIA-002", "DEMO-IIA-003", "DEMO-IIA-005")],
        "draft_agreement": [_agreement_thing(a) for a in (almaty_draft, joint_draft, demo["DEMO-IIA-003"])],
        "proposed_agreement": [_agreement_thing(a) for a in (almaty_proposed, demo["DEMO-IIA-002"])],
    }


def _offer(host, by, title, *, publish: bool):
    from ortaq.mobility import services

    from ortaq.mobility.types import OfferInput

    offer = OfferInput(title=title, tasks="Commission PLC cabinets", city="City", start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 5, 28),
                       places=4, isced_code="0714")
    return services.offer_create(actor=by, host=host, offer=offer, publish=publish)


@dataclass
class Chain:
    sending: Any
    host: Any
    learner: Any
    sending_coordinator: Any
    host_actor: Any
    call: Any = None
    application: Any = None
    round: Any = None
    nomination: Any = None
    mobility: Any = None
    dossier: Any = None
    credential: Any = None


def _chain(chain: Chain, offer, outcome) -> Chain:
    """One mobility from application to recognition. The placement part is written directly (the placement
    engine has its own tests); the learning agreement and its logbook go through the services."""
    from ortaq.mobility import during
    from ortaq.mobility.models import Application, Call, CallOption, Choice, Nomination, Party, PlacementOutcome, PlacementRound
    from ortaq.recognition.models import Appeal, Dossier, Item

    now = timezone.now()
    call = Call.objects.create(owner=chain.sending, title=f"Matrix call of {chain.sending.name_latin}", mobility_type="student_internship",
                               academic_year=2026, deadline=now - dt.timedelta(days=1), lottery_seed=1, state="published", created_by=chain.sending_coordinator)
    option = CallOption.objects.create(call=call, offer=offer, host=chain.host, places=2)
    application = Application.objects.create(call=call, applicant=chain.learner, state="submitted", submitted_at=now, receipt=f"M-{call.pk}",
                                             year_of_study=2, grade=90, programme=outcome.module.programme)
    Choice.objects.create(application=application, option=option, rank=1)
    placement_round = PlacementRound.objects.create(call=call, number=1, state="published", published_at=now)
    placed = PlacementOutcome.objects.create(round=placement_round, application=application, option=option)
    nomination = Nomination.objects.create(outcome=placed, application=application, option=option, host=chain.host, state="accepted",
                                           decided_by=chain.host_actor, decided_at=now)
    today = timezone.localdate()
    start = today - dt.timedelta(days=today.weekday(), weeks=8)  # under way: weeks are logged once they have begun
    components = [{"code": "T1", "title": "Commission PLC cabinets", "credits": "3", "hours": 90, "recognition": "PLC-1", "outcomes": [outcome.pk]}]
    mobility = during.mobility_agreement_create(actor=chain.learner, nomination=nomination, start_date=start, end_date=today + dt.timedelta(weeks=8),
                                                components=components)
    during.mobility_agreement_sign(actor=chain.learner, agreement=mobility, party=Party.LEARNER)
    during.mobility_agreement_sign(actor=chain.sending_coordinator, agreement=mobility, party=Party.SENDING)
    during.mobility_agreement_sign(actor=chain.host_actor, agreement=mobility, party=Party.RECEIVING)
    mobility.refresh_from_db()
    during.logbook_submit(actor=chain.learner, agreement=mobility, week_start=start, hours="30", description="Wired two cabinets")
    during.change_propose(actor=chain.learner, agreement=mobility, components=components, reason_code="other", comment="One more week")
    mobility.refresh_from_db()
    dossier = Dossier.objects.create(mobility_agreement=mobility, student=chain.learner, home_institution=chain.sending)
    Item.objects.create(dossier=dossier, component=mobility.components.get(), host_grade="A (cn)", home_grade="5", credits_home=3)
    Appeal.objects.create(dossier=dossier, reason="The module was covered in full")
    chain.call, chain.application, chain.round, chain.nomination, chain.mobility, chain.dossier = (
        call, application, placement_round, nomination, mobility, dossier)
    return chain


def _credential(chain: Chain, key: str, admin):
    from ortaq.credentials import services
    from ortaq.credentials.issuance import micro_credential_issue

    credential = micro_credential_issue(actor=admin, issuer_institution=chain.sending, holder=chain.learner, idempotency_key=f"matrix:{key}",
                                        title={"en": "Matrix micro-credential"}, description={"en": "For the permission matrix"},
                                        competences=[], date=dt.date(2026, 6, 30))
    share = services.share_code_create(actor=chain.learner, credential=credential, days=7)
    services.shared_set_create(actor=chain.learner, credentials=[credential], days=7)
    return credential, share


def _cohorts(inst, users, extra_users) -> list[Thing]:
    from ortaq.training.models import Cohort, Enrolment, Session

    demo = Cohort.objects.get(title__endswith="(demo)")
    Enrolment.objects.create(cohort=demo, manager=users["manager"], institution=inst["zhambyl"], state="enrolled", nominated_by=users["coordinator.taraz"])
    running = Cohort.objects.create(course=demo.course, title="Matrix cohort (running)", start_date=dt.date(2026, 1, 12), end_date=dt.date(2026, 4, 30),
                                    capacity=10, state="running", rubric=demo.rubric)
    running.trainers.add(extra_users["trainer.tianjin"])
    Session.objects.create(cohort=running, starts_at=timezone.make_aware(dt.datetime(2026, 1, 12, 10)), topic="Opening")
    Enrolment.objects.create(cohort=running, manager=extra_users["manager.almaty"], institution=inst["almaty"], state="enrolled",
                             nominated_by=users["coordinator"])
    things = []
    for cohort in (demo, running):
        enrolments = list(cohort.enrolments.order_by("id"))
        things.append(Thing(
            f"cohort {cohort.title} ({cohort.state})", cohort,
            inst={"enrolled_from": _ids(*(e.institution_id for e in enrolments))},
            people={"trainers": _ids(*cohort.trainers.all()), "managers": _ids(*(e.manager_id for e in enrolments))},
            state=cohort.state,
            extra={"enrolment": enrolments[0].pk, "session": cohort.sessions.order_by("id").first().pk, "manager": users["manager"].pk,
                   "enrolled_name": enrolments[0].manager.display_name},
        ))
    return things


def build_scene() -> Scene:
    from ortaq.accounts.models import Membership
    from ortaq.accounts.selectors import access_for
    from ortaq.agreements.models import Agreement
    from ortaq.accounts.services import api_token_create
    from ortaq.accounts.models import User
    from ortaq.credentials.models import IssuanceBatch
    from ortaq.demo import INSTITUTIONS, PEOPLE, load_demo
    from ortaq.institutions.models import Institution
    from ortaq.mobility.during import supervisor_link_token
    from ortaq.mobility.models import InternshipOffer
    from ortaq.programmes.models import LearningOutcome, Module, Programme

    load_demo()
    inst = {row[0]: Institution.objects.get(name_latin=row[3]) for row in INSTITUTIONS}
    users = {row[0]: User.objects.get(username=row[0]) for row in PEOPLE}
    extra = {
        "student.joint": _user("student.joint", inst["joint"], "student"),
        "student.shymkent": _user("student.shymkent", inst["shymkent"], "student"),
        "trainer.tianjin": _user("trainer.tianjin", inst["tianjin"], "trainer"),
        "manager.almaty": _user("manager.almaty", inst["almaty"], "manager_in_training"),
    }
    things: dict[str, list[Thing]] = {}

    # Registry ---------------------------------------------------------------------------------------
    order = ["tianjin", "xinjiang", "almaty", "joint", "shymkent", "zhambyl", "shaanxi", "cn_company", "cn_cluster", "kz_cluster", "kz_company", "ministry"]
    # A student who recorded accessibility needs and consented to share them (with her college's coordinators).
    User.objects.filter(pk=users["student"].pk).update(accessibility_needs="Step-free access (matrix)", accessibility_consent_at=timezone.now())
    users["student"].refresh_from_db()
    everybody = [*users.values(), *extra.values()]
    memberships: dict[int, set[int]] = {}
    for user_id, institution_id in Membership.objects.values_list("user_id", "institution_id"):
        memberships.setdefault(user_id, set()).add(institution_id)
    things["person"] = [Thing(f"person {u.username}", u, inst={"member_of": frozenset(memberships.get(u.pk, ()))}, people={"self": _ids(u)},
                              extra={"accessibility_needs": u.accessibility_needs if u.accessibility_consent_at else ""})
                        for u in everybody]
    things.update(_agreements(inst, users))
    partners: dict[int, set[int]] = {}  # institutions that share a proposed, approved or in-effect agreement
    for agreement in Agreement.objects.filter(state__in=["proposed", "approved", "in_effect"]).prefetch_related("party_links"):
        parties = {link.institution_id for link in agreement.party_links.all()}
        for party in parties:
            partners.setdefault(party, set()).update(parties - {party})
    things["institution"] = [Thing(f"institution {k}", inst[k], inst={"self": _ids(inst[k]), "partners": frozenset(partners.get(inst[k].pk, ()))},
                                   extra={"contact_email": next((c.email for c in inst[k].contacts.all()), "")}, owning=("self",))
                             for k in order]

    shy_programme = Programme.objects.create(code="MATRIX-SHY", title_en="Digital technologies (matrix)", isced_code="0612", is_demo=True)
    shy_programme.awarding_institutions.set([inst["shymkent"]])
    shy_module = Module.objects.create(programme=shy_programme, code="NET-1", order=0, credits=4, title_en="Networks")
    alm_programme = Programme.objects.create(code="MATRIX-ALM", title_en="Welding (matrix)", isced_code="0715", is_demo=True)
    alm_programme.awarding_institutions.set([inst["almaty"]])
    programmes = [Programme.objects.get(code="DEMO-JP-0714"), Programme.objects.get(code="DEMO-JP-1041"), shy_programme]
    things["programme"] = [Thing(f"programme {p.code}", p, inst={"awarding": _ids(*p.awarding_institutions.all())},
                                 extra={"module": p.modules.order_by("id").first().pk}) for p in programmes]

    # Mobility ---------------------------------------------------------------------------------------
    demo_offer = InternshipOffer.objects.get(title__endswith="(demo)")
    tianjin_offer = _offer(inst["tianjin"], users["coordinator.cn"], "Matrix: Haihe workshop intern", publish=True)
    shaanxi_offer = _offer(inst["shaanxi"], users["coordinator.shaanxi"], "Matrix: Chang'an data-centre intern", publish=True)
    drafts = [_offer(inst["cn_company"], users["supervisor"], "Matrix: draft at Zhilian", publish=False),
              _offer(inst["almaty"], users["coordinator"], "Matrix: draft at Almaty", publish=False),
              _offer(inst["tianjin"], users["coordinator.cn"], "Matrix: draft at Haihe", publish=False)]
    things["draft_offer"] = [Thing(f"draft offer {o.title}", o, inst={"host": _ids(o.host_id)}, state=o.state) for o in drafts]

    outcome = LearningOutcome.objects.filter(module__programme__code="DEMO-JP-0714").order_by("id").first()
    foreign_outcome = LearningOutcome.objects.filter(module__programme__code="DEMO-JP-1041").order_by("id").first()  # not the learners' programme
    chains = {
        "almaty": _chain(Chain(inst["almaty"], inst["cn_company"], users["student"], users["coordinator"], users["supervisor"]), demo_offer, outcome),
        "joint": _chain(Chain(inst["joint"], inst["tianjin"], extra["student.joint"], users["coordinator.joint"], users["coordinator.cn"]), tianjin_offer, outcome),
        "shymkent": _chain(Chain(inst["shymkent"], inst["shaanxi"], extra["student.shymkent"], users["coordinator.shymkent"], users["coordinator.shaanxi"]),
                           shaanxi_offer, outcome),
    }
    from ortaq.mobility.models import Call

    things["call"], things["round"], things["nomination"], things["mobility"], things["dossier"] = [], [], [], [], []
    for key, c in chains.items():
        call_facts = {"owner": _ids(c.sending), "hosts": _ids(c.host)}
        applicants = {"applicants": _ids(c.learner)}
        things["call"].append(Thing(f"call of {key} ({c.call.state})", c.call, inst=call_facts, people=applicants, state=c.call.state,
                                    extra={"application": c.application.pk, "applicant_name": c.learner.display_name}))
        things["round"].append(Thing(f"round of {key}", c.round, inst=call_facts, state=c.round.state))
        things["nomination"].append(Thing(f"nomination of {key}", c.nomination, inst={"owner": _ids(c.sending), "host": _ids(c.host)},
                                          people={"learner": _ids(c.learner)}, state=c.nomination.state))
        m = c.mobility
        component = m.components.get()
        things["mobility"].append(Thing(
            f"learning agreement of {key}", m, inst={"sending": _ids(c.sending), "host": _ids(c.host)}, people={"learner": _ids(c.learner)},
            state=m.state, extra={"proposal": m.proposals.get().pk, "entry": m.logbook.get().pk, "component": component.pk,
                                  "outcome": outcome.pk, "week": m.start_date.isoformat(), "foreign_outcome": foreign_outcome.pk}))
        d = c.dossier
        things["dossier"].append(Thing(f"dossier of {key}", d, inst={"home": _ids(d.home_institution_id)}, people={"student": _ids(d.student_id)},
                                       state=d.state, extra={"item": d.items.get().pk, "appeal": d.appeals.get().pk, "module": outcome.module_id,
                                                                           "foreign_module": shy_module.pk}))
    draft_calls = [Call.objects.create(owner=inst[k], title=f"Matrix draft call of {k}", mobility_type="student_internship", academic_year=2027,
                                       deadline=timezone.now() + dt.timedelta(days=30), lottery_seed=1) for k in ("almaty", "shymkent")]
    things["draft_call"] = [Thing(f"draft call of {c.owner.name_latin}", c, inst={"owner": _ids(c.owner_id), "hosts": frozenset()}, state=c.state,
                                  extra={"application": 0}) for c in draft_calls]
    things["logbook_link"] = [Thing("supervisor's logbook link", chains["almaty"].mobility,
                                    extra={"token": supervisor_link_token(chains["almaty"].mobility)})]

    # Credentials ------------------------------------------------------------------------------------
    things["credential"], things["issuer"], things["batch"] = [], [], []
    batch_programmes = {"almaty": alm_programme, "joint": programmes[1], "shymkent": shy_programme}
    for key, c in chains.items():
        credential, share = _credential(c, key, users["admin"])
        issuer = credential.issuer
        things["credential"].append(Thing(f"credential of {key}'s learner", credential, inst={"issuer": _ids(issuer.institution_id)},
                                          people={"holder": _ids(c.learner)}, state=credential.state,
                                          extra={"code": share.code, "verify_code": credential.verify_code,
                                                 "set_code": credential.shared_sets.get().code}))
        things["issuer"].append(Thing(f"issuer {key}", issuer, inst={"institution": _ids(issuer.institution_id)}))
        programme = batch_programmes[key]
        batch = IssuanceBatch.objects.create(kind="diploma", issuer=issuer, programme=programme, graduation_date=dt.date(2026, 6, 30),
                                             requested_by=users["coordinator.joint"], total=1)
        batch.holders.set([c.learner])
        things["batch"].append(Thing(f"batch of {key}", batch, inst={"issuer": _ids(issuer.institution_id),
                                                                      "awarding": _ids(*programme.awarding_institutions.all())}, state=batch.state))

    # A presentation request an employer made (public: its page is reached by its secret, the wallet's view by its challenge).
    from ortaq.credentials.presentations import presentation_request_create

    things["presentation_request"] = [Thing("presentation request", presentation_request_create())]

    # Training ---------------------------------------------------------------------------------------
    things["cohort"] = _cohorts(inst, users, extra)

    # People's API tokens: one per login, used by the API half of the matrix -------------------------
    tokens, token_things = {}, []
    for role, username in ROLE_LOGINS.items():
        token, secret = api_token_create(actor=users[username], name="matrix")
        tokens[role] = secret
        token_things.append(Thing(f"API token of {username}", token, people={"owner": _ids(users[username])}))
    things["token"] = token_things

    # Analytics rebuilds someone asked for: one followed by the coordinators of an institution, one by another's.
    from django.utils.timezone import now as refresh_started

    from ortaq.analytics.models import Refresh

    things["refresh"] = [
        Thing(f"refresh asked for {key}", Refresh.objects.create(started_at=refresh_started(), state="running", scope=[inst[key].pk]),
              inst={"scope": _ids(inst[key])})
        for key in ("almaty", "shymkent")
    ]

    # References to another record of the same kind, for the matrix's "a body naming someone else's record" entries.
    for kind, name in (("draft_agreement", "condition"), ("call", "application"), ("credential", "code"), ("mobility", "entry"),
                       ("dossier", "item"), ("dossier", "appeal")):
        for thing in things[kind]:
            thing.extra[f"foreign_{name}"] = next(other.value(name) for other in things[kind] if other.obj.pk != thing.obj.pk)

    viewers = {ANONYMOUS: Viewer(ANONYMOUS)}
    for role, username in ROLE_LOGINS.items():
        user = users[username]
        access = access_for(user)
        viewers[role] = Viewer(role, user, dict(access.roles), access.is_admin, access.is_ministry)
    return Scene(institutions=inst, users={**users, **extra}, viewers=viewers, things=things, tokens=tokens)
