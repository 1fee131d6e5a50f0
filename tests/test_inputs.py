"""The shared parsers of untrusted input refuse what used to reach the database as a 500."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from ortaq.errors import ValidationFailed
from ortaq.inputs import (
    ID_MAX,
    TEXT_MAX,
    DateField,
    HardenedForm,
    choice,
    decimal_number,
    plain_text,
    whole_number,
)

HOSTILE_NUMBERS = ["abc", "", None, str(10**30), "9" * 400, "9" * 5000, "NaN", "Infinity", "-Infinity", "1e400", "0x10", "²", True, 1.5, [1]]


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_whole_number_refuses_anything_but_a_whole_number_in_range(value):
    with pytest.raises(ValidationFailed) as error:
        whole_number(value, name="places", minimum=1, maximum=10_000)
    assert list(error.value.errors) == ["places"] and error.value.errors["places"][0]


def test_whole_number_reads_digits_and_ints():
    assert whole_number(" 12 ", name="n", minimum=1, maximum=20) == 12
    assert whole_number(7, name="n", minimum=1, maximum=20) == 7
    assert whole_number("-0", name="n", minimum=0, maximum=20) == 0


def test_whole_number_says_why_in_the_users_language():
    with translation.override("ru"), pytest.raises(ValidationFailed) as error:
        whole_number("abc", name="n", minimum=1, maximum=20)
    assert error.value.errors["n"] == ["Введите целое число."]


@pytest.mark.parametrize("value", ["abc", "NaN", "sNaN", "Infinity", "1e400", "9" * 400, "80.01", "-1", "1.25", float("nan"), True])
def test_decimal_number_refuses_non_finite_out_of_range_and_too_precise_values(value):
    with pytest.raises(ValidationFailed):
        decimal_number(value, name="hours", minimum=0, maximum=80, places=1)


def test_decimal_number_reads_a_decimal_comma_and_makes_negative_zero_zero():
    assert decimal_number("32,5", name="hours", minimum=0, maximum=80, places=1) == Decimal("32.5")
    zero = decimal_number("-0", name="hours", minimum=0, maximum=80, places=1)
    assert zero == 0 and not zero.is_signed()


@pytest.mark.parametrize("value", ["a\x00b", "\x1b[31m", "bell\x07", "next\x85line", "\ud800", "x" * 1001])
def test_plain_text_refuses_control_characters_lone_surrogates_and_overlong_text(value):
    with pytest.raises(ValidationFailed):
        plain_text(value, name="reason", max_length=1000)


def test_plain_text_keeps_line_breaks_and_tabs_and_strips_the_ends():
    assert plain_text("  one\n\ttwo\r\n ", name="reason") == "one\n\ttwo"


def test_plain_text_requires_a_value_when_told_how_to_ask_for_it():
    with pytest.raises(ValidationFailed) as error:
        plain_text("   ", name="reason", required_message="State the reason.")
    assert error.value.errors == {"reason": ["State the reason."]}


@pytest.mark.parametrize("value", ["abc", "", None, "accept\x00", ["accept"]])
def test_a_decision_is_one_of_its_buttons_and_nothing_else(value):
    with pytest.raises(ValidationFailed):
        choice(value, ("accept", "decline"), name="decision")
    assert choice("decline", ("accept", "decline"), name="decision") == "decline"


@pytest.mark.parametrize("value", ["0000-00-00", "9999-99-99", "1-01-01", "0001-01-01", "9999-12-31", "2026-02-30", "02/03/2026", "abc"])
def test_a_date_is_iso_and_between_1900_and_2199(value):
    with pytest.raises(forms.ValidationError):
        DateField().clean(value)
    assert DateField().clean("2026-03-02") == dt.date(2026, 3, 2)


class _Sample(HardenedForm, forms.Form):
    note = forms.CharField(required=False)
    count = forms.IntegerField(required=False)
    day = forms.DateField(required=False)


@pytest.mark.parametrize("data", [{"note": "x" * (TEXT_MAX + 1)}, {"note": "\x1b[31m"}, {"count": str(ID_MAX + 1)}, {"day": "0001-01-01"}])
def test_a_hardened_form_limits_every_text_number_and_date_field(data):
    assert not _Sample(data=data).is_valid()


def test_a_hardened_form_still_accepts_ordinary_values():
    form = _Sample(data={"note": "Line one\nline two", "count": "12", "day": "2026-03-02"})
    assert form.is_valid(), form.errors
    assert form.fields["note"].widget.attrs["maxlength"] == str(TEXT_MAX)


class _Choice(HardenedForm, forms.Form):
    institution = forms.ModelChoiceField(queryset=None)
    partners = forms.ModelMultipleChoiceField(queryset=None)

    def __init__(self, *args, **kwargs):
        from ortaq.institutions.models import Institution

        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = self.fields["partners"].queryset = Institution.objects.all()


@pytest.mark.parametrize("value", [str(10**30), "9" * 400, "-1", "abc", "1e3"])
def test_a_choice_of_rows_refuses_what_cannot_be_an_id_before_asking_the_database(world, value):
    # SQLite cannot compare an integer beyond 2**63: `id IN (10**30)` was an OverflowError, a 500.
    form = _Choice(data={"institution": value, "partners": [str(world.a.pk), value]})
    assert not form.is_valid()
    assert set(form.errors) == {"institution", "partners"}


def test_a_choice_of_rows_still_takes_real_ids(world):
    form = _Choice(data={"institution": str(world.a.pk), "partners": [str(world.b.pk), world.c.pk]})
    assert form.is_valid(), form.errors
    assert list(form.cleaned_data["partners"]) == [world.b, world.c]


def test_a_search_with_nul_or_control_characters_is_no_filter_at_all():
    from django.http import QueryDict

    from ortaq.inputs import query_text

    assert query_text(QueryDict("q=a%00b"), "q") == ""  # PostgreSQL refuses NUL in a query's text
    assert query_text(QueryDict("q=%1B%5B31m"), "q") == ""
    assert query_text(QueryDict("q=+Almaty+"), "q") == "Almaty"
    assert query_text(QueryDict("q=" + "x" * 500), "q", max_length=200) == "x" * 200
