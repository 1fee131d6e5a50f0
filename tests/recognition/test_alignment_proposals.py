"""The dossier's AI proposals with the default (bundled-model) backend, computed as dossier_open computes them:
a module studied abroad in Chinese scores high against the home module teaching the same competence in Russian,
and low against an unrelated one; the page says what the score means."""

import pytest

from ortaq.programmes import services as programme_services
from ortaq.programmes.types import ModuleDetails, OutcomeText, ProgrammeDetails
from ortaq.recognition import services
from tests.recognition.test_recognition import home_modules, returned  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture
def studied_in_chinese(world, returned):  # noqa: F811
    """The host's outcomes, in Chinese only, served by the PLC and the welding components."""
    agreement, learner = returned
    host = programme_services.programme_create(actor=world["registrar_b"], details=ProgrammeDetails(code="HOST", title_en="Mechatronics (host)", isced_code="0714"), awarding=[world.b])
    module = programme_services.module_add(actor=world["registrar_b"], programme=host, module=ModuleDetails(code="HOST-1", title_en="Controllers and welding", title_zh="可编程控制器与焊接", credits=5))
    plc = programme_services.outcome_add(actor=world["registrar_b"], module=module, outcome=OutcomeText(code="LO1", text_zh="能用IEC 61131-3语言编写PLC控制程序"))
    weld = programme_services.outcome_add(actor=world["registrar_b"], module=module, outcome=OutcomeText(code="LO2", text_zh="对钢结构进行电弧焊"))
    components = {c.code: c for c in agreement.components.all()}
    components["A1"].outcomes.add(plc)
    components["A2"].outcomes.add(weld)
    return agreement


def test_a_module_studied_in_chinese_scores_as_a_likely_match_for_the_same_competence_in_russian(world, studied_in_chinese, home_modules, settings):  # noqa: F811
    settings.ALIGNMENT_BACKEND = "default"
    plc, weld = home_modules
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=studied_in_chinese)
    assert dossier.backend == "default"  # the bundled model was used, not the lexical fallback
    scores = {i.component.code: {p["module"]: p["score"] for p in i.proposal} for i in dossier.items.all()}
    assert scores["A1"][plc.pk] >= services.LIKELY_MATCH > scores["A1"][weld.pk]
    assert scores["A2"][weld.pk] >= services.LIKELY_MATCH > scores["A2"][plc.pk]
    assert scores["A1"][weld.pk] < 0.2 and scores["A2"][plc.pk] < 0.2


def test_a_module_unrelated_to_every_home_module_scores_low_for_all_of_them(world, studied_in_chinese, home_modules, settings):  # noqa: F811
    settings.ALIGNMENT_BACKEND = "default"
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=studied_in_chinese)
    chinese_language = dossier.items.get(component__code="A3")
    assert chinese_language.proposal and max(p["score"] for p in chinese_language.proposal) < 0.2


def test_the_dossier_says_what_the_score_means_and_marks_a_likely_match(client, world, studied_in_chinese, settings):
    settings.ALIGNMENT_BACKEND = "default"
    dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=studied_in_chinese)
    client.force_login(world["coordinator_a"])
    page = client.get(f"/en/recognition/{dossier.pk}/").text
    assert "the probability that a coordinator would accept the proposal" in page
    assert "70% or more is a likely match" in page
    assert "% · likely match</span>" in page


def test_a_likely_match_on_the_page_is_the_engines_threshold_for_a_covered_outcome():
    from ortaq.engines.alignment.engine import COVERED

    assert services.LIKELY_MATCH == COVERED
