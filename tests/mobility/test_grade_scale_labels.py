"""A grading scale is shown by its name in the reader's language, never by its code (percent, cn_five_band, ects)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from ortaq.mobility import grades


@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans", "en"])
def test_every_scale_has_a_label_that_is_not_its_code(language):
    with translation.override(language):
        html = Template("{% load mobility_tags %}{% for s in scales %}<option value=\"{{ s }}\">{{ s|grade_scale }}</option>{% endfor %}").render(Context({"scales": grades.SCALES}))
        labels = [grades.scale_label(code) for code in grades.SCALES]
    for code, label in zip(grades.SCALES, labels):
        assert label != code and f'<option value="{code}">{label}</option>' in html
    assert ">ects<" not in html and ">cn_five_band<" not in html


def test_a_scale_not_known_is_shown_as_stored():
    assert grades.scale_label("gpa_4") == "gpa_4"


def test_the_agreement_page_writes_scales_through_the_label():
    source = open(grades.__file__.replace("grades.py", "templates/mobility/agreement.html"), encoding="utf-8").read()
    assert "{{ t.host_scale|grade_scale }}" in source and "{{ s|grade_scale }}" in source
