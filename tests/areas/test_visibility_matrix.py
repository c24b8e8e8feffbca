"""The visibility matrix: a restricted area's initiative, asked for on every page and
endpoint of the URLconf by someone who may not see it (an outsider — who even submitted
it — and a company-wide reviewer) and by those who may (a member, the area's reviewer,
an administrator).

Every URL name is listed here, as a case or as unrelated to initiatives, and a test
walks the URLconf: a new page or endpoint fails that test until someone decides what
it shows of a private initiative. A detail answers 404 to those who may not see it (as
if it did not exist) and something other than 404 to those who may; a list, an export,
a count, the matrix, the dashboard and the ledger's totals leave it out for the first
and keep it for the second."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.areas.conftest import SECRET_IDEA_TITLE, SECRET_TITLE, World

CANNOT_SEE = ("outsider", "outsider_reviewer")
CAN_SEE = ("member", "area_reviewer", "admin")


def url_names(patterns=None, namespace="") -> set[str]:
    """Every named URL of the URLconf but the admin's (tested in test_admin_scoping)."""
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


# Pages and endpoints that show nothing of any initiative: who is signed in, tokens,
# the catalogue of metrics and people, settings, help, the API's documents, a campaign's
# own form. (A campaign's ideas are checked below: its page and its API.)
UNRELATED = {
    "login",
    "logout",
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "password_change",
    "password_change_done",
    "api-token",
    "api-tokens",
    "api-token-revoke",
    "api-logout",
    "me",
    "schema",
    "api-docs",
    "api-root",
    "user-list",
    "user-detail",
    "metric-list",
    "metric-detail",
    "campaigns:new",
    "campaigns:edit",
    "campaigns:close",
    "campaign-close",
    "improvement:notification_settings",
    "improvement:language_settings",
    "improvement:help",
    "improvement:favicon",
    # Marks one's own notification read; the notification list is checked below.
    "improvement:notifications_read",
}


# --- one initiative: 404 for those who may not see it ---------------------------------------


@dataclass(frozen=True)
class Detail:
    name: str
    method: str
    key: str  # which object of the world the URL names
    data: dict | None = None

    def url(self, world: World) -> str:
        pk = getattr(world, self.key).pk
        if self.name.startswith(("improvement:", "actions:", "attachments:", "problem_solving:")):
            return reverse(self.name, args=[pk])
        return reverse(self.name, kwargs={"pk": pk})

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"


DETAILS = [
    # The web pages and their htmx parts.
    Detail("improvement:initiative", "get", "secret"),
    Detail("improvement:move", "post", "secret", {"to": "act"}),
    Detail("improvement:triage", "post", "secret", {"impact": "2"}),
    Detail("improvement:decide", "post", "secret", {"decision": "reject"}),
    Detail("improvement:execution", "post", "secret", {"root_cause": "Found"}),
    Detail("improvement:support", "post", "secret"),
    Detail("improvement:comment", "post", "secret", {"body": "Hello"}),
    Detail("improvement:rescore", "post", "secret_idea", {"impact": "3", "effort": "3"}),
    Detail("improvement:target_add", "post", "secret", {}),
    Detail("improvement:target_form", "get", "secret"),
    Detail("improvement:recording_forms", "get", "target"),
    Detail("improvement:measurement_add", "post", "target", {}),
    Detail("improvement:measurement_bulk", "post", "target", {}),
    Detail("improvement:target_edit", "get", "target"),
    Detail("improvement:target_delete", "get", "target"),
    Detail("improvement:measurement_edit", "get", "measurement"),
    Detail("improvement:measurement_delete", "get", "measurement"),
    Detail("actions:add", "post", "secret", {}),
    Detail("actions:edit", "post", "action", {}),
    Detail("actions:status", "post", "action", {"status": "done"}),
    Detail("attachments:download", "get", "attachment"),
    Detail("attachments:thumbnail", "get", "attachment"),
    Detail("attachments:delete", "post", "attachment"),
    Detail("attachments:upload", "post", "secret", {}),
    Detail("problem_solving:a3", "get", "secret"),
    Detail("problem_solving:a3_pdf", "get", "secret"),
    Detail("problem_solving:five_why_add", "post", "secret", {}),
    Detail("problem_solving:five_why_edit", "post", "five_why", {}),
    Detail("problem_solving:five_why_delete", "post", "five_why", {}),
    Detail("problem_solving:cause_add", "post", "secret", {}),
    Detail("problem_solving:cause_edit", "post", "cause", {}),
    Detail("problem_solving:cause_delete", "post", "cause", {}),
    # The API.
    Detail("initiative-detail", "get", "secret"),
    Detail("initiative-detail", "patch", "secret", {"title": "Renamed"}),
    Detail("initiative-history", "get", "secret"),
    Detail("initiative-moves", "get", "secret"),
    Detail("initiative-transition", "post", "secret", {"to": "act"}),
    Detail("initiative-targets", "get", "secret"),
    Detail("initiative-targets", "post", "secret", {}),
    Detail("initiative-recompute", "post", "secret"),
    Detail("initiative-actions", "get", "secret"),
    Detail("initiative-actions", "post", "secret", {}),
    Detail("initiative-attachments", "get", "secret"),
    Detail("initiative-five-whys", "get", "secret"),
    Detail("initiative-five-whys", "post", "secret", {}),
    Detail("initiative-causes", "get", "secret"),
    Detail("initiative-causes", "post", "secret", {}),
    Detail("target-detail", "get", "target"),
    Detail("target-detail", "patch", "target", {"notes": "x"}),
    Detail("target-detail", "delete", "target"),
    Detail("target-results", "get", "target"),
    Detail("measurement-detail", "patch", "measurement", {"value": 1}),
    Detail("measurement-detail", "delete", "measurement"),
    Detail("quarterlyresult-detail", "get", "ledger_row"),
    Detail("quarterlyresult-detail", "patch", "ledger_row", {"review_note": "x"}),
    Detail("action-detail", "get", "action"),
    Detail("action-detail", "patch", "action", {"status": "done"}),
    Detail("attachment-detail", "get", "attachment"),
    Detail("attachment-detail", "delete", "attachment"),
    Detail("attachment-download", "get", "attachment"),
    Detail("attachment-thumbnail", "get", "attachment"),
    Detail("five-why-detail", "get", "five_why"),
    Detail("five-why-detail", "patch", "five_why", {"problem": "x"}),
    Detail("cause-detail", "get", "cause"),
    Detail("cause-detail", "patch", "cause", {"text": "x"}),
    Detail("area-detail", "get", "lab"),
]


def client_for(name: str, user, web_as, api_as):
    """The API's client for an API route (JSON bodies), the browser's for a page."""
    if ":" in name:
        return web_as(user)
    return api_as(user)


def request(detail: Detail, world: World, who: str, web_as, api_as):
    user = getattr(world, who)
    client = client_for(detail.name, user, web_as, api_as)
    call = getattr(client, detail.method)
    if ":" in detail.name or detail.method == "get":
        return call(detail.url(world), detail.data or {})
    return call(detail.url(world), detail.data or {}, format="json")


@pytest.mark.parametrize("detail", DETAILS, ids=lambda d: d.id)
def test_it_answers_404_to_those_who_may_not_see_the_initiative(detail, world, web_as, api_as):
    for who in CANNOT_SEE:
        response = request(detail, world, who, web_as, api_as)
        assert response.status_code == 404, (who, response.status_code)

    world.secret.refresh_from_db()
    assert world.secret.title == SECRET_TITLE
    assert world.secret.stage == "check"
    assert world.target.measurements.count() == 1
    assert world.secret.attachments.count() == 1


@pytest.mark.parametrize("detail", [d for d in DETAILS if d.method == "get"], ids=lambda d: d.id)
def test_it_shows_the_initiative_to_its_members_reviewers_and_administrators(
    detail, world, web_as, api_as
):
    for who in CAN_SEE:
        response = request(detail, world, who, web_as, api_as)
        assert response.status_code != 404, who
        # The owner's team records; a member who is not on it is refused, not misled.
        assert response.status_code in (200, 403), (who, response.status_code)


# --- lists, counts and totals: left out for those who may not see it ------------------------


@dataclass(frozen=True)
class Listing:
    name: str
    shows: Callable  # (response, world) → whether the private initiative is in it
    query: Callable = lambda world: {}

    @property
    def id(self) -> str:
        return self.name


def titled(response, world) -> bool:
    text = response.content.decode()
    return SECRET_TITLE in text or SECRET_IDEA_TITLE in text


def api_ids(response) -> set[int]:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row["id"] for row in rows}


def dashboard_shows(response, world) -> bool:
    """Its pipeline counts the private initiatives and its ledger sums their benefit."""
    counted = sum(n for _stage, n in response.context["by_stage"])
    return counted == 3 and response.context["benefit_now"]["computed"] > 0


def matrix_api_shows(response, world) -> bool:
    items = [i["id"] for q in response.json()["quadrants"].values() for i in q["items"]]
    return world.secret_idea.pk in items


LISTINGS = [
    Listing("improvement:dashboard", dashboard_shows),
    Listing("improvement:my_work", titled),
    Listing("improvement:notifications", titled),
    Listing("improvement:similar_ideas", titled, lambda w: {"title": "Xylophone Quokka"}),
    Listing("improvement:initiatives", titled),
    Listing("improvement:board", titled),
    Listing("improvement:matrix", titled),
    Listing("improvement:idea_new", lambda r, w: "R&amp;D lab" in r.content.decode()),
    Listing("campaigns:list", lambda r, w: r.context["open"][0].idea_count == 2),
    Listing("campaigns:detail", titled),
    Listing("initiative-list", lambda r, w: w.secret.pk in api_ids(r)),
    Listing("backlog", lambda r, w: w.secret_idea.pk in api_ids(r)),
    Listing("matrix", matrix_api_shows),
    Listing("area-list", lambda r, w: w.lab.pk in api_ids(r)),
    Listing(
        "measurement-list",
        lambda r, w: w.measurement.pk in api_ids(r),
        lambda w: {"target": w.target.pk},
    ),
    Listing("quarterlyresult-list", lambda r, w: w.ledger_row.pk in api_ids(r)),
    Listing("action-list", lambda r, w: w.action.pk in api_ids(r)),
    Listing("campaign-list", lambda r, w: r.json()["results"][0]["idea_count"] == 2),
    Listing("campaign-detail", lambda r, w: r.json()["idea_count"] == 2),
    Listing("campaign-ideas", lambda r, w: w.secret_idea.pk in api_ids(r)),
]
CAMPAIGN_ROUTES = {"campaigns:detail", "campaign-detail", "campaign-ideas"}


def listing_url(listing: Listing, world: World) -> str:
    if listing.name in CAMPAIGN_ROUTES:
        args = [world.campaign.pk]
        if ":" in listing.name:
            return reverse(listing.name, args=args)
        return reverse(listing.name, kwargs={"pk": world.campaign.pk})
    return reverse(listing.name)


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda item: item.id)
def test_it_leaves_the_initiative_out_of_every_list_for_those_who_may_not_see_it(
    listing, world, web_as, api_as
):
    for who in (*CANNOT_SEE, *CAN_SEE):
        user = getattr(world, who)
        client = client_for(listing.name, user, web_as, api_as)
        response = client.get(listing_url(listing, world), listing.query(world))
        assert response.status_code == 200, (who, response.status_code)
        if listing.name == "improvement:my_work" and who != "outsider":
            continue  # only the outsider has the idea among their own (they submitted it)
        if listing.name == "improvement:notifications" and who not in ("outsider", "member"):
            continue  # only these two were told about it
        expected = who in CAN_SEE
        assert listing.shows(response, world) is expected, who


def test_it_refuses_to_narrow_a_list_to_an_area_one_may_not_see(world, web_as, api_as):
    for who in CANNOT_SEE:
        user = getattr(world, who)
        for url in ("/matrix/", "/board/", "/"):
            assert web_as(user).get(url, {"area": world.lab.pk}).status_code == 400, url
        # The list shows a refused filter beside the unfiltered list (of what they see).
        response = web_as(user).get("/initiatives/", {"area": world.lab.pk})
        assert response.status_code == 200
        assert response.context["filter"].errors["area"]
        assert SECRET_TITLE not in response.content.decode()
        for url in ("/api/initiatives/", "/api/quarterly-results/", "/api/backlog/"):
            assert api_as(user).get(url, {"area": world.lab.pk}).status_code == 400, url
    # The same answer as for an area that does not exist: nothing is given away.
    assert web_as(world.outsider).get("/matrix/", {"area": 999999}).status_code == 400


def test_it_lets_the_member_narrow_to_the_restricted_area(world, web_as, api_as):
    response = web_as(world.member).get("/initiatives/", {"area": world.lab.pk})

    assert response.status_code == 200
    assert SECRET_TITLE in response.content.decode()
    assert OPEN_TITLE_NOT_IN_LAB not in response.content.decode()


OPEN_TITLE_NOT_IN_LAB = "Open line idea"


# --- every URL is decided --------------------------------------------------------------------


def test_every_url_of_the_urlconf_is_in_the_matrix_or_named_unrelated():
    covered = {d.name for d in DETAILS} | {listing.name for listing in LISTINGS} | UNRELATED
    missing = url_names() - covered
    assert not missing, f"Decide what these show of a private initiative: {sorted(missing)}"
    stale = covered - url_names()
    assert not stale, f"No longer in the URLconf: {sorted(stale)}"
