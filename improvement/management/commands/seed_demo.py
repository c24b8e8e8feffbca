import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from improvement.demo import DEMO_PASSWORD, DemoDataError, seed_demo


class Command(BaseCommand):
    help = (
        "Load demo users, areas and initiatives with history, targets and measurements. "
        "Safe to run again: whatever already exists is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            type=dt.date.fromisoformat,
            help="The day the demo data leads up to (YYYY-MM-DD); default today.",
        )
        parser.add_argument(
            "--production",
            action="store_true",
            help="Seed even with DEBUG off. The demo users share a published password, "
            "an administrator among them: never on a real deployment.",
        )

    def handle(self, *args, anchor: dt.date | None = None, production=False, **options):
        if not settings.DEBUG and not production:
            raise CommandError(
                "DEBUG is off: this looks like a real deployment, and the demo creates an "
                "administrator with a published password. Pass --production to seed anyway."
            )
        try:
            report = seed_demo(anchor=anchor or timezone.localdate())
        except DemoDataError as error:
            raise CommandError(str(error)) from error

        created = sum(report.created.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data seeded up to {report.anchor:%Y-%m-%d}."
                if created
                else "Demo data already present; nothing changed."
            )
        )
        self.stdout.write(f"  {'':<14} {'total':>7} {'new':>7}")
        for label, total in report.totals.items():
            self.stdout.write(f"  {label:<14} {total:>7} {report.created[label]:>7}")

        self.stdout.write("")
        self.stdout.write(
            "Demo logins. DEMO ONLY: one shared password, set when a user is first created "
            "and never reset by a later run."
        )
        self.stdout.write(f"  {'username':<14} {'password':<16} role")
        for user in report.users:
            self.stdout.write(f"  {user.username:<14} {DEMO_PASSWORD:<16} {user.role}")
