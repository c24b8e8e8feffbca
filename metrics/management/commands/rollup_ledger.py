from django.core.management.base import BaseCommand

from metrics.ledger.rollup import rollup_open_quarters


class Command(BaseCommand):
    help = "Bring the open quarters' ledger rows up to date (what the nightly job does)."

    def handle(self, *args, **options):
        written = rollup_open_quarters()
        self.stdout.write(self.style.SUCCESS(f"{written} ledger rows written."))
