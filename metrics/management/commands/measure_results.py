import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from improvement.models import Initiative
from metrics.models import ResultSnapshot
from metrics.results.compute import compute_results

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Compute realized results for every eligible target (or one initiative's)."

    def add_arguments(self, parser):
        parser.add_argument("--initiative", type=int, help="Only this initiative's targets.")
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, help="Date as YYYY-MM-DD (default today)."
        )

    def handle(self, *args, initiative=None, as_of=None, **options):
        if initiative is not None and not Initiative.objects.filter(pk=initiative).exists():
            raise CommandError(f"No initiative with id {initiative}.")
        as_of = as_of or timezone.localdate()
        started = time.monotonic()
        written = compute_results(initiative_id=initiative, as_of=as_of, progress=self.bar)
        self.stdout.write("")
        if written == 0:
            self.stdout.write("No eligible targets: nothing has gone live yet.")
            return
        results = ResultSnapshot.objects.filter(as_of=as_of)
        if initiative is not None:
            results = results.filter(target__initiative_id=initiative)
        by_status = dict(results.values_list("status").annotate(n=Count("id")).order_by())
        summary = ", ".join(f"{status} {n}" for status, n in sorted(by_status.items()))
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"{written} results as of {as_of} in {elapsed:.1f} s: {summary}.")
        )

    def bar(self, phase: str, done: int, total: int) -> None:
        """A one-line progress bar, redrawn in place; only on a terminal."""
        if not self.stdout.isatty() or total == 0:
            return
        filled = BAR_WIDTH * done // total
        self.stdout.write(
            f"\r{phase:>15} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}",
            ending="",
        )
        self.stdout.flush()
