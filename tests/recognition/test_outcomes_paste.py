"""A coordinator pastes a module's learning outcomes one a line in any of kk/ru/zh/en: the language of each line is
detected (script, and Kazakh's own letters), shown for confirmation, and the lines are saved together or not at all."""

import pytest

from ortaq.errors import Forbidden, ValidationFailed
from ortaq.recognition import learning
from ortaq.recognition.explain import detect_language
from ortaq.recognition.types import PastedOutcome
from tests.recognition.test_recognition import home_modules  # noqa: F401

KK = "Өнеркәсіптік роботтың ақауын диагностикалық журнал бойынша анықтайды"
RU = "Выполняет дуговую сварку стальных конструкций"
ZH = "能用IEC 61131-3语言编写PLC控制程序"
EN = "Programs PLC controllers in IEC 61131-3 languages"


@pytest.mark.parametrize(("text", "lang"), [(KK, "kk"), (RU, "ru"), (ZH, "zh"), (EN, "en"), ("Пісіру", "kk")])
def test_each_line_is_detected_in_its_language(text, lang):
    assert detect_language(text).lang == lang


def test_a_short_cyrillic_line_without_kazakh_letters_is_russian_with_less_confidence():
    assert detect_language("Сварка").confidence < detect_language(RU).confidence
    assert detect_language(RU).confidence > 0.9 and detect_language(KK).confidence > 0.9


def test_the_page_shows_the_detected_languages_for_confirmation_then_saves_them(client, world, home_modules):  # noqa: F811
    plc, _weld = home_modules
    client.force_login(world["coordinator_a"])
    url = f"/en/recognition/modules/{plc.pk}/outcomes/paste/"
    preview = client.post(url, {"lines": f"{KK}\n\n{ZH}\n{RU}\n", "detect": "1"}).text
    assert preview.count('name="text"') == 3 and '<option value="kk" selected>' in preview and '<option value="zh" selected>' in preview
    response = client.post(url, {"text": [KK, ZH, RU], "lang": ["kk", "zh", "en"], "save": "1"})  # the person corrected the last one
    assert response.status_code == 302
    added = {lo.code: lo for lo in plc.outcomes.all()}
    assert added["LO2"].text_kk == KK and added["LO3"].text_zh == ZH and added["LO4"].text_en == RU and len(added) == 4


def test_one_refused_line_saves_none(world, home_modules):  # noqa: F811
    plc, _weld = home_modules
    with pytest.raises(ValidationFailed):
        learning.outcomes_paste(actor=world["coordinator_a"], module=plc, outcomes=[PastedOutcome(text=RU, lang="ru"), PastedOutcome(text="x" * 5000, lang="en")])
    assert plc.outcomes.count() == 1
    with pytest.raises(ValidationFailed):
        learning.outcomes_paste(actor=world["coordinator_a"], module=plc, outcomes=[PastedOutcome(text=RU, lang="ru"), PastedOutcome(text=EN, lang="fr")])
    assert plc.outcomes.count() == 1


def test_only_those_who_may_edit_the_programme_paste(client, world, home_modules):  # noqa: F811
    plc, _weld = home_modules
    with pytest.raises(Forbidden):
        learning.outcomes_paste(actor=world["coordinator_b"], module=plc, outcomes=[PastedOutcome(text=RU, lang="ru")])
    client.force_login(world["coordinator_b"])
    assert client.get(f"/en/recognition/modules/{plc.pk}/outcomes/paste/").status_code == 404
