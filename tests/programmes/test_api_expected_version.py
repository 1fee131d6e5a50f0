"""A programme edited through the REST API from a version someone else has replaced is refused with the current one."""

from __future__ import annotations

from tests.programmes.test_programmes import programme_a  # noqa: F401 (fixture)


def test_an_edit_from_the_version_read_passes_and_one_from_a_replaced_version_gets_409(client, world, programme_a):  # noqa: F811
    client.force_login(world["coordinator_a"])
    read = client.get(f"/api/v1/programmes/{programme_a.pk}").json()["version"]
    first = client.patch(f"/api/v1/programmes/{programme_a.pk}", {"title_en": "First", "expected_version": read}, content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] != read
    second = client.patch(f"/api/v1/programmes/{programme_a.pk}", {"title_en": "Second", "expected_version": read}, content_type="application/json")
    assert second.status_code == 409
    assert (second.json()["code"], second.json()["current_version"]) == ("version_conflict", first.json()["version"])
    programme_a.refresh_from_db()
    assert programme_a.title_en == "First"
