"""API sign-in: token auth, and what anonymous callers get (401 `{"detail"}`)."""

import pytest
from knox.models import AuthToken

from improvement.models import Initiative
from metrics.models import Measurement, Target
from tests.factories import AreaFactory, MeasurementFactory, TargetFactory, UserFactory

PASSWORD = "pass-for-tests"


@pytest.fixture
def rows(db):
    """One of everything an endpoint needs an id for."""
    target = TargetFactory()
    MeasurementFactory(target=target)
    return {"initiative": target.initiative, "target": target, "area": AreaFactory()}


def every_endpoint(rows):
    """(method, path, body) for every endpoint of the API table that needs sign-in."""
    i, t = rows["initiative"].pk, rows["target"].pk
    return [
        ("get", "/api/metrics/", None),
        ("get", "/api/areas/", None),
        ("get", "/api/initiatives/", None),
        ("post", "/api/initiatives/", {"title": "x", "problem_statement": "y"}),
        ("get", f"/api/initiatives/{i}/", None),
        ("patch", f"/api/initiatives/{i}/", {"title": "Changed"}),
        ("get", f"/api/initiatives/{i}/moves/", None),
        ("post", f"/api/initiatives/{i}/transition/", {"to": "plan"}),
        ("get", f"/api/initiatives/{i}/history/", None),
        ("get", f"/api/initiatives/{i}/targets/", None),
        ("post", f"/api/initiatives/{i}/targets/", {"metric": 1}),
        ("get", f"/api/targets/{t}/", None),
        ("patch", f"/api/targets/{t}/", {"target_value": 1.0}),
        ("get", f"/api/targets/{t}/results/", None),
        ("post", "/api/measurements/", {"target": t, "observed_at": "2026-05-01T00:00Z"}),
        ("get", "/api/measurements/", None),
        ("post", f"/api/initiatives/{i}/recompute/", None),
        ("get", "/api/backlog/", None),
        ("get", "/api/matrix/", None),
        ("get", "/api/quarterly-results/", None),
    ]


def test_it_issues_a_token_for_a_username_and_password(api, db):
    user = UserFactory(username="ada")

    response = api.post("/api/auth/token/", {"username": "ada", "password": PASSWORD})

    assert response.status_code == 200
    assert set(response.json()) == {"token", "expiry"}
    issued = AuthToken.objects.get(user=user)
    assert response.json()["token"].startswith(issued.token_key)


def test_it_refuses_a_token_for_a_wrong_password(api, db):
    UserFactory(username="ada")

    response = api.post("/api/auth/token/", {"username": "ada", "password": "wrong"})

    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert not AuthToken.objects.exists()


def test_it_refuses_a_token_without_a_password(api, db):
    UserFactory(username="ada")

    response = api.post("/api/auth/token/", {"username": "ada"})

    assert response.status_code == 400
    assert "password" in response.json()


def test_it_signs_in_with_the_token_header(api, db):
    UserFactory(username="ada")
    token = api.post("/api/auth/token/", {"username": "ada", "password": PASSWORD}).json()["token"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/initiatives/")

    assert response.status_code == 200


def test_it_acts_as_the_token_owner(api, db):
    user = UserFactory(username="ada")
    area = AreaFactory()
    token = api.post("/api/auth/token/", {"username": "ada", "password": PASSWORD}).json()["token"]

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.post(
        "/api/initiatives/",
        {"title": "Faster", "problem_statement": "Slow.", "area": area.pk, "pillar": "customer"},
    )

    assert response.status_code == 201
    assert Initiative.objects.get(pk=response.json()["id"]).submitted_by == user


def test_it_signs_in_with_a_session(api, user):
    api.force_login(user)

    response = api.get("/api/initiatives/")

    assert response.status_code == 200


def test_it_answers_a_bad_token_with_401(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api.get("/api/initiatives/")

    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_it_answers_anonymous_with_401_on_every_endpoint(api, rows):
    statuses = {
        f"{method.upper()} {path}": getattr(api, method)(path, body).status_code
        for method, path, body in every_endpoint(rows)
    }

    assert statuses == dict.fromkeys(statuses, 401)


def test_it_answers_anonymous_with_only_a_detail(api, rows):
    bodies = {
        f"{method.upper()} {path}": sorted(getattr(api, method)(path, body).json())
        for method, path, body in every_endpoint(rows)
    }

    assert bodies == {key: ["detail"] for key in bodies}


def test_it_names_the_token_scheme_to_anonymous(api, db):
    response = api.get("/api/initiatives/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_it_changes_nothing_for_anonymous_writes(api, rows):
    initiative, target = rows["initiative"], rows["target"]
    before = (initiative.title, initiative.stage, target.target_value)

    for method, path, body in every_endpoint(rows):
        if method != "get":
            getattr(api, method)(path, body)

    initiative.refresh_from_db()
    target.refresh_from_db()
    assert (initiative.title, initiative.stage, target.target_value) == before
    assert Initiative.objects.count() == 1
    assert Target.objects.count() == 1
    assert Measurement.objects.count() == 1


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_it_keeps_the_schema_and_docs_from_anonymous(api, db, path):
    # The design: anonymous users see only the login page.
    response = api.get(path)

    assert response.status_code in (401, 403)


def test_it_lists_active_users_to_pick_owners_from(api_as):
    user = UserFactory(username="jdoe", first_name="Jane", last_name="Doe")
    UserFactory(username="gone", is_active=False)

    response = api_as(user).get("/api/users/", {"search": "jane"})

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": user.pk, "username": "jdoe", "name": "Jane Doe"}]


def test_it_tells_the_caller_who_they_are(api_as):
    user = UserFactory(username="me", first_name="Mia", last_name="Example")

    response = api_as(user).get("/api/me/")

    assert response.status_code == 200
    assert response.json() == {"id": user.pk, "username": "me", "name": "Mia Example"}
