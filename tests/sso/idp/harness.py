"""The test OpenID provider, seen from the tests: started once per test run (the first
fixture that asks for it starts it, both conftests share it), configured into the
tracker's settings through the same parser as production (config.env.env_oidc), and
driven through its login form and consent page by `authorize` (HTTP, no browser).

The provider is a separate process (serve.py): a real django-oauth-toolkit server with its
own database, keys and users, reached over HTTP on 127.0.0.1 like any company's."""

import atexit
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ID = "improvement-tracker"
CLIENT_SECRET = "tracker-secret-for-tests-only"
PASSWORD = "idp-pass-2026"
USERS = ("ada", "grace", "linus")
REVIEWER_GROUP = "ci-reviewers"
# The tracker's callback as the test client (testserver) and the live server (localhost,
# any port: RFC 8252 loopback) call it; where the provider's logout sends people back.
REDIRECT_URIS = [
    "http://testserver/accounts/oidc/callback/",
    "http://localhost/accounts/oidc/callback/",
]
POST_LOGOUT_REDIRECT_URIS = [
    "http://testserver/accounts/login/",
    "http://localhost/accounts/login/",
]
START_SECONDS = 60


class IdentityProvider:
    def __init__(self):
        self.state = Path(tempfile.mkdtemp(prefix="tracker-test-idp-"))
        (self.state / "claims").mkdir()
        (self.state / "setup.json").write_text(
            json.dumps(
                {
                    "users": USERS,
                    "password": PASSWORD,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": REDIRECT_URIS,
                    "post_logout_redirect_uris": POST_LOGOUT_REDIRECT_URIS,
                }
            )
        )
        self.log = (self.state / "server.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.sso.idp.serve", str(self.state)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.url = self.issuer = ""

    def ready(self) -> "IdentityProvider":
        """Waits until the provider serves (it starts while the test database is made)."""
        if self.url:
            return self
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()))
        reader.start()
        reader.join(START_SECONDS)
        if not line or not line[0]:
            log = (self.state / "server.log").read_text()
            self.stop()
            raise RuntimeError(f"The test identity provider did not start:\n{log}")
        self.url = f"http://127.0.0.1:{json.loads(line[0])['port']}"
        self.issuer = f"{self.url}/o"
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.state, ignore_errors=True)

    # --- what the tests use -------------------------------------------------------------

    def set_claims(self, username: str, **claims) -> None:
        """What the provider says about `username` from now on (besides `sub`)."""
        (self.state / "claims" / f"{username}.json").write_text(json.dumps(claims))

    def clear_claims(self) -> None:
        for path in (self.state / "claims").glob("*.json"):
            path.unlink()

    def env(self, **overrides: str) -> dict[str, str]:
        """The tracker's environment for this provider: discovery from the issuer."""
        return {
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_ISSUER": self.issuer,
            "OIDC_PROVIDER_NAME": "Test IdP",
            "OIDC_REVIEWER_GROUPS": REVIEWER_GROUP,
            **overrides,
        }

    def authorize(self, authorize_url: str, username: str, *, allow: bool = True) -> str:
        """Signs `username` in at the provider and answers its consent page, as a browser
        would, starting from the tracker's redirect; returns where the provider sends the
        browser back (the tracker's callback, with the code and state)."""
        browser = requests.Session()
        response = browser.get(authorize_url, allow_redirects=False)
        login_url = urljoin(authorize_url, response.headers["Location"])
        browser.get(login_url).raise_for_status()
        response = browser.post(
            login_url,
            data={
                "username": username,
                "password": PASSWORD,
                "next": parse_qs(urlsplit(login_url).query)["next"][0],
                "csrfmiddlewaretoken": browser.cookies["idp_csrftoken"],
            },
            allow_redirects=False,
        )
        assert response.status_code == 302, "the provider refused the password"
        consent = browser.get(urljoin(login_url, response.headers["Location"]))
        consent.raise_for_status()
        fields = HiddenFields.of(consent.text)
        if allow:
            fields["allow"] = "Authorize"
        response = browser.post(consent.url, data=fields, allow_redirects=False)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


class HiddenFields(HTMLParser):
    """The hidden inputs of a page's form (the consent page's), by name."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    @classmethod
    def of(cls, html: str) -> dict[str, str]:
        parser = cls()
        parser.feed(html)
        return parser.fields


_running: IdentityProvider | None = None


def running() -> IdentityProvider:
    """The test run's provider, started at the first call (`ready()` waits for it) and
    stopped at exit."""
    global _running
    if _running is None:
        _running = IdentityProvider()
        atexit.register(_running.stop)
    return _running


def configure(settings, monkeypatch, provider: IdentityProvider, **env: str) -> None:
    """The tracker's settings as config/settings.py makes them from `provider.env(**env)`
    (pytest-django's `settings` fixture puts them back after the test)."""
    from accounts.oidc import BACKEND
    from config.env import OIDC_VARIABLES, env_oidc

    for name in (*OIDC_VARIABLES, "LOCAL_PASSWORD_LOGIN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in provider.ready().env(**env).items():
        monkeypatch.setenv(name, value)
    for name, value in env_oidc().items():
        setattr(settings, name, value)
    backends = [path for path in settings.AUTHENTICATION_BACKENDS if path != BACKEND]
    settings.AUTHENTICATION_BACKENDS = [*backends, BACKEND]
