"""`ortaq manage alignment_refit [--institution ID] [--minimum N]`: re-fit, from the coordinators' stored decisions
on AI proposals, the probability of acceptance the recognition dossier shows (recognition.calibration: Platt
scaling on the logit of the engine's module score), and print the expected calibration error before and after.

Refuses (exit 1, nothing stored) with fewer than 30 decisions: a two-parameter fit on a handful would swing from
one decision to the next. Without --institution the fit uses every institution's decisions on this node and
serves the institutions that have no fit of their own. Only decisions on proposals scored by the engine the
platform uses now count (their fingerprint, Backend.fingerprint); the fit applies to that engine's proposals only."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ortaq.errors import DomainError, error_text
from ortaq.recognition.calibration import MIN_DECISIONS
from ortaq.recognition.learning import calibration_refit


class Command(BaseCommand):
    help = "Re-fit the recognition dossier's probability of acceptance from stored decisions; print ECE before/after."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institution", type=int, default=None, help="fit on this institution's decisions only (its id)")
        parser.add_argument("--minimum", type=int, default=MIN_DECISIONS, help=f"fewest decisions to fit on (default {MIN_DECISIONS})")

    def handle(self, *args: object, **options: object) -> None:
        institution = options["institution"]
        try:
            report = calibration_refit(institution_id=institution if isinstance(institution, int) else None,
                                       minimum=max(int(str(options["minimum"])), MIN_DECISIONS))
        except DomainError as error:
            raise CommandError(error_text(error)) from None
        scope = f"institution {institution}" if institution else "all institutions"
        self.stdout.write(f"Fitted on {report.decisions} decisions of {scope} ({report.accepted} accepted), method {report.method}")
        self.stdout.write(f"ECE before {report.ece_before:.3f}, after {report.ece_after:.3f} (calibration #{report.calibration_id})")
        self.stdout.write(f"Engine {report.engine_version}; {report.other_engines} decisions on earlier engines left out")
