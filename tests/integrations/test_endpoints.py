"""The address a channel is given is checked for its kind and turned into the apprise URL
of the plugin that speaks that service; apprise accepts every one of them."""

import apprise
import pytest
from django.core.exceptions import ValidationError

from integrations.endpoints import apprise_url
from integrations.models import ChannelKind

SIG = "KODuebWbDGYFr0z0eu-6Rj8aUKz7108W3wrNJZxFE5A"


@pytest.mark.parametrize(
    "kind, url, plugin",
    [
        (ChannelKind.SLACK, "https://hooks.slack.com/services/T1/B2/abc3", "Slack"),
        (ChannelKind.SLACK, "https://hooks.slack-gov.com/services/T1/B2/abc3", "Slack"),
        (ChannelKind.SLACK, "https://hooks.slack.com/triggers/T1/X2/abc3", "Slack"),
        (ChannelKind.SLACK, "https://chat.example.com/hooks/xyz123", "Mattermost"),
        (ChannelKind.SLACK, "http://10.0.0.5:8065/mm/hooks/xyz123", "Mattermost"),
        (
            ChannelKind.TEAMS,
            "https://prod-161.westeurope.logic.azure.com:443/workflows/643e69f8/triggers/manual/"
            f"paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}",
            "Power Automate / Workflows (for MSTeams)",
        ),
        (
            ChannelKind.TEAMS,
            "https://default123.environment.api.powerplatform.com/powerautomate/automations/"
            "direct/workflows/643e69f8/triggers/manual/paths/invoke"
            f"?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}",
            "Power Automate / Workflows (for MSTeams)",
        ),
    ],
)
def test_it_turns_each_kind_of_address_into_its_apprise_plugin(kind, url, plugin):
    notifier = apprise.Apprise()

    assert notifier.add(apprise_url(kind=kind, url=url))
    assert notifier[0].service_name == plugin
    # No redirects, timeouts on connecting and reading, no icon from elsewhere.
    assert notifier[0].request_timeout == (5.0, 15.0)
    assert notifier[0].redirects is False


def test_it_keeps_a_power_automate_address_as_such():
    url = apprise_url(
        kind=ChannelKind.TEAMS,
        url="https://x.environment.api.powerplatform.com/powerautomate/automations/direct/cu/7/"
        f"workflows/abc/triggers/manual/paths/invoke?api-version=1&sig={SIG}",
    )

    assert "pa=yes" in url
    assert "route=7" in url


@pytest.mark.parametrize(
    "kind, url",
    [
        (ChannelKind.WEBHOOK, "file:///etc/passwd"),
        (ChannelKind.WEBHOOK, "http://"),
        (ChannelKind.WEBHOOK, "https://host.example.com:99999/x"),
        (ChannelKind.SLACK, "http://hooks.slack.com/services/T1/B2/abc3"),
        (ChannelKind.SLACK, "https://hooks.slack.com/services/T1/B2/abc3?channel=x"),
        (ChannelKind.TEAMS, "https://x.logic.azure.com/workflows/abc/triggers/manual/paths/invoke"),
        (ChannelKind.TEAMS, "https://outlook.office.com/webhook/abc@def/IncomingWebhook/x/y"),
    ],
)
def test_it_refuses_an_address_that_does_not_suit_the_kind(kind, url):
    with pytest.raises(ValidationError) as refused:
        apprise_url(kind=kind, url=url)

    assert "url" in refused.value.message_dict
