import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from improvement.models import Initiative
from metrics.results.compute import compute_results
from metrics.results.samples import eligible_targets
from metrics.results.shards import compute_shard, plan

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Compute realized results as of a date: the targets whose inputs changed since their "
        "last result (and interim results whose due date has come), or every eligible target "
        "with --full, in shards; or one initiative's targets. A result row is written only "
        "where a figure changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--initiative", type=int, help="Only this initiative's targets.")
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, help="Date as YYYY-MM-DD (default today)."
        )
        parser.add_argument(
            "--full", action="store_true", help="Every eligible target, not only the changed."
        )
        parser.add_argument(
            "--shard-size", type=int, help="Targets per shard (default RESULTS_SHARD_SIZE)."
        )

    def handle(self, *args, initiative=None, as_of=None, full=False, shard_size=None, **options):
        if initiative is not None and not Initiative.objects.filter(pk=initiative).exists():
            raise CommandError(f"No initiative with id {initiative}.")
        if shard_size is not None and shard_size < 1:
            raise CommandError("--shard-size must be at least 1.")
        # The work list is today's: a run for another date computes every target.
        full = full or (as_of is not None and as_of != timezone.localdate())
        as_of = as_of or timezone.localdate()
        started = time.monotonic()
        if initiative is not None:
            computed = compute_results(initiative_id=initiative, as_of=as_of, progress=self.bar)
        else:
            shards = plan(as_of=as_of, full=full, shard_size=shard_size)
            computed = 0
            for k, shard in enumerate(shards):
                computed += compute_shard(shard, as_of=as_of, full=full)
                self.bar("shards", k + 1, len(shards))
        self.stdout.write("")
        elapsed = time.monotonic() - started
        targets = eligible_targets(initiative_id=initiative)
        by_status = dict(targets.values_list("latest_status").annotate(n=Count("id")).order_by())
        if not by_status:
            self.stdout.write("No eligible targets: nothing has gone live yet.")
            return
        summary = ", ".join(
            f"{status or 'none yet'} {n}" for status, n in sorted(by_status.items())
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{computed} targets computed as of {as_of} in {elapsed:.1f} s. "
                f"Latest status of the {sum(by_status.values())} eligible: {summary}."
            )
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
