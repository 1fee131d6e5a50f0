"""Regions and countries on the analytics dashboard are named in the reader's language, not as recorded."""

from __future__ import annotations

import pytest

from ortaq.engines import frameworks as fw
from tests.analytics.conftest import figures  # noqa: F401 (a fixture used below)


@pytest.mark.parametrize(("country", "recorded", "chinese", "kazakh"), [
    ("CN", "Xinjiang", "新疆", "Шыңжаң"),
    ("KZ", "Almaty", "阿拉木图", "Алматы"),
    ("KZ", "Zhambyl region", "江布尔州", "Жамбыл облысы"),
    ("KZ", "Алматы облысы", "阿拉木图州", "Алматы облысы"),
])
def test_a_region_is_found_by_any_of_its_names(country, recorded, chinese, kazakh):
    term = fw.region(country, recorded)
    assert (fw.localized(term, "zh-hans"), fw.localized(term, "kk")) == (chinese, kazakh)


def test_a_region_not_in_the_list_is_not_guessed():
    assert fw.region("KZ", "Xinjiang") is None and fw.region("CN", "Nowhere") is None and fw.region("CN", "") is None


def test_a_chinese_reader_sees_regions_and_countries_in_chinese(client, figures):  # noqa: F811
    client.force_login(figures.world["analyst"])
    html = client.get("/zh-hans/analytics/").content.decode()
    assert "新疆 (中国)" in html and "阿拉木图 (哈萨克斯坦)" in html
    assert "Xinjiang (CN)" not in html and "Almaty (KZ)" not in html
    assert '<option value="Xinjiang" ' in html and ">新疆</option>" in html
