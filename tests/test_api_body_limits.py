"""No request body can crash the parser: JSON nested past the API's depth limit and
bodies over DATA_UPLOAD_MAX_MEMORY_SIZE get a JSON 400, anonymous or signed in."""

import json

import pytest
from django.conf import settings

from config.parsers import MAX_DEPTH, depth
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
JUST_TOO_DEEP = json.dumps(
    {"username": "x", "password": [[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]}
)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, JUST_TOO_DEEP])
def test_it_refuses_deep_json_at_the_anonymous_token_endpoint(client, body):
    response = client.post("/api/auth/token/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nested more than" in response.json()["detail"]


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_it_refuses_deep_json_on_the_login_page_without_an_error_page(client, body):
    response = client.post("/accounts/login/", data=body, content_type="application/json")

    assert response.status_code in (200, 400)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", ["/api/initiatives/", "/api/measurements/"])
def test_it_refuses_deep_json_from_a_signed_in_user(api_as, path):
    api = api_as(UserFactory())

    response = api.post(path, data=DEEP, content_type="application/json")

    assert response.status_code == 400
    assert "nested more than" in response.json()["detail"]


def test_it_answers_a_body_over_the_size_limit_in_json(client):
    body = json.dumps({"username": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "password": "y"})

    response = client.post("/api/auth/token/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "larger than" in response.json()["detail"]


def test_it_still_takes_a_batch_of_measurements_nested_as_usual():
    batch = [{"target": 1, "observed_at": "2026-01-01", "value": 1.0}]

    assert depth(batch) == 2 <= MAX_DEPTH
    assert depth({"a": [{"b": [[]]}]}) == 5
    assert depth([]) == 1
    assert depth(1) == 1
