"""Two recognition dossiers built through the services on top of tests/mobility/api_scene.py, for the API's tests
and its hostile-input and fuzzing scene: one open with every component decided, one signed and under appeal."""

from __future__ import annotations

import datetime as dt

from ortaq.mobility import during, round_services
from ortaq.mobility.models import Party
from ortaq.recognition import services
from tests.mobility.api_scene import mobility_scene
from tests.mobility.test_during_mobility import components


def _decide_all(world, dossier) -> None:
    for item in dossier.items.all():
        services.item_decide(actor=world["coordinator_a"], item=item, decision="full", home_module=item.home_module)


def recognition_scene(world, mobility: dict | None = None) -> dict:
    m = mobility or mobility_scene(world)
    first = m["agreement"]
    during.transcript_record(actor=m["supervisor"], agreement=first, component=first.components.get(), host_grade="90", host_scale="percent")
    open_dossier = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=first)
    _decide_all(world, open_dossier)
    # The second applicant's nomination to C: accepted, an agreement signed by the three parties, its results recorded.
    round_services.nomination_decide(actor=world["coordinator_c"], nomination=m["pending"], accept=True)
    m["pending"].refresh_from_db()
    second = during.mobility_agreement_create(actor=m["second"], nomination=m["pending"], start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 5, 31),
                                              components=components(m["outcome"].pk))
    for actor, party in ((m["second"], Party.LEARNER), (world["coordinator_a"], Party.SENDING), (world["coordinator_c"], Party.RECEIVING)):
        during.mobility_agreement_sign(actor=actor, agreement=second, party=party)
    during.transcript_record(actor=world["coordinator_c"], agreement=second, component=second.components.get(), host_grade="85", host_scale="percent")
    appealed = services.dossier_open(actor=world["coordinator_a"], mobility_agreement=second)
    _decide_all(world, appealed)
    services.dossier_sign(actor=world["coordinator_a"], dossier=appealed)
    appealed.refresh_from_db()
    appeal = services.appeal_file(actor=m["second"], dossier=appealed, reason="My PLC module was done in full")
    return {"mobility": m, "open": open_dossier, "item": open_dossier.items.get(), "module": open_dossier.items.get().home_module,
            "appealed": appealed, "appeal": appeal, "learner": m["learner"], "second": m["second"]}
