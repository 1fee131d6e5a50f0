"""`ortaq manage ortaq_remind`: remind people of their deadlines now (run it from cron, e.g. every hour).

Each item is reminded once 3 days and once 1 day before its deadline, however often this runs."""

from django.core.management.base import BaseCommand

from ortaq.notifications.reminders import send_due_reminders


class Command(BaseCommand):
    help = "Send the reminders of deadlines that are due (in-app and e-mail, once per item and window)."

    def handle(self, *args, **options):
        result = send_due_reminders()
        self.stdout.write(f"reminders: {result.sent} sent, {result.skipped} already sent")
