"""Pages are in the reader's language, also where the words come from codes: the empty choice of a select,
state names and machine summaries in a history."""

from __future__ import annotations

import pytest
from django.db.models import fields
from django.utils import translation

from ortaq.web.templatetags.ortaq_tags import audit_field, audit_state, audit_summary


def _in(language: str, message) -> str:
    with translation.override(language):
        return str(message)


@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans"])
def test_the_empty_choice_of_a_select_comes_from_ortaqs_catalogue(language):
    with translation.override(language):
        label = str(fields.BLANK_CHOICE_LABEL)
        value, shown = fields.CharField(choices=[("a", "A")], blank=True).get_choices()[0]
        shown = str(shown)
    assert (value, shown) == ("", label)
    assert label == _in(language, translation.gettext_lazy("- Select an option -"))


def test_history_states_and_summaries_are_read_in_the_readers_language():
    with translation.override("ru"):
        assert audit_state("proposed", "agreements.agreement") == "Предложено"
        assert audit_state("approved", "agreements.agreement") != "approved"
        assert audit_summary("all parties approved") == _in("ru", translation.gettext_lazy("all parties approved"))
        assert audit_summary("A reason someone wrote") == "A reason someone wrote"
    assert audit_state("unknown", "agreements.agreement") == "unknown"
    assert audit_state("draft", "no.such_model") == "draft"
    assert audit_summary("3 approval(s) voided by an edit") == "3 approvals voided by an edit"
    assert audit_summary("approvals_voided:1") == "1 approval voided by an edit"
    assert audit_field("title", "agreements.agreement") != "" and audit_field("nonsense", "agreements.agreement") == "nonsense"


def test_an_agreements_history_shows_state_names_not_codes(client, world, proposed_ac):
    from ortaq.agreements import services

    for institution, coordinator in ((world.a, "coordinator_a"), (world.c, "coordinator_c")):
        services.agreement_approve(actor=world[coordinator], agreement=proposed_ac, institution=institution)
    client.force_login(world["coordinator_a"])
    html = client.get(f"/ru/agreements/{proposed_ac.pk}/").content.decode()
    assert "→ approved" not in html and "(draft →" not in html and "(proposed →" not in html
    with translation.override("ru"):
        approved = str(proposed_ac._meta.get_field("state").flatchoices[2][1])
    assert f"Предложено → {approved}" in html
    assert f": {_in('ru', translation.gettext_lazy('all parties approved'))}" in html


def test_a_count_takes_the_plural_form_of_its_noun():
    from ortaq.web.templatetags.ortaq_tags import counted

    assert (counted(1, "days"), counted(3, "days"), counted(1, "months")) == ("1 day", "3 days", "1 month")
    assert counted("x", "days") == "x days" and counted(2, "fortnights") == "2 fortnights"


def test_an_agreements_duration_is_not_a_number_beside_a_plural_label(client, world, draft_ac):
    condition = draft_ac.conditions.get()
    condition.duration, condition.duration_unit = 3, "days"
    condition.save()
    client.force_login(world["coordinator_a"])
    html = client.get(f"/ru/agreements/{draft_ac.pk}/").content.decode()
    with translation.override("ru"):
        expected = translation.ngettext("%(count)s day", "%(count)s days", 3) % {"count": 3}
        label = str(translation.gettext("days"))
    assert expected in html and f"3 {label}" not in html.replace(expected, "")


def test_institutions_in_a_drop_down_are_named_in_the_readers_language_with_their_latin_form(world):
    from django import forms

    from ortaq.inputs import HardenedForm
    from ortaq.institutions.models import Institution

    class Pick(HardenedForm, forms.Form):
        host = forms.ModelChoiceField(queryset=Institution.objects.filter(pk=world.c.pk))
        named_by_hand = forms.ModelChoiceField(queryset=Institution.objects.filter(pk=world.c.pk))

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["named_by_hand"].label_from_instance = lambda institution: "by hand"

    world.c.name_original = world.c.name_zh = "天山职业学院"
    world.c.name_ru, world.c.name_latin = "Тяньшаньский колледж", "Tianshan Vocational College"
    world.c.save()
    with translation.override("zh-hans"):
        html = str(Pick()["host"])
    assert "天山职业学院 (Tianshan Vocational College)" in html
    with translation.override("ru"):
        assert "Тяньшаньский колледж (Tianshan Vocational College)" in str(Pick()["host"])
    with translation.override("kk"):  # no Kazakh name: the English one (ortaq.i18n.localized), with the Latin form
        assert "Partner C (Tianshan Vocational College)" in str(Pick()["host"])
    assert "by hand" in str(Pick()["named_by_hand"])
