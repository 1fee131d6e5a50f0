"""The time zone a person reads times in (ortaq.i18n): their own, else their institution's country's, else the
platform's; for many readers at once in one query; a date deadline starts where the reader lives."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ortaq.i18n import moment_in, reader_time_zone, reader_time_zones
from tests.conftest import make_user


@pytest.mark.django_db
def test_many_readers_get_the_zone_each_would_get_alone_in_one_query(world, settings):
    settings.TIME_ZONE = "UTC"
    in_tianjin = make_user("reader_cn", (world.c, "student"))
    nowhere = make_user("reader_none")
    readers = [world["student_a"], in_tianjin, nowhere]
    with CaptureQueriesContext(connection) as queries:
        zones = reader_time_zones(readers)
    assert len(queries) == 1
    assert {pk: zone.key for pk, zone in zones.items()} == {
        world["student_a"].pk: "Asia/Almaty", in_tianjin.pk: "Asia/Shanghai", nowhere.pk: "UTC"}
    assert all(zones[reader.pk] == reader_time_zone(reader) for reader in readers)


def test_a_date_deadline_starts_at_midnight_where_the_reader_lives_and_a_moment_stays_as_it_is():
    almaty = zoneinfo.ZoneInfo("Asia/Almaty")
    assert moment_in(dt.date(2026, 12, 5), almaty) == dt.datetime(2026, 12, 4, 19, 0, tzinfo=dt.UTC)
    moment = dt.datetime(2026, 12, 5, 13, 0, tzinfo=dt.UTC)
    assert moment_in(moment, almaty) is moment
