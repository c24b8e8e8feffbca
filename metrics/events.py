"""What happened to the numbers, announced once committed (see improvement.events: the
integrations app listens; metrics never imports it)."""

from django.dispatch import Signal

from improvement.events import send_on_commit

# alert_id: a SignalAlert, a new control-chart signal on a completed initiative
# (metrics.results.sustainment).
signal_alert = Signal()
# close_id: a QuarterClose (metrics.ledger.review.close_quarter).
quarter_closed = Signal()

__all__ = ["quarter_closed", "send_on_commit", "signal_alert"]
