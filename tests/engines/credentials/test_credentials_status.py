"""Bitstring Status List: revocation and suspension, and `unknown` whenever status cannot be known."""

from __future__ import annotations

import base64
import gzip

import pytest

import ortaq.engines.credentials as creds
from ortaq.engines.credentials.status import decode_bits

LIST_URL = "https://almaty-poly.edu.kz/status/revocation/1"
SUSPENSION_URL = "https://almaty-poly.edu.kz/status/suspension/1"


def _status_check(report: creds.VerificationReport) -> creds.Check:
    return next(c for c in report.checks if c.name == "status")


@pytest.fixture()
def issued(college_key, make_credential):
    revocation, suspension = creds.StatusList("revocation"), creds.StatusList("suspension")
    r_index, s_index = revocation.allocate(), suspension.allocate()
    credential = creds.sign(
        make_credential(college_key.controller, status=[revocation.entry(r_index, LIST_URL), suspension.entry(s_index, SUSPENSION_URL)]),
        college_key,
    )
    return credential, revocation, suspension, r_index, s_index


def _publish(cache: creds.StatusListCache, status_list: creds.StatusList, url: str, key: creds.Multikey, **kwargs) -> dict:
    list_credential = creds.sign(status_list.credential(url, key.controller, **kwargs), key)
    cache.put(url, list_credential)
    return list_credential


def test_it_makes_lists_of_at_least_131072_entries_and_refuses_smaller_ones() -> None:
    assert creds.StatusList().size == 131_072 == creds.MIN_ENTRIES
    with pytest.raises(creds.StatusListError, match="at least 131072"):
        creds.StatusList(size=1024)


def test_it_allocates_distinct_random_indices() -> None:
    status_list = creds.StatusList()
    indices = [status_list.allocate() for _ in range(2000)]
    assert len(set(indices)) == 2000
    assert indices != sorted(indices)  # not sequential: position reveals nothing
    assert max(indices) > 65_536  # spread over the whole list


def test_it_encodes_gzip_multibase_base64url_with_the_first_index_as_the_leftmost_bit() -> None:
    status_list = creds.StatusList()
    status_list.set(0)
    status_list.set(131_071)
    encoded = status_list.encode()
    assert encoded.startswith("u")
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == 16_384
    assert raw[0] == 0b1000_0000 and raw[-1] == 0b0000_0001
    decoded = creds.StatusList.decode(encoded)
    assert decoded.get(0) and decoded.get(131_071) and not decoded.get(1)


def test_it_sets_and_clears_entries() -> None:
    status_list = creds.StatusList("suspension")
    status_list.set(42)
    assert status_list.get(42)
    status_list.clear(42)
    assert not status_list.get(42)
    with pytest.raises(creds.StatusListError):
        status_list.set(131_072)


def test_it_reports_valid_when_both_lists_are_current_and_unset(issued, college_key) -> None:
    credential, revocation, suspension, _r, _s = issued
    cache = creds.StatusListCache()
    _publish(cache, revocation, LIST_URL, college_key)
    _publish(cache, suspension, SUSPENSION_URL, college_key)
    report = creds.verify(credential, status_resolver=cache)
    assert report.verified, report.to_json()
    assert report.status == "valid"


def test_it_reports_revoked(issued, college_key) -> None:
    credential, revocation, suspension, r_index, _s = issued
    revocation.set(r_index)
    cache = creds.StatusListCache()
    _publish(cache, revocation, LIST_URL, college_key)
    _publish(cache, suspension, SUSPENSION_URL, college_key)
    report = creds.verify(credential, status_resolver=cache)
    assert report.status == "revoked" and not report.verified
    assert f"marks entry {r_index}: the credential is revoked" in _status_check(report).reason


def test_it_reports_suspended_and_valid_again_after_reinstatement(issued, college_key) -> None:
    credential, revocation, suspension, _r, s_index = issued
    cache = creds.StatusListCache()
    _publish(cache, revocation, LIST_URL, college_key)
    suspension.set(s_index)
    _publish(cache, suspension, SUSPENSION_URL, college_key)
    assert creds.verify(credential, status_resolver=cache).status == "suspended"
    suspension.clear(s_index)
    _publish(cache, suspension, SUSPENSION_URL, college_key)
    assert creds.verify(credential, status_resolver=cache).status == "valid"


def test_it_never_says_valid_offline_without_the_list(issued) -> None:
    credential = issued[0]
    report = creds.verify(credential)
    assert report.status == "unknown" and not report.verified
    assert "no status list available offline" in _status_check(report).reason
    empty = creds.verify(credential, status_resolver=creds.StatusListCache())
    assert empty.status == "unknown"
    assert "unreachable or stale" in _status_check(empty).reason


def test_it_treats_a_stale_list_as_unknown(issued, college_key) -> None:
    credential, revocation, suspension, _r, _s = issued
    clock = [1_000_000.0]
    cache = creds.StatusListCache(max_age_seconds=3600, clock=lambda: clock[0])
    _publish(cache, revocation, LIST_URL, college_key)
    _publish(cache, suspension, SUSPENSION_URL, college_key)
    assert creds.verify(credential, status_resolver=cache).status == "valid"
    clock[0] += 7200
    assert creds.verify(credential, status_resolver=cache).status == "unknown"


def test_it_treats_an_expired_list_credential_as_unknown(issued, college_key) -> None:
    credential, revocation, suspension, _r, _s = issued
    cache = creds.StatusListCache()
    _publish(cache, revocation, LIST_URL, college_key, valid_until="2026-08-01T00:00:00Z")
    _publish(cache, suspension, SUSPENSION_URL, college_key)
    report = creds.verify(credential, status_resolver=cache)
    assert report.status == "unknown"
    assert "expired" in _status_check(report).reason


def test_it_treats_a_list_signed_by_someone_else_or_tampered_as_unknown(issued, college_key) -> None:
    credential, revocation, suspension, r_index, _s = issued
    revocation.set(r_index)
    cache = creds.StatusListCache()
    _publish(cache, suspension, SUSPENSION_URL, college_key)
    stranger = creds.generate_key()
    _publish(cache, revocation, LIST_URL, stranger)
    assert "not by the credential's issuer" in _status_check(creds.verify(credential, status_resolver=cache)).reason
    forged = _publish(cache, revocation, LIST_URL, college_key)
    forged["credentialSubject"]["encodedList"] = creds.StatusList().encode()  # attacker "un-revokes"
    cache.put(LIST_URL, forged)
    report = creds.verify(credential, status_resolver=cache)
    assert report.status == "unknown" and "is not valid" in _status_check(report).reason


def test_it_treats_a_resolver_that_raises_as_unknown(issued) -> None:
    def broken(url: str) -> dict:
        raise TimeoutError("network down")

    assert creds.verify(issued[0], status_resolver=broken).status == "unknown"


def test_it_refuses_gzip_bombs_and_short_lists() -> None:
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * (9 * 1024 * 1024))).decode().rstrip("=")
    with pytest.raises(creds.StatusListError, match="more than the allowed size"):
        decode_bits(bomb)
    short = "u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 100)).decode().rstrip("=")
    with pytest.raises(creds.StatusListError, match="at least 131072"):
        decode_bits(short)
