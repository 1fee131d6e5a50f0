"""The REST API gives a call's and an offer's title (and tasks) in the language asked for (?lang=, else
Accept-Language) with the author's language and the other versions, and takes them on writing (decision 0009)."""

from __future__ import annotations

from ortaq.mobility.models import Call, InternshipOffer
from tests.mobility.test_api import api
from tests.mobility.test_api_offer_and_call_writes import OFFER, call_body


def test_a_call_is_written_with_versions_and_read_in_the_language_asked_for(world):
    coordinator = world["coordinator_a"]
    created = api(coordinator, "post", "/calls/", call_body(world.a.pk, title="焊接实习 2027", written_in="zh-hans", acceptance_days=10,
                                                           translations={"ru": {"title": "Практика по сварке 2027"}}))
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    call = Call.objects.get(pk=pk)
    assert (call.written_in, call.translations, call.acceptance_days) == ("zh-hans", {"ru": {"title": "Практика по сварке 2027"}}, 10)
    kazakh = api(coordinator, "get", f"/calls/{pk}?lang=kk").json()  # no Kazakh: Russian comes next
    assert (kazakh["title"], kazakh["title_language"], kazakh["written_in"]) == ("Практика по сварке 2027", "ru", "zh-hans")
    assert kazakh["translations"] == {"ru": {"title": "Практика по сварке 2027"}} and kazakh["acceptance_days"] == 10
    english = api(coordinator, "get", f"/calls/{pk}?lang=en").json()  # no English: the author's Chinese
    assert (english["title"], english["title_language"]) == ("焊接实习 2027", "zh-hans")
    listed = api(coordinator, "get", "/calls/?lang=ru").json()["items"]
    assert "Практика по сварке 2027" in [c["title"] for c in listed]


def test_a_patch_without_versions_keeps_them_and_one_with_versions_replaces_them(world):
    coordinator = world["coordinator_a"]
    pk = api(coordinator, "post", "/calls/", call_body(world.a.pk, written_in="en", translations={"kk": {"title": "Оқу 2027"}})).json()["id"]
    assert api(coordinator, "patch", f"/calls/{pk}", {"max_choices": 2}).status_code == 200
    assert Call.objects.get(pk=pk).translations == {"kk": {"title": "Оқу 2027"}}
    assert api(coordinator, "patch", f"/calls/{pk}", {"translations": {"ru": {"title": "Учёба 2027"}}}).status_code == 200
    assert Call.objects.get(pk=pk).translations == {"ru": {"title": "Учёба 2027"}}


def test_an_offers_tasks_follow_the_readers_language_too(world, enterprise):
    company, supervisor = enterprise
    body = {**OFFER, "host_id": company.pk, "written_in": "en", "translations": {"zh-hans": {"title": "焊工实习", "tasks": "焊接框架"}}}
    created = api(supervisor, "post", "/offers/", body)
    assert created.status_code == 201, created.content
    chinese = api(supervisor, "get", f"/offers/{created.json()['id']}?lang=zh-hans").json()
    assert (chinese["title"], chinese["tasks"], chinese["tasks_language"], chinese["written_in"]) == ("焊工实习", "焊接框架", "zh-hans", "en")
    russian = api(supervisor, "get", f"/offers/{created.json()['id']}?lang=ru").json()  # ru, kk, then the author's English
    assert (russian["title"], russian["title_language"]) == ("Welding intern", "en")


def test_hostile_versions_and_acceptance_periods_are_refused_and_nothing_is_written(world, enterprise):
    coordinator = world["coordinator_a"]
    for changes in ({"translations": {"de": {"title": "x"}}}, {"translations": {"ru": {"title": {"deep": "x"}}}},
                    {"translations": {"ru": {"tasks": "x"}}}, {"translations": {"ru": {"title": "x" * 10_000}}},
                    {"written_in": "de"}, {"acceptance_days": 0}, {"acceptance_days": 61}):
        refused = api(coordinator, "post", "/calls/", call_body(world.a.pk, title="Hostile", **changes))
        assert refused.status_code == 422, (changes, refused.content)
    assert not Call.objects.filter(title="Hostile").exists()
    company, supervisor = enterprise
    long_tasks = api(supervisor, "post", "/offers/", {**OFFER, "host_id": company.pk, "translations": {"ru": {"tasks": "x" * 20_000}}})
    assert long_tasks.status_code == 422 and not InternshipOffer.objects.exists()
