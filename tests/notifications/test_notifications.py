"""Notifications: one stored notification reads in each recipient's language (kk, ru, zh-hans, en), its e-mail goes
out in the recipient's preferred language once the action is committed, a mail server that is down is logged and
does not undo the action, and a person reads and marks only their own notifications."""

from __future__ import annotations

import logging
import smtplib

import pytest
from django.core import mail

from ortaq.mobility import services as mobility_services
from ortaq.mobility.models import Call, CallState
from ortaq.notifications import selectors, services
from ortaq.notifications.models import Notification
from tests.mobility.conftest import agreement_ac_in_effect, call_input  # noqa: F401 (a fixture used below)

SUBJECTS = {"kk": "Есепке алу туралы шешім", "ru": "Решение о признании", "zh-hans": "学分认定决定", "en": "Recognition decision"}
NEW_CALL = {"kk": "Жаңа конкурс: Стажировка", "ru": "Новый конкурс: Стажировка", "zh-hans": "新遴选公告：Стажировка", "en": "New call: Стажировка"}


def one(user, key="recognition_decided", params=None, url="") -> Notification:
    services.notify(recipients=[user], key=key, params=params or {"deadline": "2026-09-01"}, url=url, email=False)
    return Notification.objects.filter(recipient=user).latest("id")


@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans", "en"])
def test_a_notification_is_rendered_in_the_language_asked_for(world, language):
    notification = one(world["student_a"], key="call_opened", params={"call": "Стажировка", "deadline": "2026-05-01 12:00"})
    subject, body = services.render(notification, language)
    assert subject == NEW_CALL[language]
    assert "2026-05-01 12:00" in body


def test_an_unknown_key_is_refused_and_nothing_is_stored(world):
    with pytest.raises(KeyError):
        services.notify(recipients=[world["student_a"]], key="no_such_message", params={})
    assert not Notification.objects.exists()


def test_links_are_stored_without_the_language_and_opened_in_the_readers_language(world):
    notification = one(world["student_a"], url="/ru/recognition/5/")
    assert notification.url == "/recognition/5/"
    assert services.link(notification, "kk") == "/kk/recognition/5/"
    assert services.link(one(world["student_a"]), "kk") == ""


@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans"])
def test_each_recipient_gets_the_email_in_their_own_language_after_commit(world, django_capture_on_commit_callbacks, language):
    reader, english = world["student_a"], world["student_b"]
    reader.email, reader.preferred_language = "reader@example.kz", language
    english.email = "english@example.kz"
    reader.save(), english.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(recipients=[reader, english], key="recognition_decided", params={"deadline": "2026-09-01"}, url="/en/recognition/1/")
    assert mail.outbox == []  # nothing is sent before the change that caused it is committed
    for callback in callbacks:
        callback()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["reader@example.kz"].subject == SUBJECTS[language]
    assert f"/{language}/recognition/1/" in by_address["reader@example.kz"].body
    assert by_address["english@example.kz"].subject == SUBJECTS["en"]
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_a_person_without_an_email_address_gets_only_the_in_app_notification(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[world["student_a"]], key="recognition_decided", params={"deadline": "2026-09-01"})
    assert mail.outbox == []
    assert Notification.objects.get().emailed_at is None


def test_a_failing_mail_server_is_logged_and_does_not_undo_the_call_being_opened(world, agreement_ac_in_effect, django_capture_on_commit_callbacks, monkeypatch, caplog):  # noqa: F811
    student = world["student_a"]
    student.email, student.preferred_language = "student@example.kz", "ru"
    student.save()

    def refused(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "mail server down")

    monkeypatch.setattr(services, "send_mail", refused)
    call = mobility_services.call_create(actor=world["coordinator_a"], owner=world.a, call=call_input(title="Стажировка"))
    mobility_services.call_option_add(actor=world["coordinator_a"], call=call, condition=agreement_ac_in_effect.conditions.get(), places=2)
    with caplog.at_level(logging.WARNING, logger="ortaq.notifications.services"), django_capture_on_commit_callbacks(execute=True):
        mobility_services.call_open(actor=world["coordinator_a"], call=call)
    assert Call.objects.get(pk=call.pk).state == CallState.OPEN
    notification = Notification.objects.get(recipient=student)
    assert notification.emailed_at is None
    assert services.render(notification, "ru")[0] == NEW_CALL["ru"]
    assert f"could not e-mail notification {notification.pk} to user {student.pk}" in caplog.text


def test_one_failed_address_does_not_stop_the_others(world, django_capture_on_commit_callbacks, monkeypatch):
    first, second = world["student_a"], world["student_b"]
    first.email, second.email = "down@example.kz", "up@example.kz"
    first.save(), second.save()
    sent = []

    def flaky(subject, body, sender, to):
        if to == ["down@example.kz"]:
            raise ConnectionRefusedError
        sent.append(to)

    monkeypatch.setattr(services, "send_mail", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[first, second], key="recognition_decided", params={"deadline": "2026-09-01"})
    assert sent == [["up@example.kz"]]
    assert {n.recipient_id: n.emailed_at is not None for n in Notification.objects.all()} == {first.pk: False, second.pk: True}


def test_marking_read_touches_only_ones_own_notifications(world):
    mine_1, mine_2, theirs = one(world["student_a"]), one(world["student_a"]), one(world["student_b"])
    assert services.mark_read(user=world["student_a"], notification_id=theirs.pk) == 0
    assert services.mark_read(user=world["student_a"], notification_id=mine_1.pk) == 1
    assert selectors.unread_count(user=world["student_a"]) == 1
    assert list(selectors.notifications_of(user=world["student_a"], unread_only=True)) == [mine_2]
    assert services.mark_read(user=world["student_a"]) == 1
    assert selectors.unread_count(user=world["student_a"]) == 0
    assert list(selectors.notifications_of(user=world["student_a"])) == [mine_2, mine_1]  # newest first
    theirs.refresh_from_db()
    assert theirs.read_at is None and selectors.unread_count(user=world["student_b"]) == 1


@pytest.mark.parametrize("language", ["kk", "ru", "zh-hans"])
def test_the_page_shows_the_notification_in_the_pages_language_with_a_link_in_it(client, world, language):
    one(world["student_a"], url="/en/recognition/7/")
    one(world["student_b"], key="call_opened", params={"call": "Someone else's", "deadline": "x"})
    client.force_login(world["student_a"])
    page = client.get(f"/{language}/notifications/")
    assert page.status_code == 200
    assert SUBJECTS[language] in page.text
    assert f'href="/{language}/recognition/7/"' in page.text
    assert "Someone else" not in page.text


def test_mark_all_as_read_through_the_page_leaves_other_peoples_notifications_unread(client, world):
    one(world["student_a"]), one(world["student_a"]), one(world["student_b"])
    client.force_login(world["student_a"])
    assert client.get("/en/notifications/read/").status_code == 405  # a link cannot mark anything
    response = client.post("/en/notifications/read/")
    assert response.status_code == 302 and response.url == "/en/notifications/"
    assert selectors.unread_count(user=world["student_a"]) == 0
    assert selectors.unread_count(user=world["student_b"]) == 1


def test_the_pages_need_a_signed_in_user(client, world):
    one(world["student_a"])
    assert client.get("/en/notifications/").status_code == 302
    assert client.post("/en/notifications/read/").status_code == 302
    assert selectors.unread_count(user=world["student_a"]) == 1
