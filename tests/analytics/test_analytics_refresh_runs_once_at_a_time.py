"""The rebuild is safe to run again and to run twice at once (the hourly refresh and an analyst's): the fact
tables end with each figure counted once. A crash before the rebuild commits leaves the old figures whole."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from ortaq.analytics import services
from ortaq.analytics.models import CredentialFact, MobilityFact, PlacesFact, RecognitionFact, TrainingFact
from tests.jobs.shared_database import shared_db  # noqa: F401

FACTS = (MobilityFact, PlacesFact, CredentialFact, RecognitionFact, TrainingFact)


def rows() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in FACTS}


def test_refreshing_again_gives_the_same_rows(figures):
    before = rows()
    assert sum(before.values()) > 0
    assert services.aggregates_refresh().rows == sum(before.values())
    assert rows() == before


def test_a_refresh_that_fails_before_committing_leaves_the_previous_figures(figures, monkeypatch):
    before = rows()
    monkeypatch.setattr(services, "_choices", lambda *args: (_ for _ in ()).throw(RuntimeError("worker killed")))
    with pytest.raises(RuntimeError):
        services.aggregates_refresh()
    assert rows() == before


def test_two_refreshes_at_once_count_each_figure_once(shared_db, transactional_db, figures, monkeypatch):
    expected = rows()
    real = services._choices

    def slow_choices(*args):
        # Called after the facts are written, before the commit: widens the window in which a second refresh
        # would otherwise delete only the rows it can see and insert its own beside the first one's.
        time.sleep(0.5)
        return real(*args)

    monkeypatch.setattr(services, "_choices", slow_choices)
    barrier, errors = threading.Barrier(2), []

    def refresh():
        try:
            barrier.wait(timeout=30)
            services.aggregates_refresh()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert rows() == expected
