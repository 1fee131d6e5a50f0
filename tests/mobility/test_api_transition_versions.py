"""Transitions of records without a version column (a round's publication, a host's decision on a nominee) take the
`version` the caller read as `expected_version` and refuse a stale one with 409 and the current version."""

from __future__ import annotations

from ortaq.mobility.models import Nomination, PlacementRound
from tests.mobility.test_api import api, journey  # noqa: F401 (fixture)
from tests.mobility.test_during_mobility import outcome  # noqa: F401 (fixture)


def test_a_nomination_decided_from_a_stale_version_is_refused(world, journey):  # noqa: F811
    pending, host = journey["pending"], world["coordinator_c"]
    read = api(host, "get", "/nominations/?state=pending").json()["items"][0]["version"]
    stale = api(host, "post", f"/nominations/{pending.pk}/decide", {"decision": "accept", "expected_version": "0" * 16})
    assert (stale.status_code, stale.json()["code"], stale.json()["current_version"]) == (409, "version_conflict", read)
    assert Nomination.objects.get(pk=pending.pk).state == "pending"
    decided = api(host, "post", f"/nominations/{pending.pk}/decide", {"decision": "accept", "expected_version": read})
    assert decided.status_code == 200 and decided.json()["state"] == "accepted" and decided.json()["version"] != read


def test_a_round_is_published_only_from_the_version_read(world, journey):  # noqa: F811
    coordinator, dry_run = world["coordinator_a"], journey["dry_run"]
    read = api(coordinator, "get", f"/rounds/{dry_run.pk}").json()["version"]
    assert api(coordinator, "post", f"/rounds/{dry_run.pk}/publish?expected_version={'0' * 16}").status_code == 409
    assert PlacementRound.objects.get(pk=dry_run.pk).state == "dry_run"
    assert api(coordinator, "post", f"/rounds/{dry_run.pk}/publish?expected_version={read}").json()["state"] == "published"
