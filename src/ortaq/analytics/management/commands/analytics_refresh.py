"""`ortaq manage analytics_refresh`: rebuild the dashboards' figures now (run it from cron, e.g. hourly)."""

from django.core.management.base import BaseCommand

from ortaq.analytics.services import aggregates_refresh


class Command(BaseCommand):
    help = "Rebuild the pre-aggregated analytics tables from the source data."

    def handle(self, *args, **options):
        refresh = aggregates_refresh()
        self.stdout.write(f"analytics: {refresh.rows} rows in {refresh.seconds:.1f} s")
