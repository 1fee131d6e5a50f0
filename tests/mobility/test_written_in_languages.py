"""Calls and offers are written in their author's language, with other versions beside it; each reader reads their
own language or the nearest version, marked when it is another (decision 0009)."""

import importlib

import pytest
from django.utils import translation
from django.utils.translation import gettext

from ortaq.errors import ValidationFailed
from ortaq.mobility import services
from ortaq.mobility.forms import CallForm, OfferForm
from ortaq.mobility.models import Call, InternshipOffer
from ortaq.mobility.types import CallInput
from tests.mobility.conftest import call_data, call_input, offer_input


def _marker(reader: str, language_name: str) -> str:
    with translation.override(reader):
        return gettext(f"(written in {language_name})")


def test_the_call_form_keeps_the_authors_language_and_an_extra_version(world):
    form = CallForm(data=call_data(written_in="zh-hans", title="焊接实习 2026", title_ru="Практика по сварке 2026", title_zh="ignored: the author's own"))
    assert form.is_valid(), form.errors
    call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=form.to_input())
    call.refresh_from_db()
    assert (call.title, call.written_in, call.translations) == ("焊接实习 2026", "zh-hans", {"ru": {"title": "Практика по сварке 2026"}})
    again = CallForm(instance=call)  # editing shows the versions where they were typed
    assert again.fields["title_ru"].initial == "Практика по сварке 2026" and again.fields["written_in"].initial == "zh-hans"


def test_the_authors_language_defaults_to_the_one_she_uses_the_site_in(world):
    with translation.override("ru"):
        call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(title="Практика 2026"))
    assert call.written_in == "ru"


def test_the_offer_form_takes_tasks_in_other_languages_too(world, enterprise):
    company, supervisor = enterprise
    offer = services.offer_create(actor=supervisor, host=company, offer=offer_input(
        written_in="en", title_kk="ПЛК технигі", tasks_kk="ПЛК шкафтарын іске қосу\nСынақ", tasks_zh="调试PLC柜"))
    offer.refresh_from_db()
    assert offer.written_in == "en"
    assert offer.translations == {"kk": {"title": "ПЛК технигі", "tasks": "ПЛК шкафтарын іске қосу\nСынақ"}, "zh-hans": {"tasks": "调试PLC柜"}}


@pytest.mark.parametrize("days", [0, 61, -1])
def test_the_call_form_refuses_an_acceptance_period_outside_one_to_sixty_days(days):
    form = CallForm(data=call_data(acceptance_days=days))
    assert not form.is_valid() and "acceptance_days" in form.errors


def test_the_call_form_sets_the_acceptance_period_or_keeps_seven_days(world):
    call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(acceptance_days="14"))
    assert call.acceptance_days == 14
    assert services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input()).acceptance_days == 7


def test_the_call_page_offers_the_acceptance_period_and_the_versions(client, world):
    client.force_login(world["coordinator_a"])
    page = client.get("/en/mobility/calls/new/").text
    for name in ('name="acceptance_days"', 'name="written_in"', 'name="title_kk"', 'name="title_zh"'):
        assert name in page


def test_a_version_longer_than_the_title_is_refused_by_the_form():
    form = CallForm(data=call_data(title_ru="x" * 10_000))
    assert not form.is_valid() and "title_ru" in form.errors


@pytest.mark.parametrize("hostile", [{"de": {"title": "Praktikum"}}, {"ru": {"title": {"deep": ["x"]}}}, {"ru": {"summary": "x"}},
                                     {"ru": {"title": "x" * 10_000}}])
def test_the_service_refuses_hostile_versions_from_any_caller(world, hostile):
    typed = CallInput(**{**call_input().__dict__, "translations": hostile})
    with pytest.raises(ValidationFailed) as refused:
        services.call_create(actor=world["coordinator_a"], owner=world.a, call=typed)
    assert "translations" in refused.value.errors
    assert not Call.objects.filter(translations=hostile).exists()


def test_the_service_refuses_an_unknown_author_language(world):
    with pytest.raises(ValidationFailed) as refused:
        services.call_create(actor=world["coordinator_a"], owner=world.a, call=CallInput(**{**call_input().__dict__, "written_in": "de"}))
    assert "written_in" in refused.value.errors


@pytest.fixture
def chinese_call(world):
    """A call its author wrote in Chinese, with a Russian version only."""
    return services.call_create(actor=world["coordinator_a"], owner=world.a,
                                call=call_input(written_in="zh-hans", title="焊接实习 2026", title_ru="Практика по сварке 2026"))


def test_a_kazakh_reader_reads_the_russian_version_marked_with_its_language(client, world, chinese_call):
    client.force_login(world["coordinator_a"])
    page = client.get(f"/kk/mobility/calls/{chinese_call.pk}/").text
    assert f'<span lang="ru">Практика по сварке 2026</span> <small class="written-in">{_marker("kk", "Russian")}</small>' in page
    assert "<title>Практика по сварке 2026" in page  # the tab's title without markup


def test_a_russian_reader_reads_her_language_unmarked_and_an_english_reader_the_authors_chinese(client, world, chinese_call):
    client.force_login(world["coordinator_a"])
    russian = client.get(f"/ru/mobility/calls/{chinese_call.pk}/").text
    assert "<h1>Практика по сварке 2026 <span" in russian and 'class="written-in"' not in russian.split("<h1>")[1].split("</h1>")[0]
    english = client.get(f"/en/mobility/calls/{chinese_call.pk}/").text
    assert f'<span lang="zh-hans">焊接实习 2026</span> <small class="written-in">{_marker("en", "Chinese")}</small>' in english


def test_the_calls_list_shows_each_title_in_the_readers_language(client, world, chinese_call):
    client.force_login(world["coordinator_a"])
    chinese = client.get("/zh-hans/mobility/").text
    assert f">焊接实习 2026</a>" in chinese  # the author's own language: no marker
    assert '<span lang="ru">Практика по сварке 2026</span>' in client.get("/kk/mobility/").text


def test_the_offers_page_shows_tasks_in_the_readers_language_with_line_breaks(client, world, enterprise):
    company, supervisor = enterprise
    offer = services.offer_create(actor=supervisor, host=company, offer=offer_input(written_in="en", tasks="Commission cabinets\nTest", tasks_kk="Іске қосу\nСынақ"))
    services.offer_publish(actor=supervisor, offer=offer)
    client.force_login(supervisor)
    kazakh = client.get("/kk/mobility/offers/").text
    assert "Іске қосу<br>Сынақ" in kazakh
    assert f'<span lang="en">PLC technician intern</span> <small class="written-in">{_marker("kk", "English")}</small>' in kazakh


def test_the_migration_marks_existing_rows_by_their_script(world, enterprise):
    company, supervisor = enterprise
    for title in ("Тағылымдама 2026", "Стажировка 2026", "实习 2026", "Internships 2026"):
        services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(title=title))
    services.offer_create(actor=supervisor, host=company, offer=offer_input(title="Оператор", tasks="Құрастыру"))
    Call.objects.update(written_in="en")
    InternshipOffer.objects.update(written_in="en")
    migration = importlib.import_module("ortaq.mobility.migrations.0006_written_in_and_translations")
    from django.apps import apps

    migration.mark_written_in(apps, None)
    assert dict(Call.objects.values_list("title", "written_in")) == {
        "Тағылымдама 2026": "kk", "Стажировка 2026": "ru", "实习 2026": "zh-hans", "Internships 2026": "en"}
    assert InternshipOffer.objects.get(title="Оператор").written_in == "kk"  # the tasks' Kazakh letters decide


def test_the_offer_form_lists_each_version_right_after_its_original():
    names = list(OfferForm().fields)
    assert names[:6] == ["written_in", "title", "title_kk", "title_ru", "title_zh", "title_en"]
    assert names[6:11] == ["tasks", "tasks_kk", "tasks_ru", "tasks_zh", "tasks_en"]


def test_the_inbox_names_the_open_call_in_the_readers_language(world, open_call):
    from tests.mobility.conftest import students
    from ortaq.mobility import selectors

    Call.objects.filter(pk=open_call.pk).update(written_in="en", translations={"kk": {"title": "Тағылымдамалар 2026"}})
    [student] = students(world, 1)
    for reader, expected in (("kk", "Тағылымдамалар 2026"), ("ru", "Тағылымдамалар 2026"), ("zh-hans", "Internships 2026")):
        with translation.override(reader):
            items = {i.kind: i for i in selectors.inbox_items(actor=student)}
        assert items["mobility.open_call"].subject == expected, reader


def test_the_call_opened_message_names_the_call_in_each_recipients_language(world, published_offer):
    from ortaq.notifications.models import Notification
    from ortaq.notifications.services import render
    from tests.mobility.conftest import students

    [student] = students(world, 1)
    call = services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(
        written_in="en", title="Welding 2026", title_kk="Дәнекерлеу 2026"))
    services.call_option_add(actor=world["coordinator_a"], call=call, offer=published_offer, places=1)
    services.call_open(actor=world["coordinator_a"], call=call)
    message = Notification.objects.get(recipient=student, key="call_opened")
    assert "Дәнекерлеу 2026" in render(message, "kk")[0] + render(message, "kk")[1]
    assert "Дәнекерлеу 2026" in "".join(render(message, "ru"))  # no Russian version: Kazakh comes next
    assert "Welding 2026" in "".join(render(message, "zh-hans"))  # Chinese, English: the author's
