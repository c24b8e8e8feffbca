"""What happened to initiatives, announced to whoever listens once it is committed: the
chat channels and webhooks (the integrations app connects its receivers to these in its
AppConfig.ready). improvement sends them and never imports a listener, so it does not
depend on the apps built on it.

Each signal carries ids, not rows: a receiver reads what it needs after the commit."""

import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

# initiative_id: a new idea (improvement.services.submit_idea).
idea_submitted = Signal()
# transition_id: a StageTransition (improvement.workflow.move).
stage_moved = Signal()
# initiative_id, result_id: the first measured result of an initiative's primary target
# (improvement.notifications.first_results, once per change).
result_computed = Signal()


def send_on_commit(signal: Signal, **ids) -> None:
    """Send `signal` once the current transaction commits — nothing when it rolls back.

    News is a consequence of a change, never a condition for it: a listener that fails
    is logged, and neither the change nor the other listeners are affected."""

    def send():
        for receiver, outcome in signal.send_robust(sender=None, **ids):
            if isinstance(outcome, Exception):
                log.error("A listener of %r failed (%r)", ids, receiver, exc_info=outcome)

    transaction.on_commit(send)
