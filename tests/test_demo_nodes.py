"""`ortaq serve --demo --node kz|cn` splits the demo by country: each node holds its country's institutions, their
people (same logins as the single-node demo) and only records whose institutions it hosts, so that nothing
points across the border before the nodes are peered (docs/federation.md, "Demo: two nodes")."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import override_settings
from django.utils import translation

from ortaq.demo import INSTITUTIONS, NODE_ADMIN_HOME, NODES, PEOPLE

COUNTRY = {key: country for key, *_, country, _region, _city, _extra in INSTITUTIONS}


def _counts() -> dict[str, int]:
    # Every load refreshes the analytics aggregates (so that dashboards show the demo at once), and logs the run.
    return {model._meta.label: model.objects.count() for model in apps.get_models() if model._meta.label != "analytics.Refresh"}


@pytest.fixture(scope="module", params=sorted(NODES))
def node(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """One country's node, loaded once (and a second time, to see that nothing changes) and rolled back after."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    )
    with django_db_blocker.unblock(), fast, translation.override("en"):
        from ortaq.demo import load_demo

        with transaction.atomic():
            first = load_demo(node=request.param)
            counts = _counts()
            second = load_demo(node=request.param)
            yield {"name": request.param, "country": NODES[request.param][0], "summaries": (first, second),
                   "counts": (counts, _counts())}
            transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_a_node_hosts_only_its_countrys_demo_institutions_all_of_them(node):
    from ortaq.institutions.models import Institution

    expected = {key for key, country in COUNTRY.items() if country == node["country"]}
    assert Institution.objects.count() == len(expected) >= 5
    assert set(Institution.objects.values_list("country", flat=True)) == {node["country"]}
    assert not Institution.objects.filter(node__isnull=False).exists()  # no mirrors before peering


def test_every_demo_login_of_the_nodes_country_signs_in_there_and_no_other(node):
    from django.contrib.auth import authenticate

    from ortaq.accounts.models import User
    from ortaq.demo import DEMO_PASSWORD

    for username, _name, role, key, _extra in PEOPLE:
        home = NODE_ADMIN_HOME.get(node["name"], key) if role == "platform_admin" else key
        if COUNTRY[home] == node["country"]:
            user = authenticate(username=username, password=DEMO_PASSWORD)
            assert user is not None, username
            assert {m.institution.country for m in user.memberships.select_related("institution")} == {node["country"]}
        else:
            assert not User.objects.filter(username=username).exists(), username


def test_each_node_has_its_platform_administrator(node):
    from ortaq.accounts.models import User

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.memberships.filter(role="platform_admin").exists()


def test_no_record_refers_to_an_institution_of_the_other_country(node):
    from ortaq.institutions.models import Institution

    local = set(Institution.objects.filter(country=node["country"]).values_list("pk", flat=True))
    checked = 0
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not (field.is_relation and field.related_model is Institution and field.concrete):
                continue
            if isinstance(field, models.ManyToManyField):
                referred = set(model.objects.exclude(**{f"{field.name}__isnull": True}).values_list(field.name, flat=True))
            else:
                referred = set(model.objects.exclude(**{f"{field.attname}__isnull": True}).values_list(field.attname, flat=True))
            assert referred <= local, f"{model._meta.label}.{field.name} refers to {referred - local}"
            checked += bool(referred)
    assert checked >= 3  # memberships, the parent cluster, programmes' awarding institutions at least


def test_loading_a_node_twice_changes_nothing(node):
    first, second = node["counts"]
    assert first == second
    assert node["summaries"][0] == node["summaries"][1]


def test_the_kazakh_node_has_the_registrars_diplomas_and_the_chinese_node_the_enterprises_offer(node):
    from ortaq.credentials.models import IssuanceBatch
    from ortaq.mobility.models import Call, InternshipOffer
    from ortaq.programmes.models import Programme

    assert not Call.objects.exists()  # the single-node calls offer places across the border
    assert Programme.objects.filter(is_demo=True).count() == 2
    if node["name"] == "kz":
        assert IssuanceBatch.objects.filter(state="requested").count() == 1
        assert IssuanceBatch.objects.get(state="done").holders.count() >= 5
        assert not InternshipOffer.objects.exists()
    else:
        assert InternshipOffer.objects.get().state == "published"
        assert not IssuanceBatch.objects.exists()


def test_a_database_holding_one_node_refuses_the_other(node):
    from ortaq.demo import load_demo

    other = next(n for n in NODES if n != node["name"])
    with pytest.raises(ValueError, match="ORTAQ_DATA_DIR"):
        load_demo(node=other)
