import datetime as dt
from decimal import Decimal

import pytest

from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError, Forbidden, ValidationFailed, VersionConflict
from ortaq.mobility import during, round_services, selectors
from ortaq.mobility.models import EntryState, MobilityAgreementState, NominationState, Party, ProposalState
from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails
from tests.mobility.conftest import application_input, close, students


@pytest.fixture
def accepted(world, open_call, enterprise, django_capture_on_commit_callbacks):
    from ortaq.mobility import services

    person = students(world, 1)[0]
    offer_option = open_call.options.get(offer__isnull=False)
    services.application_save(actor=person, call=open_call, application=application_input(year_of_study=2, grade="90"), option_ids=[offer_option.pk], submit=True)
    close(open_call)
    with django_capture_on_commit_callbacks(execute=True):
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    placement_round.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    company, supervisor = enterprise
    nomination = selectors.nominations_for_host(actor=supervisor).get()
    round_services.nomination_decide(actor=supervisor, nomination=nomination, accept=True)
    nomination.refresh_from_db()
    return nomination, person, supervisor


@pytest.fixture
def outcome(world):
    programme = programme_services.programme_create(actor=world["registrar_a"], details=ProgrammeDetails(code="P", title_en="Mechatronics", isced_code="0714"), awarding=[world.a])
    module = programme_services.module_add(actor=world["registrar_a"], programme=programme, module=ModuleDetails(code="PLC", title_en="PLC", credits=5))
    return programme_services.outcome_add(actor=world["registrar_a"], module=module, outcome=OutcomeText(code="LO1", text_en="Programs a PLC", text_ru="Программирует ПЛК"))


def components(outcome_id=None):
    return [{"code": "T1", "title": "Commission PLC cabinets", "credits": "3", "hours": 90, "recognition": "Module PLC-1", "outcomes": [outcome_id] if outcome_id else []}]


@pytest.fixture
def signed(world, accepted, outcome):
    nomination, learner, supervisor = accepted
    agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31), components=components(outcome.pk))
    during.mobility_agreement_sign(actor=learner, agreement=agreement, party=Party.LEARNER)
    during.mobility_agreement_sign(actor=world["coordinator_a"], agreement=agreement, party=Party.SENDING)
    during.mobility_agreement_sign(actor=supervisor, agreement=agreement, party=Party.RECEIVING)
    agreement.refresh_from_db()
    return agreement, learner, supervisor


def test_three_signatures_each_record_who_when_and_the_hash_of_the_version(world, signed):
    agreement, learner, supervisor = signed
    assert agreement.state == MobilityAgreementState.SIGNED
    version = agreement.versions.get(number=agreement.version)
    assert {s.party: (s.signed_by, s.sha256) for s in agreement.signatures.all()} == {
        "learner": (learner, version.sha256), "sending": (world["coordinator_a"], version.sha256), "receiving": (supervisor, version.sha256)}


def test_nobody_signs_for_a_party_they_do_not_represent(world, accepted, outcome):
    nomination, learner, supervisor = accepted
    agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31), components=components())
    with pytest.raises(Forbidden):
        during.mobility_agreement_sign(actor=learner, agreement=agreement, party=Party.RECEIVING)
    with pytest.raises(Forbidden):
        during.mobility_agreement_sign(actor=world["coordinator_b"], agreement=agreement, party=Party.SENDING)


def test_an_agreement_needs_an_accepted_nomination(world, accepted):
    nomination, learner, supervisor = accepted
    nomination.state = NominationState.PENDING
    nomination.save()
    with pytest.raises(DomainError):
        during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31), components=components())


def test_a_change_is_a_proposal_with_a_reason_and_needs_all_signatures_again(world, signed):
    agreement, learner, supervisor = signed
    with pytest.raises(DomainError) as error:
        during.mobility_agreement_edit(actor=learner, agreement=agreement, components=components(), expected_version=agreement.version)
    assert error.value.code == "signed"
    with pytest.raises(ValidationFailed):
        during.change_propose(actor=learner, agreement=agreement, components=components(), reason_code="whim")
    new = components() + [{"code": "T2", "title": "Robot cell maintenance", "credits": "2", "hours": 60}]
    proposal = during.change_propose(actor=learner, agreement=agreement, components=new, reason_code="not_available", comment="PLC lab closed in May")
    with pytest.raises(Forbidden):
        during.change_decide(actor=learner, proposal=proposal, approve=True)
    during.change_decide(actor=supervisor, proposal=proposal, approve=True)
    agreement.refresh_from_db()
    assert agreement.version == 2 and agreement.state == MobilityAgreementState.SIGNING
    assert agreement.components.count() == 2
    assert agreement.versions.get(number=2).reason_code == "not_available"
    assert agreement.versions.count() == 2  # every version kept


def test_a_proposal_overtaken_by_another_change_is_closed_and_its_decider_asked_to_propose_again(world, signed):
    agreement, learner, supervisor = signed
    first = during.change_propose(actor=learner, agreement=agreement, components=components(), reason_code="not_available")
    second = during.change_propose(actor=learner, agreement=agreement, components=components(), reason_code="other")
    during.change_decide(actor=supervisor, proposal=first, approve=True)
    with pytest.raises(VersionConflict) as error:
        during.change_decide(actor=supervisor, proposal=second, approve=True)
    assert error.value.current_version == 2
    second.refresh_from_db()  # closed for good, not left pending for a decision nobody can make
    assert second.state == ProposalState.REJECTED and second.decided_by == supervisor
    assert AuditEvent.objects.filter(object_type="mobility.changeproposal", object_id=str(second.pk), action="transition").exists()


def test_an_edit_based_on_a_stale_version_is_refused(world, accepted):
    nomination, learner, supervisor = accepted
    agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31), components=components())
    during.mobility_agreement_edit(actor=world["coordinator_a"], agreement=agreement, components=components(), expected_version=1)
    with pytest.raises(DomainError) as error:
        during.mobility_agreement_edit(actor=learner, agreement=agreement, components=components(), expected_version=1)
    assert error.value.code == "version_conflict" and error.value.current_version == 2


def test_the_supervisor_verifies_hours_through_an_expiring_link_without_an_account(client, world, signed):
    agreement, learner, supervisor = signed
    entry = during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="32", description="Wired two cabinets")
    token = during.supervisor_link_token(agreement)
    page = client.get(f"/en/mobility/logbook/{token}/")
    assert page.status_code == 200 and "Wired two cabinets" in page.content.decode()
    client.post(f"/en/mobility/logbook/{token}/", {"entry": entry.pk, "verified_hours": "30", "decision": "verify"})
    entry.refresh_from_db()
    assert entry.state == EntryState.VERIFIED and entry.verified_hours == Decimal("30") and entry.verified_via_link
    assert client.get(f"/en/mobility/logbook/{token}x/").status_code == 410


def test_an_expired_supervisor_link_is_refused(world, signed, monkeypatch):
    agreement, *_ = signed
    token = during.supervisor_link_token(agreement)
    monkeypatch.setattr(during, "LINK_MAX_AGE", -1)
    assert during.agreement_for_link(token) is None


def test_the_logbook_refuses_bad_weeks(world, signed):
    agreement, learner, supervisor = signed
    with pytest.raises(ValidationFailed) as error:
        during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2027, 1, 4), hours="100", description="")
    assert set(error.value.errors) == {"hours", "week_start", "description"}
    with pytest.raises(Forbidden):
        during.logbook_submit(actor=supervisor, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="10", description="x")


def test_learners_behind_their_target_are_flagged_to_their_coordinator(world, signed):
    agreement, learner, supervisor = signed
    during.logbook_submit(actor=learner, agreement=agreement, week_start=dt.date(2026, 3, 2), hours="10", description="Slow start")
    flagged = selectors.learners_behind_target(actor=world["coordinator_a"], today=dt.date(2026, 3, 15))
    assert [(a.pk, s["planned"], s["submitted"]) for a, s in flagged] == [(agreement.pk, 60, Decimal("10"))]
    assert selectors.learners_behind_target(actor=world["coordinator_b"], today=dt.date(2026, 3, 15)) == []


def test_the_host_evaluates_outcomes_and_records_results_converted_to_the_home_scale(world, signed, outcome):
    agreement, learner, supervisor = signed
    with pytest.raises(Forbidden):
        during.outcome_evaluate(actor=learner, agreement=agreement, outcome_id=outcome.pk, rating="achieved")
    evaluation = during.outcome_evaluate(actor=supervisor, agreement=agreement, outcome_id=outcome.pk, rating="achieved", comment="Independent work")
    assert evaluation.rating == "achieved"
    component = agreement.components.get()
    entry = during.transcript_record(actor=supervisor, agreement=agreement, component=component, host_grade="良好", host_scale="cn_five_band")
    assert (entry.home_grade, entry.credits_host, entry.credits_home) == ("B+", Decimal("3.0"), Decimal("3.0"))
    assert during.transcript_record(actor=supervisor, agreement=agreement, component=component, host_grade="91", host_scale="percent").home_grade == "A-"
    with pytest.raises(ValidationFailed):
        during.transcript_record(actor=supervisor, agreement=agreement, component=component, host_grade="excellent", host_scale="percent")


def test_the_agreement_page_is_visible_to_the_three_parties_only(client, world, signed):
    agreement, learner, supervisor = signed
    for user, status in ((learner, 200), (supervisor, 200), (world["coordinator_a"], 200), (world["coordinator_b"], 404), (world["student_a"], 404), (world["coordinator_c"], 404)):
        client.force_login(user)
        assert client.get(f"/en/mobility/agreements/{agreement.pk}/").status_code == status


def _running_until(agreement, days: int):
    """The agreement's mobility runs from its start until `days` from today (a week ahead can then be named)."""
    from django.utils import timezone

    from ortaq.mobility.models import MobilityAgreement

    MobilityAgreement.objects.filter(pk=agreement.pk).update(end_date=timezone.localdate() + dt.timedelta(days=days))
    agreement.refresh_from_db()
    return timezone.localdate()


def test_a_week_that_has_not_begun_is_refused_in_the_logbook_and_on_its_page(client, world, signed):
    agreement, learner, _supervisor = signed
    today = _running_until(agreement, 60)
    with pytest.raises(ValidationFailed) as error:
        during.logbook_submit(actor=learner, agreement=agreement, week_start=today + dt.timedelta(days=7), hours="30", description="Ahead")
    assert list(error.value.errors) == ["week_start"]
    client.force_login(learner)
    response = client.post(f"/en/mobility/agreements/{agreement.pk}/logbook/",
                           {"week_start": (today + dt.timedelta(days=1)).isoformat(), "hours": "30", "description": "Ahead"})
    assert response.status_code in (400, 422) and "has not begun yet" in response.content.decode()
    assert not agreement.logbook.exists()
    assert during.logbook_submit(actor=learner, agreement=agreement, week_start=today, hours="8", description="Today").state == EntryState.SUBMITTED


def test_a_week_logged_ahead_cannot_be_verified_by_the_host_or_through_the_link(client, world, signed):
    from ortaq.mobility.models import LogbookEntry

    agreement, _learner, supervisor = signed
    today = _running_until(agreement, 60)
    entry = LogbookEntry.objects.create(agreement=agreement, week_start=today + dt.timedelta(days=14), hours=30, description="Logged ahead")
    with pytest.raises(DomainError) as error:
        during.logbook_verify(actor=supervisor, entry=entry, verified_hours="30", approve=True)
    assert error.value.code == "too_early"
    token = during.supervisor_link_token(agreement)
    assert client.post(f"/en/mobility/logbook/{token}/", {"entry": entry.pk, "verified_hours": "30", "decision": "verify"}).status_code == 400
    entry.refresh_from_db()
    assert entry.state == EntryState.SUBMITTED and entry.verified_hours is None


def test_the_other_parties_are_told_when_the_agreement_is_drafted_and_each_time_it_is_signed(world, accepted, outcome):
    from ortaq.notifications.models import Notification
    from ortaq.notifications.services import render

    nomination, learner, supervisor = accepted
    coordinator = world["coordinator_a"]
    agreement = during.mobility_agreement_create(actor=learner, nomination=nomination, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31),
                                                 components=components(outcome.pk))
    told = Notification.objects.filter(key="agreement_created")
    assert {n.recipient for n in told} == {coordinator, supervisor}  # not the learner, who drafted it; nobody of College B
    assert {n.url for n in told} == {f"/mobility/agreements/{agreement.pk}/"}
    during.mobility_agreement_sign(actor=learner, agreement=agreement, party=Party.LEARNER)
    signed_once = Notification.objects.filter(key="agreement_signed")
    assert {n.recipient for n in signed_once} == {coordinator, supervisor}
    assert learner.display_name in render(signed_once.first(), "en")[1]
    during.mobility_agreement_sign(actor=coordinator, agreement=agreement, party=Party.SENDING)
    during.mobility_agreement_sign(actor=supervisor, agreement=agreement, party=Party.RECEIVING)
    assert {n.recipient for n in Notification.objects.filter(key="agreement_signed_by_all")} == {learner, coordinator, supervisor}


def test_the_host_and_the_sending_coordinator_reach_the_agreement_by_links(client, world, signed):
    agreement, _learner, supervisor = signed
    _running_until(agreement, 30)  # under way (long-finished agreements leave "my agreements")
    link = f'href="/en/mobility/agreements/{agreement.pk}/"'
    client.force_login(supervisor)  # the host: from its nominations
    assert link in client.get("/en/mobility/nominations/").content.decode()
    for user, sees in ((supervisor, True), (world["coordinator_a"], True), (world["coordinator_b"], False)):
        client.force_login(user)  # everybody: from the mobility page to their own agreements
        assert 'href="/en/mobility/agreements/mine/"' in client.get("/en/mobility/").content.decode()
        assert (link in client.get("/en/mobility/agreements/mine/").content.decode()) == sees, user
