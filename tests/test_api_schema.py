"""`/api/schema/` is a valid OpenAPI 3 document; `/api/docs/` renders it without a CDN."""

import pytest
from django.contrib.auth import get_user_model
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

DOCUMENTED_PATHS = {
    "/api/auth/token/": {"post"},
    "/api/metrics/": {"get"},
    "/api/areas/": {"get"},
    "/api/initiatives/": {"get", "post"},
    "/api/initiatives/{id}/": {"get", "patch"},
    "/api/initiatives/{id}/moves/": {"get"},
    "/api/initiatives/{id}/transition/": {"post"},
    "/api/initiatives/{id}/history/": {"get"},
    "/api/initiatives/{id}/targets/": {"get", "post"},
    "/api/targets/{id}/": {"get", "patch"},
    "/api/targets/{id}/results/": {"get"},
    "/api/measurements/": {"get", "post"},
    "/api/initiatives/{id}/recompute/": {"post"},
    "/api/backlog/": {"get"},
    "/api/matrix/": {"get"},
    "/api/quarterly-results/": {"get"},
    "/api/campaigns/": {"get", "post"},
    "/api/campaigns/{id}/": {"get", "patch"},
    "/api/campaigns/{id}/close/": {"post"},
    "/api/campaigns/{id}/ideas/": {"get"},
}
STAGE_CODES = {
    "submitted",
    "backlog",
    "plan",
    "do",
    "check",
    "act",
    "define",
    "measure",
    "analyze",
    "improve",
    "control",
    "completed",
    "rejected",
    "on_hold",
    "cancelled",
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    """Generated once for the module: building the document takes about a second."""
    with django_db_blocker.unblock():
        client = APIClient()
        client.force_authenticate(get_user_model()(username="reader"))
        response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_it_serves_an_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"]


def test_it_serves_a_schema_that_validates(schema):
    validate_schema(schema)  # raises on an invalid document


def test_it_serves_yaml_by_default(api_as, user):
    response = api_as(user).get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"openapi: 3." in response.content


def test_it_documents_every_endpoint_of_the_contract(schema):
    paths = {
        path.replace("{pk}", "{id}"): set(operations) & {"get", "post", "patch", "put", "delete"}
        for path, operations in schema["paths"].items()
    }

    missing = {
        path: methods - paths.get(path, set())
        for path, methods in DOCUMENTED_PATHS.items()
        if methods - paths.get(path, set())
    }
    assert missing == {}


def test_it_documents_the_refused_move(schema):
    transition = next(
        operations["post"]
        for path, operations in schema["paths"].items()
        if path.endswith("/transition/")
    )

    assert {"200", "409"} <= set(transition["responses"])


def test_it_documents_token_auth(schema):
    schemes = schema["components"]["securitySchemes"]

    assert any(s.get("scheme") == "Token" or "Token" in str(s) for s in schemes.values())


def test_it_documents_the_stage_codes(schema):
    enums = [set(c["enum"]) for c in schema["components"]["schemas"].values() if "enum" in c]

    assert STAGE_CODES in enums


def test_it_renders_the_docs_for_a_signed_in_user(client, user):
    client.force_login(user)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger" in response.content.lower()


def test_it_renders_the_docs_from_vendored_assets(client, user):
    client.force_login(user)

    response = client.get("/api/docs/")

    page = response.content.decode()
    assert "cdn.jsdelivr" not in page
    assert "unpkg" not in page
    assert "cdnjs" not in page
    assert "/static/" in page
