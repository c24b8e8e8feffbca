"""The integrations app listens to the events improvement and metrics announce after
commit (improvement.events, metrics.events) and publishes each to its channels.
Connected in IntegrationsConfig.ready; the announcing apps never import this one."""

from improvement import events as improvement_events
from integrations import messages, services
from metrics import events as metrics_events


def on_idea_submitted(sender, *, initiative_id: int, **kwargs) -> None:
    services.publish(messages.idea_submitted(initiative_id=initiative_id))


def on_stage_moved(sender, *, transition_id: int, **kwargs) -> None:
    services.publish(messages.stage_moved(transition_id=transition_id))


def on_result_computed(sender, *, initiative_id: int, result_id: int, **kwargs) -> None:
    services.publish(messages.result_computed(initiative_id=initiative_id, result_id=result_id))


def on_signal_alert(sender, *, alert_id: int, **kwargs) -> None:
    services.publish(messages.signal_alert(alert_id=alert_id))


def on_quarter_closed(sender, *, close_id: int, **kwargs) -> None:
    services.publish_quarter(close_id=close_id)


def connect() -> None:
    for signal, receiver in (
        (improvement_events.idea_submitted, on_idea_submitted),
        (improvement_events.stage_moved, on_stage_moved),
        (improvement_events.result_computed, on_result_computed),
        (metrics_events.signal_alert, on_signal_alert),
        (metrics_events.quarter_closed, on_quarter_closed),
    ):
        signal.connect(receiver, dispatch_uid=f"integrations.{receiver.__name__}")
