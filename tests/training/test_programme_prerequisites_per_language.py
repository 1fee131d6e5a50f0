"""A training programme's prerequisites, like its title, have a version per language (prerequisites_kk ... _en):
each reader reads their own, else the English one; the text a programme had before goes to its language's column."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ortaq.training.models import TrainingProgramme


@pytest.fixture
def programme(world):
    return TrainingProgramme.objects.create(code="AI", title_en="AI in education management", provider=world.c,
                                            prerequisites_en="A management post at a college.",
                                            prerequisites_kk="Колледждегі басшылық лауазым.")


@pytest.mark.parametrize(("language", "expected"), [("kk", "Колледждегі басшылық лауазым."), ("en", "A management post at a college."),
                                                    ("zh-hans", "A management post at a college.")])
def test_the_catalogue_shows_the_prerequisites_in_the_reader_s_language_else_in_english(client, world, programme, language, expected):
    client.force_login(world["coordinator_a"])
    page = client.get(f"/{language}/training/catalogue/").text
    assert expected in page
    assert ("Колледждегі" in page) == (language == "kk")


@pytest.mark.django_db(transaction=True)
def test_the_one_text_a_programme_had_moves_to_the_column_of_its_language(world):
    executor = MigrationExecutor(connection)
    executor.migrate([("training", "0002_written_in_and_translations")])
    old = executor.loader.project_state(("training", "0002_written_in_and_translations")).apps.get_model("training", "TrainingProgramme")
    old.objects.create(code="RU", title_en="Russian", provider_id=world.c.pk, prerequisites="Должность руководителя колледжа.")
    old.objects.create(code="EN", title_en="English", provider_id=world.c.pk, prerequisites="A management post.")
    old.objects.create(code="NONE", title_en="None", provider_id=world.c.pk)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = {p.code: (p.prerequisites_kk, p.prerequisites_ru, p.prerequisites_zh, p.prerequisites_en) for p in TrainingProgramme.objects.all()}
    assert rows == {"RU": ("", "Должность руководителя колледжа.", "", ""), "EN": ("", "", "", "A management post."), "NONE": ("", "", "", "")}
