"""Every request and response schema of the REST API has a name of its own: django-ninja names an OpenAPI component
after its class, so two classes of one name (say `AgreementIn` of agreements and of mobility) would describe one
operation with the other's schema in the document clients and the hostile-input tests read."""

from collections import Counter

from ninja import Schema

import ortaq.api  # noqa: F401 (imports every app's API module)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_api_schemas_share_a_name(client):
    assert client.get("/api/v1/openapi.json").status_code == 200  # the routers are built
    ours = {s for s in _subclasses(Schema) if s.__module__.startswith("ortaq.")}
    counts = Counter(s.__name__ for s in ours)
    assert {name: sorted(s.__module__ for s in ours if s.__name__ == name) for name, n in counts.items() if n > 1} == {}
