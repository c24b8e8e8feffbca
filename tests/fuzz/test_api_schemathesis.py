"""Schemathesis against the API's OpenAPI document, as a signed-in user: for requests
generated from the schema (valid and invalid ones) on every operation, no 5xx, and every
response is one the schema declares, with the declared content type and body.

The document is drf-spectacular's, generated when this module is collected (the tests
are made per operation at collection, before any database exists) — the very document
`/api/schema/` serves, which `test_it_fuzzes_the_schema_the_api_serves` checks.

The requests go through the project's real WSGI application (config.wsgi), inside the
test's transaction: Django's own request-boundary handler that closes connections is
unhooked for the test, as Django's test client does, so the test's data is visible to
the requests and everything they write is rolled back.

The caller is an administrator, so that role checks let most requests through to the
code behind them. Path ids and the ids in bodies are drawn half of the time from rows
that exist, so requests reach real objects instead of stopping at a 404.

Beyond what the schema describes, some requests carry what a hostile client sends: a NUL
character in every string of the body or the query string (PostgreSQL refuses NUL in
text, so one that reached a query was a 500), or a body nested deeper than the API's
parser takes (config/parsers.py; sent as JSON). Each must be a documented 4xx.
"""

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import tokens
from config.parsers import MAX_DEPTH, depth
from config.wsgi import application
from improvement.models import Area, Initiative, Methodology, Stage
from metrics.models import Metric, QuarterlyResult, Target
from tests.factories import (
    AdminFactory,
    InitiativeFactory,
    LiveInitiativeFactory,
    QuarterlyResultFactory,
    ReadyInitiativeFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Which table a path's `{id}` names, by the path's first segment after /api/.
PATH_IDS = {
    "initiatives": Initiative,
    "targets": Target,
    "metrics": Metric,
    "areas": Area,
    "quarterly-results": QuarterlyResult,
}
BODY_IDS = {
    "target": Target,
    "metric": Metric,
    "area": Area,
    "duplicate_of": Initiative,
}
USER_FIELDS = ("owner", "sponsor")
User = get_user_model()


@pytest.fixture
def wsgi_app():
    """The WSGI application, minus the handler that would close (and so, inside the test
    transaction, break) the database connection at each request's start and end."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db) -> dict:
    admin = AdminFactory(username="schemathesis-admin")
    return {"Authorization": f"Token {tokens.issue(admin)[1]}"}


@pytest.fixture
def programme(db):
    """Initiatives in stages of both methodologies, with targets, data and a ledger."""
    owner = UserFactory()
    InitiativeFactory()
    TriagedInitiativeFactory(owner=owner)
    ready = ReadyInitiativeFactory(owner=owner, stage=Stage.CHECK)
    ReadyInitiativeFactory(owner=owner, stage=Stage.CONTROL, methodology=Methodology.DMAIC)
    live = LiveInitiativeFactory(owner=owner)
    target = TargetFactory(initiative=live)
    record_series(target, first=live.implemented_on, values=[9.0, 8.5, 8.0, 7.5])
    QuarterlyResultFactory(initiative=ready)


def existing(model) -> st.SearchStrategy:
    """A row's id — or, once a DELETE has removed them all, an id of none."""
    ids = list(model.objects.values_list("pk", flat=True))
    return st.sampled_from(ids) if ids else st.just(999_999)


DOCUMENT = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = application  # requests go to the WSGI application, not over the network
# Valid and invalid requests (both generation modes), from the schema's examples and
# fuzzed. The coverage phase (systematic boundary values) is left out: on the list
# endpoints' many filters it makes hundreds of requests each, tripling the time.
schema.config.phases.update(phases=["examples", "fuzzing"])


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    model = PATH_IDS.get(context.operation.path.split("/")[2])
    if model is None or "id" not in (path_parameters or {}):
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters),
        existing(model).map(lambda pk: {**path_parameters, "id": pk}),
    )


NUL = "\x00"


def with_nul(value):
    """`value` with a NUL character in the middle of every string in it."""
    if isinstance(value, str):
        return value[: len(value) // 2] + NUL + value[len(value) // 2 :]
    if isinstance(value, dict):
        return {key: with_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_nul(item) for item in value]
    return value


def has_string(value) -> bool:
    return with_nul(value) != value


def nested(value, levels: int = MAX_DEPTH + 5):
    """`value` inside `levels` lists: deeper than the API's parser takes."""
    for _ in range(levels):
        value = [value]
    return value


def too_deep(body):
    """The body with its first value (or, not an object, itself) nested too deep."""
    if isinstance(body, dict) and body:
        first = next(iter(body))
        return {**body, first: nested(body[first])}
    return nested(body)


@schema.hook
def flatmap_body(context, body):
    variants = [st.just(body)]
    if isinstance(body, dict):
        real = {key: existing(model) for key, model in BODY_IDS.items() if key in body}
        real |= {key: existing(User) for key in USER_FIELDS if key in body}
        if real:
            variants.append(st.fixed_dictionaries(real).map(lambda ids: {**body, **ids}))
    if has_string(body):
        variants.append(st.just(with_nul(body)))
    if isinstance(body, dict | list):
        variants.append(st.just(too_deep(body)))
    return st.one_of(variants)


@schema.hook
def flatmap_query(context, query):
    if not query or not has_string(query):
        return st.just(query)
    return st.one_of(st.just(query), st.just(with_nul(query)))


@schema.hook
def map_case(context, case):
    # Only JSON nests: a body too deep goes as JSON whatever media type was drawn.
    if isinstance(case.body, dict | list) and depth(case.body) > MAX_DEPTH:
        case.media_type = "application/json"
    return case


def test_it_fuzzes_the_schema_the_api_serves(api_as, user):
    response = api_as(user).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case, wsgi_app, admin_token, programme):
    case.call_and_validate(headers=admin_token, checks=CHECKS)
