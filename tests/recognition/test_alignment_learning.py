"""Recognition learns from its own decisions: the dossier explains each proposal (which abroad outcome covers which
home outcome, the score of each pair in words, the shared terms marked in both languages, the uncovered outcomes),
every accept / change / reject becomes a labelled pair kept on the institution's node unless it opts in, a refit
turns the pairs into the probability the page shows, and an administrator page counts how often proposals were
accepted."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ortaq.audit.models import AuditEvent
from ortaq.errors import DomainError, Forbidden
from ortaq.programmes import services as programme_services
from ortaq.programmes.types import OutcomeText
from ortaq.recognition import calibration, learning, selectors, services
from ortaq.recognition.models import AlignmentCalibration, AlignmentDecision, ProposalVerdict
from tests.recognition.test_recognition import home_modules, returned  # noqa: F401


@pytest.fixture(autouse=True)
def _lexical(settings):
    settings.ALIGNMENT_BACKEND = "lexical"  # fast and model-free; the bundled model has its own tests


@pytest.fixture
def dossier(world, returned, home_modules):  # noqa: F811
    plc, weld = home_modules
    # A second PLC outcome nothing abroad teaches: a substantial-difference candidate.
    programme_services.outcome_add(actor=world["registrar_a"], module=plc, outcome=OutcomeText(code="LO2", text_en="Keeps records of the hydraulic press inspections"))
    return services.dossier_open(actor=world["coordinator_a"], mobility_agreement=returned[0])


def items_of(dossier):
    return {i.component.code: i for i in dossier.items.all()}


# --------------------------------------------------------------------------- explanations
def test_each_proposal_stores_for_every_home_outcome_the_abroad_outcome_that_covers_it_best(dossier, home_modules):  # noqa: F811
    plc, _weld = home_modules
    best = next(p for p in items_of(dossier)["A1"].proposal if p["module"] == plc.pk)["home_best"]
    assert {b["home"] for b in best} == {f"lo{lo.pk}" for lo in plc.outcomes.all()}
    assert all(b["abroad"].startswith("c") and 0 <= b["score"] <= 1 for b in best)


def test_the_dossier_page_explains_a_proposal_with_pair_scores_in_words_shared_terms_marked_and_uncovered_outcomes(client, world, dossier):
    client.force_login(world["coordinator_a"])
    page = client.get(f"/en/recognition/{dossier.pk}/").text
    assert "the probability that a coordinator would accept the proposal" in page
    assert "Why PLC-1 is proposed" in page
    assert '<mark lang="en">PLC</mark>' in page  # the glossary term both statements share, marked on each side
    assert "Substantial difference candidates" in page and "hydraulic press" in page
    assert "% · likely match" in page or "% · possible match" in page


def test_a_shared_term_is_marked_in_both_languages_of_a_pair():
    from ortaq.recognition.explain import explain_pair

    pair = explain_pair(abroad_code="LO1", abroad_texts={"zh": "对钢结构进行电弧焊"}, home_code="LO1",
                        home_texts={"ru": "Выполняет дуговую сварку стальных конструкций", "en": "Performs arc welding of steel structures"},
                        score=0.91, covered=True, reader_lang="ru")
    assert "weld" in pair.shared_terms
    assert ("焊", True) in pair.abroad.pieces and pair.abroad.html_lang == "zh-Hans"
    assert ("сварку", True) in pair.home.pieces and pair.home.lang == "ru"
    assert (pair.percent, pair.words) == (91, "likely match")


def test_scores_are_told_in_words_at_the_engines_thresholds():
    from ortaq.recognition.explain import score_words

    assert [str(score_words(s)) for s in (0.95, 0.7, 0.5, 0.29)] == ["likely match", "likely match", "possible match", "unlikely match"]


def test_marked_text_is_escaped_like_any_other_text(client, world, dossier, home_modules):  # noqa: F811
    plc, _weld = home_modules
    programme_services.outcome_add(actor=world["registrar_a"], module=plc, outcome=OutcomeText(code="LO3", text_en="<script>alert(1)</script> PLC wiring"))
    client.force_login(world["coordinator_a"])
    page = client.get(f"/en/recognition/{dossier.pk}/").text
    assert "<script>alert(1)</script>" not in page


# --------------------------------------------------------------------------- decisions become labelled pairs
def test_accept_change_and_reject_each_become_a_labelled_pair_with_the_reviewers_language_and_institution(world, dossier, home_modules):  # noqa: F811
    from django.utils import translation

    plc, weld = home_modules
    items = items_of(dossier)
    top = {code: item.proposal[0]["module"] for code, item in items.items()}
    with translation.override("kk"):
        services.item_decide(actor=world["coordinator_a"], item=items["A1"], decision="full", home_module=plc)
    other = weld if top["A2"] == plc.pk else plc
    services.item_decide(actor=world["coordinator_a"], item=items["A2"], decision="full", home_module=other)
    services.item_decide(actor=world["coordinator_a"], item=items["A3"], decision="refused", substantial_difference="No language module at home")
    rows = {r.item.component.code: r for r in AlignmentDecision.objects.select_related("item__component")}
    assert top["A1"] == plc.pk and rows["A1"].verdict == ProposalVerdict.ACCEPT and rows["A1"].reviewer_language == "kk"
    assert rows["A2"].verdict == ProposalVerdict.CHANGE and rows["A2"].chosen_module_id == other.pk
    assert rows["A3"].verdict == ProposalVerdict.REJECT and rows["A3"].chosen_module_id is None
    first = rows["A1"]
    assert first.institution == world.a and first.reviewer == world["coordinator_a"]
    assert "IEC 61131-3" in first.abroad_text and first.abroad_lang == "en"
    assert "МЭК 61131-3" in first.home_text or "IEC 61131-3" in first.home_text
    assert first.isced_code == "0714" and first.score == items["A1"].proposal[0]["score"]
    assert {r.engine_version for r in rows.values()} == {learning.current_engine_version()}  # the engine that scored them
    assert AuditEvent.objects.filter(object_type__endswith="alignmentdecision").count() >= 3 or AuditEvent.objects.count() > 0


def test_a_coordinator_who_changes_their_mind_corrects_the_label_rather_than_adding_a_second_one(world, dossier, home_modules):  # noqa: F811
    plc, weld = home_modules
    item = items_of(dossier)["A1"]
    services.item_decide(actor=world["coordinator_a"], item=item, decision="full", home_module=plc)
    services.item_decide(actor=world["coordinator_a"], item=item, decision="refused", substantial_difference="Too short")
    assert list(AlignmentDecision.objects.values_list("verdict", flat=True)) == [ProposalVerdict.REJECT]


def test_decisions_leave_the_node_only_for_an_institution_that_opted_in(world, dossier, home_modules):  # noqa: F811
    services.item_decide(actor=world["coordinator_a"], item=items_of(dossier)["A1"], decision="full", home_module=home_modules[0])
    assert AlignmentDecision.objects.count() == 1
    assert list(selectors.decisions_for_export()) == []  # off unless the institution says otherwise
    with pytest.raises(Forbidden):
        learning.sharing_set(actor=world["coordinator_b"], institution=world.a, share=True)
    learning.sharing_set(actor=world["coordinator_a"], institution=world.a, share=True)
    assert [r.institution for r in selectors.decisions_for_export()] == [world.a]
    assert list(selectors.decisions_for_export(institution_id=world.b.pk)) == []
    learning.sharing_set(actor=world["coordinator_a"], institution=world.a, share=False)
    assert list(selectors.decisions_for_export()) == []


# --------------------------------------------------------------------------- refit
def labelled(world, n: int, *, accept_above: float, engine: str | None = None):
    """n stored decisions with scores spread over 0..1: accepted exactly when the score is above `accept_above`, on
    proposals of `engine` (default: the engine the platform scores with now)."""
    engine = _engine() if engine is None else engine
    for i in range(n):
        score = (i + 0.5) / n
        AlignmentDecision.objects.create(institution=world.a, home_text="x", home_lang="ru", abroad_text="y", abroad_lang="zh", score=score,
                                         verdict=ProposalVerdict.ACCEPT if score > accept_above else ProposalVerdict.REJECT, engine_version=engine)


def _engine() -> str:
    return learning.current_engine_version()


def test_the_refit_refuses_with_too_few_decisions(world):
    labelled(world, 12, accept_above=0.5)
    with pytest.raises(DomainError) as error:
        learning.calibration_refit()
    assert error.value.code == "incomplete"
    with pytest.raises(CommandError, match="Only 12 decisions are stored; at least 30"):
        call_command("alignment_refit")
    assert not AlignmentCalibration.objects.exists()


def test_the_refit_learns_that_coordinators_accept_only_high_scores_and_lowers_the_calibration_error(world, capsys):
    labelled(world, 60, accept_above=0.8)  # these coordinators are stricter than the engine's score says
    call_command("alignment_refit", "--institution", str(world.a.pk))
    out = capsys.readouterr().out
    row = AlignmentCalibration.objects.get()
    assert row.institution == world.a and row.decisions == 60 and row.ece_after < row.ece_before
    assert f"ECE before {row.ece_before:.3f}" in out and f"after {row.ece_after:.3f}" in out and "platt-logit" in out
    engine = _engine()
    assert row.engine_version == engine and f"Engine {engine}; 0 decisions on earlier engines left out" in out
    assert selectors.acceptance_probability(0.6, institution_id=world.a.pk, engine=engine) < 0.3 < 0.7 \
        < selectors.acceptance_probability(0.95, institution_id=world.a.pk, engine=engine)
    assert selectors.acceptance_probability(0.6, institution_id=world.b.pk, engine=engine) is None  # another college: no fit of its own, none global


def test_decisions_on_an_earlier_engine_are_left_out_of_the_refit_and_its_fits_no_longer_apply(world, capsys):
    labelled(world, 40, accept_above=0.2, engine="default@0ld0ld0ld0ld")  # before a model or calibration change
    with pytest.raises(DomainError, match="Only 0 decisions were made on proposals of the current AI engine .40 more on an earlier one"):
        learning.calibration_refit(institution_id=world.a.pk)
    labelled(world, 60, accept_above=0.8)
    call_command("alignment_refit", "--institution", str(world.a.pk))
    assert "40 decisions on earlier engines left out" in capsys.readouterr().out
    row = AlignmentCalibration.objects.get()
    assert row.decisions == 60 and row.engine_version == _engine()
    # The fit serves proposals of its own engine only: an older dossier's proposals keep the engine's probability.
    assert selectors.acceptance_probability(0.95, institution_id=world.a.pk, engine="default@0ld0ld0ld0ld") is None
    assert selectors.fitted_calibration(institution_id=world.a.pk, engine_version="default@0ld0ld0ld0ld") is None
    assert selectors.fitted_calibration(institution_id=world.a.pk, engine_version=_engine()) == row


def test_the_dossier_shows_the_fitted_probability_once_a_refit_exists(client, world, dossier):
    engine = items_of(dossier)["A1"].proposal[0]["engine"]
    assert engine == _engine()  # each proposal names the engine that scored it
    stale = AlignmentCalibration.objects.create(institution=None, method="platt-logit", parameters={"a": 0.0, "b": 0.0}, decisions=30,
                                                ece_before=0.2, ece_after=0.1, engine_version="default@0ld0ld0ld0ld")
    client.force_login(world["coordinator_a"])
    assert "fitted on this college" not in client.get(f"/en/recognition/{dossier.pk}/").text  # a fit of another engine is not shown
    stale.delete()
    AlignmentCalibration.objects.create(institution=None, method="platt-logit", parameters={"a": 0.0, "b": 0.0}, decisions=30, ece_before=0.2, ece_after=0.1,
                                        engine_version=engine)
    page = client.get(f"/en/recognition/{dossier.pk}/").text
    assert "50% · possible match" in page and "fitted on this college" in page


def test_the_calibration_error_is_zero_for_a_perfectly_calibrated_forecast_and_the_fit_keeps_the_order():
    assert calibration.expected_calibration_error([0.05, 0.95], [False, True]) == pytest.approx(0.05)
    params = calibration.fit([0.1, 0.2, 0.3, 0.7, 0.8, 0.9] * 6, [False, False, True, False, True, True] * 6)
    assert params["a"] >= 0 and calibration.apply(params, 0.9) > calibration.apply(params, 0.1)


# --------------------------------------------------------------------------- statistics
def test_a_coordinator_sees_their_own_acceptance_rates_per_language_pair_specialty_and_month(client, world, dossier, home_modules):  # noqa: F811
    services.item_decide(actor=world["coordinator_a"], item=items_of(dossier)["A1"], decision="full", home_module=home_modules[0])
    client.force_login(world["coordinator_a"])
    page = client.get("/en/recognition/alignment/").text
    month = dt.date.today().strftime("%Y-%m")
    assert month in page and "en → en" in page and "0714" in page and "100%" in page  # the home module's outcomes are mostly in English
    client.force_login(world["coordinator_b"])
    assert "en → en" not in client.get("/en/recognition/alignment/").text  # another college's decisions


def test_the_ministry_sees_every_institution_together_with_small_counts_withheld(client, world):
    labelled(world, 7, accept_above=0.5)
    AlignmentDecision.objects.create(institution=world.b, home_text="x", home_lang="kk", abroad_text="y", abroad_lang="en", score=0.9, verdict="accept")
    stats = selectors.alignment_stats(actor=world["analyst"])
    assert stats["aggregated"] and stats["by_pair"]["zh → ru"]["n"] == 7 and stats["by_pair"]["en → kk"] == {"n": None, "rate": None}
    client.force_login(world["admin"])
    assert "&lt;5" in client.get("/en/recognition/alignment/").text


def test_students_teachers_and_registrars_do_not_get_the_statistics(client, world):
    for login in ("student_a", "teacher_a", "registrar_a"):
        client.force_login(world[login])
        assert client.get("/en/recognition/alignment/").status_code == 404
        assert 'id="alignment-stats-link"' not in client.get("/en/").text


def test_the_statistics_are_one_click_from_the_coordinators_home(client, world):
    client.force_login(world["coordinator_a"])
    assert 'href="/en/recognition/alignment/" id="alignment-stats-link"' in client.get("/en/").text


def test_words_the_engine_says_both_outcomes_share_are_marked_where_both_texts_show_them():
    from ortaq.recognition.explain import explain_pair

    pair = explain_pair(abroad_code="", abroad_texts={"zh": "能用IEC 61131-3语言编写程序"}, home_code="LO1", home_texts={"kk": "IEC 61131-3 тілдерінде бағдарлама жазады"},
                        score=0.8, covered=True, reader_lang="kk", engine_shared=(["IEC", "61131"], ["IEC", "станок"]))
    assert ("IEC", True) in pair.abroad.pieces and ("IEC", True) in pair.home.pieces
    assert "станок" not in pair.shared_terms  # not in the texts shown: nothing to mark


def test_without_a_fit_of_its_own_the_dossier_shows_the_engines_probability_of_acceptance(client, world, dossier):
    item = items_of(dossier)["A1"]
    item.proposal[0]["probability"] = 0.93
    item.save()
    client.force_login(world["coordinator_a"])
    assert "93% · likely match" in client.get(f"/en/recognition/{dossier.pk}/").text


def test_the_refit_uses_the_engines_module_model_when_every_decision_has_its_features(world):
    from ortaq.recognition.calibration import ENGINE_METHOD, engine_fit

    if engine_fit() is None:
        pytest.skip("this engine has no module model to refit")
    for i in range(40):
        coverage = (i + 0.5) / 40
        AlignmentDecision.objects.create(institution=world.a, home_text="x", home_lang="ru", abroad_text="y", abroad_lang="zh", score=coverage,
                                         features={"coverage": coverage, "min_home": coverage, "covered_share": coverage, "use": coverage, "credit_ratio": 1.0},
                                         verdict=ProposalVerdict.ACCEPT if coverage > 0.6 else ProposalVerdict.REJECT, engine_version=_engine())
    report = learning.calibration_refit(institution_id=world.a.pk)
    assert report.method == ENGINE_METHOD and report.ece_after < report.ece_before
    high = {"coverage": 0.95, "min_home": 0.95, "covered_share": 0.95, "use": 0.95, "credit_ratio": 1.0}
    low = {k: (0.1 if k != "credit_ratio" else 1.0) for k in high}
    engine = _engine()
    assert selectors.acceptance_probability(0.95, institution_id=world.a.pk, features=high, engine=engine) > 0.7 > 0.3 \
        > selectors.acceptance_probability(0.1, institution_id=world.a.pk, features=low, engine=engine)
