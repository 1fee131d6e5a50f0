"""A notification reads wholly in its recipient's language, whoever caused it, and its times are the recipient's:
the same on the page and in the e-mail, the zone named."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import translation

from ortaq.i18n import reader_time_zone
from ortaq.notifications import services
from ortaq.notifications.models import Notification
from tests.mobility.conftest import agreement_ac_in_effect, apply_all, close, enterprise, open_call, published_offer, students  # noqa: F401 (fixtures)

HAN = re.compile(r"[\u4e00-\u9fff]")
DEADLINE = dt.datetime(2026, 5, 1, 13, 0, tzinfo=dt.UTC)  # 18:00 in Almaty, 21:00 in Shanghai


def _latest(user) -> Notification:
    return Notification.objects.filter(recipient=user).latest("id")


def _decided_by_a_chinese_host(world, decision: object) -> Notification:
    """The host's coordinator works in Chinese: whatever they cause is made while Chinese is active."""
    with translation.override("zh-hans"):
        services.notify(recipients=[world["student_a"]], key="nomination_decided", email=False,
                        params={"decision": decision, "call": "Internship 2026", "host": services.names(world.c)["$names"]["latin"],
                                "applicant": "Student A"})
    return _latest(world["student_a"])


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_decision_by_a_chinese_host_reads_without_a_chinese_word_for_a_kazakh_student(world, language):
    notification = _decided_by_a_chinese_host(world, services.term("accepted"))
    subject, body = services.render(notification, language)
    assert not HAN.search(subject + body)
    with translation.override(language):
        accepted = str(translation.gettext("accepted"))
    assert accepted in subject and accepted in body


def test_a_decision_stored_already_translated_by_an_older_version_is_read_in_the_readers_language(world):
    with translation.override("zh-hans"):
        chinese = translation.gettext("accepted")
    notification = _decided_by_a_chinese_host(world, chinese)
    assert notification.params["decision"] == chinese  # as an older version stored it
    subject, body = services.render(notification, "kk")
    with translation.override("kk"):
        assert translation.gettext("accepted") in subject
    assert chinese == "已接受" and not HAN.search(subject + body)


def test_names_with_versions_per_language_are_read_in_the_readers_language_with_the_latin_form_as_fallback(world):
    world.c.name_zh, world.c.name_ru, world.c.name_latin = "合作学院", "Колледж-партнёр", "Hezuo Xueyuan"
    services.notify(recipients=[world["student_a"]], key="offer_published", params={"offer": "Welding", "host": services.names(world.c)}, email=False)
    notification = _latest(world["student_a"])
    assert "Колледж-партнёр" in services.render(notification, "ru")[1]
    assert "合作学院" in services.render(notification, "zh-hans")[1]
    assert "Hezuo Xueyuan" in services.render(notification, "kk")[1]


def test_an_unknown_word_is_refused_when_the_notification_is_made():
    with pytest.raises(KeyError):
        services.term("maybe")


def test_a_moment_is_stored_in_utc_and_mailed_in_each_readers_zone_with_the_zone_named(world, django_capture_on_commit_callbacks):
    kazakh, chinese = world["student_a"], world["student_c"]
    kazakh.email, kazakh.preferred_language = "a@example.kz", "kk"
    chinese.email, chinese.preferred_language = "c@example.cn", "zh-hans"
    kazakh.save(), chinese.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[kazakh, chinese], key="call_opened", params={"call": "Internship", "deadline": DEADLINE})
    assert Notification.objects.filter(recipient=kazakh).get().params["deadline"] == {"$when": "2026-05-01T13:00:00+00:00"}
    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert "18:00 (Asia/Almaty)" in by_address["a@example.kz"] and "13:00" not in by_address["a@example.kz"]
    assert "21:00 (Asia/Shanghai)" in by_address["c@example.cn"]


def test_the_page_shows_the_same_time_as_the_mail(world, client, django_capture_on_commit_callbacks):
    reader = world["coordinator_c"]  # at the Chinese partner college, reading in Russian
    reader.email, reader.preferred_language = "c@example.cn", "ru"
    reader.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[reader], key="call_opened", params={"call": "Internship", "deadline": DEADLINE})
    mailed = mail.outbox[0].body
    client.force_login(reader)
    page = client.get("/ru/notifications/").content.decode()
    shown = services.render(_latest(reader), "ru", reader_time_zone(reader))[1]
    assert "21:00 (Asia/Shanghai)" in shown and shown in mailed
    assert shown in page.replace("&nbsp;", "\u00a0")


def test_pages_show_times_in_the_readers_zone(world, client):
    from django.utils import timezone

    client.force_login(world["coordinator_c"])
    seen = {}

    def spy(request):
        from django.http import HttpResponse

        seen["zone"] = timezone.get_current_timezone().key
        return HttpResponse("ok")

    from django.test import override_settings
    from django.urls import path

    urls = type("urls", (), {"urlpatterns": [path("zone/", spy)]})
    with override_settings(ROOT_URLCONF=urls):
        client.get("/zone/")
    assert seen["zone"] == "Asia/Shanghai"
    client.force_login(world["coordinator_a"])
    with override_settings(ROOT_URLCONF=urls):
        client.get("/zone/")
    assert seen["zone"] == "Asia/Almaty"


def test_a_host_deciding_in_chinese_notifies_a_kazakh_student_wholly_in_kazakh(world, enterprise, open_call, django_capture_on_commit_callbacks):  # noqa: F811
    from ortaq.mobility import round_services, selectors

    people = students(world, 3)
    apply_all(open_call, people, [95, 80, 70])
    close(open_call)
    with django_capture_on_commit_callbacks(execute=True):
        placement_round = round_services.round_request(actor=world["coordinator_a"], call=open_call)
    placement_round.refresh_from_db()
    round_services.round_publish(actor=world["coordinator_a"], placement_round=placement_round)
    company, supervisor = enterprise
    nomination = selectors.nominations_for_host(actor=supervisor).first()
    with translation.override("zh-hans"):
        round_services.nomination_decide(actor=supervisor, nomination=nomination, accept=True)
    student = nomination.application.applicant
    subject, body = services.render(Notification.objects.filter(recipient=student, key="nomination_decided").get(), "kk")
    assert not HAN.search(subject + body)
    with translation.override("kk"):
        assert translation.gettext("accepted") in subject


def test_a_count_of_nominations_takes_the_plural_form_of_its_noun(world):
    for count in (1, 3):
        services.notify(recipients=[world["coordinator_c"]], key="nominations_received", email=False,
                        params={"count": count, "host": "Partner C", "call": "Internship"})
    three, one = Notification.objects.filter(recipient=world["coordinator_c"]).order_by("-id")[:2]
    assert services.render(one, "en") == ("1 new nomination: Internship",
                                          "1 person has been nominated to Partner C through Internship. Please accept or decline.")
    assert services.render(three, "en")[0] == "3 new nominations: Internship"
    with translation.override("ru"):
        expected = translation.ngettext("%(count)d new nomination: %(call)s", "%(count)d new nominations: %(call)s", 3) % {"count": 3, "call": "Internship"}
    assert services.render(three, "ru")[0] == expected


def test_opening_a_call_sends_its_deadline_as_a_moment_each_reader_sees_in_their_zone(world, open_call):  # noqa: F811
    notification = Notification.objects.filter(key="call_opened").first()
    assert notification is not None and "$when" in notification.params["deadline"]
    body = services.render(notification, "ru", reader_time_zone(world["student_c"]))[1]
    assert "(Asia/Shanghai)" in body
