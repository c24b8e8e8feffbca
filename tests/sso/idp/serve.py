"""Runs the test OpenID provider on 127.0.0.1, on a port the system picks:

    python -m tests.sso.idp.serve <state folder>

reads <state folder>/setup.json (the client and the users to create), migrates a fresh
SQLite database there, then prints one line of JSON, {"port": …}, and serves until
stopped. The fixture in harness.py does all of this."""

import json
import os
import sys
from pathlib import Path


def main(state: Path) -> None:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    # Bound first: the issuer, which the settings need, names the port.
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    port = server.server_address[1]
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso.idp.settings"
    os.environ["IDP_STATE_DIR"] = str(state)
    os.environ["IDP_ISSUER"] = f"http://127.0.0.1:{port}/o"

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    create(json.loads((state / "setup.json").read_text()))
    server.set_app(WSGIHandler())
    print(json.dumps({"port": port}), flush=True)
    server.serve_forever()


def create(setup: dict) -> None:
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    for username in setup["users"]:
        User.objects.create_user(username, password=setup["password"])
    Application.objects.create(
        name="Improvement tracker",
        client_id=setup["client_id"],
        client_secret=setup["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(setup["redirect_uris"]),
        post_logout_redirect_uris=" ".join(setup["post_logout_redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,  # the consent page, as a company's provider may show
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
