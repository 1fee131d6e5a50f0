"""A rubric's criteria are named in the reader's language, not in the English stored with the cohort."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from ortaq.training.models import DEFAULT_RUBRIC, RUBRIC_LABELS


@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans"])
def test_each_default_criterion_is_shown_through_the_catalogue(language):
    with translation.override(language):
        html = Template("{% load training_tags %}{% for c in rubric %}<label>{{ c|rubric_name }}</label>{% endfor %}").render(Context({"rubric": DEFAULT_RUBRIC}))
        expected = [str(RUBRIC_LABELS[c["code"]]) for c in DEFAULT_RUBRIC]
    assert html == "".join(f"<label>{name}</label>" for name in expected)
    assert {c["code"] for c in DEFAULT_RUBRIC} == set(RUBRIC_LABELS)


def test_a_criterion_of_a_cohorts_own_keeps_its_name():
    html = Template("{% load training_tags %}{{ c|rubric_name }}").render(Context({"c": {"code": "safety", "name": "Қауіпсіздік", "max": 10}}))
    assert html == "Қауіпсіздік"


def test_the_cohort_page_names_criteria_through_the_filter():
    import ortaq.training as training

    source = open(f"{training.__path__[0]}/templates/training/cohort.html", encoding="utf-8").read()
    assert "{{ c|rubric_name }}" in source and "{{ c.name }}" not in source
