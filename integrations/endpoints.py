"""The URL an administrator pastes for a channel, checked for its kind and turned into
the URL apprise sends to.

What is accepted (README, "Chat channels and webhooks"):

- Slack: the incoming-webhook URL Slack gives (https://hooks.slack.com/services/T…/B…/…,
  also Slack's workflow and trigger webhooks) — apprise's Slack plugin; or a
  Slack-compatible incoming webhook on a server of your own, whose path ends in
  /hooks/<token> (Mattermost's) — apprise's Mattermost plugin, which posts the same
  {"text": …} body to that very URL.
- Microsoft Teams: the URL of a Teams "Post to a channel when a webhook request is
  received" workflow (Power Automate / Logic Apps: …/workflows/<id>/triggers/manual/
  paths/invoke?…&sig=…) — apprise's Workflows plugin, which always posts over HTTPS.
- Generic webhook: any http(s) URL; sent by integrations.senders itself, signed.
"""

import re
from urllib.parse import parse_qs, quote, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from integrations.models import ChannelKind

SLACK_HOSTS = {"hooks.slack.com", "hooks.slack-gov.com"}
SLACK_PATH = re.compile(r"^/(services|workflows|triggers)/[A-Za-z0-9][A-Za-z0-9/_-]*/?$")
# A Slack-compatible incoming webhook elsewhere (Mattermost): …/hooks/<token>.
HOOKS_PATH = re.compile(r"^(?P<prefix>(/[^/]+)*?)/hooks/(?P<token>[A-Za-z0-9]+)/?$")
TEAMS_PATH = re.compile(
    r"^(?P<pa>/powerautomate/automations/direct(/cu/(?P<route>[0-9]+))?)?"
    r"/workflows/(?P<workflow>[A-Za-z0-9_-]+)/triggers/manual/paths/invoke/?$"
)
TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")

# Every apprise URL: no icon (it would point the chat service at GitHub), no redirects
# followed, and a timeout on connecting (cto) and on the answer (rto), in seconds.
APPRISE_OPTIONS = "image=no&redirect=no&cto=5&rto=15"


def check(*, kind: str, url: str) -> None:
    """Raise ValidationError({"url": …}) unless `url` suits a channel of `kind`."""
    apprise_url(kind=kind, url=url)


def apprise_url(*, kind: str, url: str) -> str:
    """The apprise URL for a Slack or Teams channel's pasted `url`; for a webhook, `url`
    itself. Raises ValidationError({"url": …}) naming what is wrong."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad(_("Give an http:// or https:// address with a host name."))
    if parts.username or parts.password:
        raise _bad(_("The address may not carry a user name or password."))
    try:
        parts.port  # noqa: B018 — raises for a port that is not a number in 1–65535
    except ValueError:
        raise _bad(_("The port is not a number between 1 and 65535.")) from None
    if kind == ChannelKind.WEBHOOK:
        return url
    if kind == ChannelKind.SLACK:
        return _slack(url, parts)
    if kind == ChannelKind.TEAMS:
        return _teams(parts)
    raise ValidationError({"kind": _("Choose Slack, Microsoft Teams or a generic webhook.")})


def _slack(url: str, parts) -> str:
    if parts.hostname in SLACK_HOSTS:
        if parts.scheme != "https" or not SLACK_PATH.match(parts.path) or parts.query:
            raise _bad(
                _(
                    "A Slack webhook looks like https://hooks.slack.com/services/T…/B…/… "
                    "— copy it whole from Slack's Incoming Webhooks page."
                )
            )
        if parts.hostname == "hooks.slack-gov.com":
            # apprise reads a government URL natively but then drops its query string:
            # name the mode in its own form, with our options.
            tokens = parts.path.strip("/").split("/")[1:]
            return f"slack://{'/'.join(tokens)}/?mode=gov-hook&{APPRISE_OPTIONS}&footer=no"
        # apprise recognises Slack's own URLs; our options follow as its query string.
        return f"{url.rstrip('/')}/?{APPRISE_OPTIONS}&footer=no"
    hooks = HOOKS_PATH.match(parts.path)
    if not hooks or parts.query:
        raise _bad(
            _(
                "Not a Slack webhook: give Slack's https://hooks.slack.com/services/… address, "
                "or a Slack-compatible incoming webhook ending in /hooks/<token> (Mattermost)."
            )
        )
    schema = "mmosts" if parts.scheme == "https" else "mmost"
    return (
        f"{schema}://{parts.netloc}{hooks['prefix']}/{hooks['token']}"
        f"?{APPRISE_OPTIONS}&user=Improvement%20tracker"
    )


def _teams(parts) -> str:
    path = TEAMS_PATH.match(parts.path)
    query = parse_qs(parts.query)
    signature = (query.get("sig") or [""])[0]
    version = (query.get("api-version") or [""])[0]
    if parts.scheme != "https" or not path or not TOKEN.match(signature):
        raise _bad(
            _(
                "A Teams workflow webhook looks like https://….logic.azure.com/workflows/…/"
                "triggers/manual/paths/invoke?api-version=…&sig=… (HTTPS, with its sig): copy "
                "it whole from the workflow's “When a Teams webhook request is received” step."
            )
        )
    options = APPRISE_OPTIONS
    if path["pa"]:
        options += "&pa=yes"
    if path["route"]:
        options += f"&route={path['route']}"
    if version:
        options += f"&ver={quote(version, safe='')}"
    return f"workflows://{parts.netloc}/{path['workflow']}/{signature}/?{options}"


def _bad(message: str) -> ValidationError:
    return ValidationError({"url": message})
