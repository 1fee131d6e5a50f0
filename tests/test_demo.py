"""`ortaq serve --demo` leaves every role with work in progress (README, "Where to look first"), dated from today,
seeded through the services (attributed and audited), with analytics figures large enough to be shown."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the module and rolled back after it."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    )
    with django_db_blocker.unblock(), fast, translation.override("en"):
        from ortaq.accounts.models import User
        from ortaq.demo import load_demo

        with transaction.atomic():
            load_demo()
            yield {u.username: u for u in User.objects.all()}
            transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_the_student_may_apply_to_an_open_call_and_meets_its_requirements(demo):
    from ortaq.mobility import eligibility
    from ortaq.mobility.models import Call

    student = demo["student"]
    call = Call.objects.get(state="open", owner__memberships__user=student, title__endswith="(demo)")
    assert call.deadline > timezone.now()
    assert not call.applications.filter(applicant=student).exists()
    certificates = list(student.language_certificates.all())
    assert all(eligibility.option_reasons(option, certificates) == [] for option in call.options.all())


def test_an_intern_is_abroad_now_with_past_logbook_weeks_the_supervisor_has_still_to_verify(demo):
    from ortaq.mobility.models import MobilityAgreement

    agreement = MobilityAgreement.objects.get(nomination__application__applicant=demo["student.intern"])
    today = timezone.localdate()
    assert agreement.state == "signed" and agreement.start_date < today < agreement.end_date
    weeks = list(agreement.logbook.order_by("week_start"))
    assert len(weeks) >= 4 and all(w.week_start <= today for w in weeks)
    assert {w.state for w in weeks} == {"verified", "submitted"}
    assert agreement.nomination.host.memberships.filter(user=demo["supervisor"], role="company_supervisor").exists()


def test_the_coordinator_has_a_round_to_publish_and_a_recognition_to_decide(demo):
    from ortaq.mobility.models import PlacementRound
    from ortaq.recognition.models import Dossier

    coordinator = demo["coordinator"]
    waiting = PlacementRound.objects.get(state="dry_run", call__owner__memberships__user=coordinator)
    assert waiting.call.applications.filter(state="submitted").count() >= 5
    assert waiting.outcomes.filter(option__isnull=False).exists()
    dossier = Dossier.objects.get(student=demo["student.returned"])
    assert dossier.state == "open" and dossier.home_institution.memberships.filter(user=coordinator, role="coordinator").exists()
    assert dossier.items.filter(decision="pending").count() == dossier.items.count() >= 1


def test_the_registrars_batch_waits_for_a_second_person_and_the_admin_may_approve_it(demo):
    from ortaq.credentials.models import IssuanceBatch
    from ortaq.credentials.selectors import may_approve_batch

    batch = IssuanceBatch.objects.get(state="requested")
    assert batch.requested_by == demo["registrar"]
    assert may_approve_batch(actor=demo["admin"], batch=batch)
    assert not may_approve_batch(actor=demo["registrar"], batch=batch)
    assert IssuanceBatch.objects.get(state="done").holders.count() >= 5


def test_the_manager_is_enrolled_in_a_cohort_that_is_running_today(demo):
    from ortaq.training.models import Enrolment

    enrolment = Enrolment.objects.get(manager=demo["manager"], state="enrolled")
    cohort = enrolment.cohort
    assert cohort.state == "running" and cohort.start_date <= timezone.localdate() <= cohort.end_date
    assert cohort.sessions.filter(starts_at__lt=timezone.now(), attendance__isnull=False).exists()
    assert cohort.sessions.filter(starts_at__gt=timezone.now()).exists()


def test_analytics_has_figures_of_at_least_five_people_in_every_panel(demo):
    from ortaq.analytics.models import CredentialFact, MobilityFact, TrainingFact

    assert MobilityFact.objects.filter(stage="applied", people__gte=5).exists()
    assert MobilityFact.objects.filter(stage="placed", people__gte=5).exists()
    assert CredentialFact.objects.filter(issued__gte=5).exists()
    assert TrainingFact.objects.filter(enrolled__gte=5).exists()


def test_the_work_in_progress_is_attributed_to_the_people_who_did_it(demo):
    from ortaq.audit.models import AuditEvent

    def acted(username, object_type, action):
        return AuditEvent.objects.filter(actor=demo[username], object_type=object_type, action=action).exists()

    assert acted("supervisor", "mobility.logbookentry", "approve")
    assert acted("student.intern", "mobility.logbookentry", "update")
    assert acted("coordinator", "recognition.dossier", "create")
    assert acted("registrar", "credentials.issuancebatch", "create")
    assert acted("admin", "credentials.issuancebatch", "approve")
    assert acted("trainer", "training.cohort", "create")


def test_written_content_has_other_language_versions_and_one_cohort_is_in_chinese_only(demo):
    from ortaq.i18n import shown
    from ortaq.mobility.models import Call, InternshipOffer
    from ortaq.training.models import Cohort

    call = Call.objects.get(state="open", title__startswith="Internships in Tianjin")
    assert call.written_in == "en" and {"kk", "ru", "zh-hans"} <= set(call.translations)
    assert set(InternshipOffer.objects.get(title="PLC commissioning intern (demo)").translations) == {"ru", "zh-hans"}
    chinese = Cohort.objects.get(title__endswith="(demo)")
    assert chinese.written_in == "zh-hans" and chinese.translations == {}
    seen = shown(chinese, "title", "kk")  # a Kazakh reader reads the author's Chinese, marked as such
    assert seen.foreign and seen.language == "zh-hans" and 'lang="zh-hans"' in str(seen.html())
    running = Cohort.objects.get(title__endswith="(demo, in progress)")
    assert shown(running, "title", "ru").language == "ru" and all(s.translations.get("ru") for s in running.sessions.all())
