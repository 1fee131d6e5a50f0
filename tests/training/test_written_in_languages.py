"""Cohort and session titles are written in the trainer's language with other versions beside them; each reader
reads their own language or the nearest version, marked when it is another (decision 0009)."""

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext

from ortaq.training import services
from ortaq.training.models import Cohort
from ortaq.training.views import CohortForm
from tests.training.test_api import api, cohort_body


def _form(course, **changes) -> CohortForm:
    return CohortForm(data={"course": course.pk, "title": "Весенний поток", "format": "online", "language": "ru", "start_date": "2026-03-02",
                            "end_date": "2026-04-30", "capacity": 10, **changes})


def test_the_cohort_form_keeps_the_trainers_language_a_version_and_each_sessions_versions(world, course, people):
    trainer = people[0]
    form = _form(course, written_in="ru", title_kk="Көктемгі топ", title_ru="ignored: the author's own",
                 sessions="2026-03-02 10:00 | Основы ИИ | kk: ЖИ негіздері | zh-hans: 人工智能基础\n2026-03-09 10:00 | Этика | данные")
    assert form.is_valid(), form.errors
    cohort = services.cohort_create(actor=trainer, **form.cleaned_data)
    cohort.refresh_from_db()
    assert (cohort.title, cohort.written_in, cohort.translations) == ("Весенний поток", "ru", {"kk": {"title": "Көктемгі топ"}})
    first, second = cohort.sessions.all()
    assert (first.topic, first.written_in, first.translations) == ("Основы ИИ", "ru", {"kk": {"topic": "ЖИ негіздері"}, "zh-hans": {"topic": "人工智能基础"}})
    assert (second.topic, second.translations) == ("Этика | данные", {})  # a bar that starts no version stays in the topic


def test_the_trainers_language_defaults_to_the_one_she_uses_the_site_in(world, course, people):
    with translation.override("zh-hans"):
        form = _form(course, title="春季班")
        assert form.is_valid(), form.errors
        assert services.cohort_create(actor=people[0], **form.cleaned_data).written_in == "zh-hans"


def test_a_version_longer_than_a_title_is_refused_by_the_form(course):
    form = _form(course, title_en="x" * 10_000)
    assert not form.is_valid() and "title_en" in form.errors


def test_the_cohort_page_marks_a_title_and_topics_in_another_language(client, world, course, people):
    trainer = people[0]
    cohort = services.cohort_create(actor=trainer, course=course, title="西安春季班", written_in="zh-hans", start_date=dt.date(2026, 3, 2),
                                    end_date=dt.date(2026, 4, 30), capacity=5, translations={"ru": {"title": "Весенний поток в Сиане"}},
                                    sessions=[(timezone.make_aware(dt.datetime(2026, 3, 2, 10)), "人工智能基础")])
    client.force_login(trainer)
    with translation.override("kk"):
        russian, chinese = gettext("(written in Russian)"), gettext("(written in Chinese)")
    page = client.get(f"/kk/training/{cohort.pk}/").text
    assert f'<h1><span lang="ru">Весенний поток в Сиане</span> <small class="written-in">{russian}</small>' in page
    assert f'<span lang="zh-hans">人工智能基础</span> <small class="written-in">{chinese}</small>' in page
    chinese_page = client.get(f"/zh-hans/training/{cohort.pk}/").text
    assert "<h1>西安春季班 <span" in chinese_page


def test_the_api_gives_the_title_in_the_language_asked_for_with_its_versions(world, course, people):
    trainer = people[0]
    body = cohort_body(course, title="Autumn 2026", written_in="en", translations={"ru": {"title": "Осень 2026"}},
                       sessions=[{"starts_at": "2026-09-07 10:00", "topic": "Opening", "translations": {"ru": {"topic": "Открытие"}}}])
    created = api(trainer, "post", "/cohorts/", body)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    russian = api(trainer, "get", f"/cohorts/{pk}?lang=ru").json()
    assert (russian["title"], russian["title_language"], russian["written_in"]) == ("Осень 2026", "ru", "en")
    assert russian["translations"] == {"ru": {"title": "Осень 2026"}} and russian["sessions"][0]["topic"] == "Открытие"
    kazakh = api(trainer, "get", f"/cohorts/{pk}?lang=kk").json()  # no Kazakh version: Russian comes next
    assert (kazakh["title"], kazakh["title_language"]) == ("Осень 2026", "ru")
    chinese = api(trainer, "get", f"/cohorts/{pk}?lang=zh-hans").json()  # Chinese, then English: the author's
    assert (chinese["title"], chinese["title_language"]) == ("Autumn 2026", "en")
    listed = api(trainer, "get", "/cohorts/?lang=ru").json()["items"]
    assert [c["title"] for c in listed] == ["Осень 2026"]


def test_the_api_reads_the_language_from_accept_language_without_lang(client, world, course, people):
    from ortaq.accounts.services import api_token_create

    trainer = people[0]
    created = api(trainer, "post", "/cohorts/", cohort_body(course, title="Autumn 2026", written_in="en", translations={"kk": {"title": "Күз 2026"}}))
    _token, secret = api_token_create(actor=trainer, name="lang")
    response = client.get(f"/api/v1/training/cohorts/{created.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="kk")
    assert response.json()["title"] == "Күз 2026"


def test_the_api_refuses_hostile_versions_and_writes_nothing(world, course, people):
    trainer = people[0]
    for translations in ({"de": {"title": "Herbst"}}, {"ru": {"title": {"nested": "x"}}}, {"ru": {"summary": "x"}}, {"ru": {"title": "x" * 10_000}}):
        refused = api(trainer, "post", "/cohorts/", cohort_body(course, translations=translations))
        assert refused.status_code == 422, (translations, refused.content)
    assert api(trainer, "post", "/cohorts/", cohort_body(course, written_in="de")).status_code == 422
    assert not Cohort.objects.exists()
