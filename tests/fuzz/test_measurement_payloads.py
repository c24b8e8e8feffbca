"""Random measurement payloads POSTed to /api/measurements/ by a target's owner: the answer
is 201 or 400 (403 for a batch on another's target), never a 5xx; a refusal stores
nothing; whatever is stored is valid — a finite value (within 0–1 for a proportion), a
target the poster may record on, no sample size or one of at least 1, one row per target
and time, recorded as the poster through the API. The results job queued after each
accepted batch runs too, and never fails on what was stored.

Payloads are single objects, lists and plain JSON junk; values of every JSON type, huge
and tiny numbers, numbers JSON cannot hold (1e400, NaN), numeric-looking strings; bad
and extreme dates; the same instant twice (also written with two offsets); unknown
targets and other people's; sample sizes of 0, negative, huge, text; read-only fields.
Some bodies are written as raw text, to send what a JSON encoder would refuse.
"""

import datetime as dt
import json
import logging
import math

import pytest
from django.db.models import Count
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from metrics.models import ChartKind, Measurement, MeasurementSource
from metrics.services import MAX_VALUE
from tests.factories import LiveInitiativeFactory, MetricFactory, TargetFactory, UserFactory

# A leaf written into the JSON text as is (a number JSON cannot hold, a target's id).
RAW = "\x00raw:"
TARGET = "\x00target:"
TARGET_TEXT = "\x00target-text:"

MINE = ("mine", "proportion", "team")  # targets the poster may record on
NOT_MINE = ("others", "sponsored")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def mostly(good, bad, *, odds: int = 6):
    """`good` `odds` times out of `odds + 1`, else `bad`: most fields of most items may
    pass, so that many batches are accepted and what is stored gets checked too."""
    return st.sampled_from([good] * odds + [bad]).flatmap(lambda strategy: strategy)


targets = mostly(
    st.sampled_from(MINE * 3 + NOT_MINE).map(lambda who: TARGET + who),
    st.one_of(
        st.sampled_from(MINE).map(lambda who: TARGET_TEXT + who),
        st.sampled_from([0, -1, 999_999_999, 2**31, 2**63, 2**80, 1.5, "abc", "", True]),
        junk,
    ),
)
raw_numbers = st.sampled_from(
    ["1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "1" + "0" * 400, "-0"]
)
values = mostly(
    st.one_of(
        st.floats(min_value=0, max_value=1),
        st.floats(min_value=-1e6, max_value=1e6),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from([0, 1, 1e308, -1e308, 5e-324, 1.7976931348623157e308, "0.25", " 7 "]),
    ),
    st.one_of(
        st.integers(min_value=-(2**80), max_value=2**80),
        raw_numbers.map(lambda number: RAW + number),
        st.sampled_from(["NaN", "nan", "Infinity", "-inf", "1e400", "1_000", "0x1A", ""]),
        junk,
    ),
)
# Times: mostly any instant of the years around now, sometimes one of a few instants
# (duplicates in a batch and against stored rows; one written with two offsets; one with
# an offset beyond PostgreSQL's ±15:59).
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
good_times = mostly(
    st.integers(min_value=0, max_value=2 * 365 * 24 * 3600 * 10**6).map(
        lambda us: (START + dt.timedelta(microseconds=us)).isoformat()
    ),
    st.sampled_from(
        [
            "2026-03-05T09:30:00Z",
            "2026-03-05T10:30:00+01:00",
            "2026-03-06T12:00:00.123456Z",
            "2026-03-07",
            "2026-03-08T08:00",
            "2026-03-09T09:30:00-23:59",  # an offset PostgreSQL would refuse as such
        ]
    ),
    odds=3,
)
times = mostly(
    good_times,
    st.one_of(
        st.datetimes(timezones=st.timezones()).map(lambda when: when.isoformat()),
        st.sampled_from(
            [
                "",
                "yesterday",
                "2026-02-30T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-03-05T25:00:00Z",
                "0000-01-01T00:00:00Z",
                "0001-01-01T00:00:00+01:00",
                "9999-12-31T23:59:59-23:59",
                "2026-03-05T09:30:00+25:00",
                "1e10",
            ]
        ),
        junk,
    ),
)
sample_sizes = mostly(
    st.one_of(st.none(), st.integers(min_value=1, max_value=10_000)),
    st.one_of(
        st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63, 1.5, 2.0, "3", "x", True]),
        st.integers(),
        junk,
    ),
    odds=3,
)
extras = {
    "sample_size": sample_sizes,
    "source": st.sampled_from(["import", "web", "bogus"]),
    "recorded_by": st.integers(min_value=0, max_value=10),
    "extra": junk,
}
complete_items = st.fixed_dictionaries(
    {"target": targets, "observed_at": times, "value": values}, optional=extras
)
partial_items = st.fixed_dictionaries(
    {}, optional={"target": targets, "observed_at": times, "value": values, **extras}
)
items = mostly(complete_items, partial_items)
payloads = mostly(
    st.one_of(items, st.lists(items, min_size=1, max_size=4)),
    st.one_of(st.lists(items, max_size=0), junk),
)
# Batches that look right: complete items, real times, finite numbers, mostly on the
# poster's targets. What decides is ownership, the ranges of the value and the sample
# size, duplicates.
plausible_items = st.fixed_dictionaries(
    {
        "target": mostly(st.sampled_from(MINE), st.sampled_from(NOT_MINE), odds=5).map(
            lambda who: TARGET + who
        ),
        "observed_at": good_times,
        "value": mostly(
            st.one_of(st.floats(min_value=0, max_value=1), st.floats(-1e6, 1e6)),
            st.one_of(
                st.floats(allow_nan=False, allow_infinity=False),
                st.sampled_from([MAX_VALUE, -MAX_VALUE, 1.0000000000000002e15, -1e308]),
            ),
            odds=4,
        ),
    },
    optional={
        "sample_size": st.one_of(
            st.none(),
            st.integers(min_value=1, max_value=10_000),
            st.sampled_from([1, 2**31 - 1, 2**31, 2**53, 2**63, 2**64, 0, -1]),
            st.integers(),
        )
    },
)
plausible_batches = st.one_of(plausible_items, st.lists(plausible_items, min_size=1, max_size=3))
# Now and then a body no JSON encoder would write.
raw_bodies = mostly(
    st.none(),
    st.sampled_from(
        ["", "{", "[1,", "NaN", '{"value": NaN}', "null", "[]", "[[]]", '"text"', "\ufeff{}"]
    ),
    odds=10,
)


@pytest.fixture
def world(db):
    """The poster, the targets they may and may not record on, by name."""
    poster, other = UserFactory(), UserFactory()
    mine = LiveInitiativeFactory(owner=poster)
    team = LiveInitiativeFactory(owner=other, stage="control", methodology="dmaic")
    team.team.add(poster)
    sponsored = LiveInitiativeFactory(owner=other, sponsor=poster)
    targets = {
        "mine": TargetFactory(initiative=mine, value_per_unit="250.0000"),
        "proportion": TargetFactory(
            initiative=mine,
            is_primary=False,
            metric=MetricFactory(chart_kind=ChartKind.PROPORTION, unit="%"),
            baseline_value=0.3,
            target_value=0.1,
        ),
        "team": TargetFactory(initiative=team),
        "others": TargetFactory(initiative=LiveInitiativeFactory(owner=other)),
        "sponsored": TargetFactory(initiative=sponsored),
    }
    return poster, targets


def body_of(payload, targets) -> str:
    """The JSON text of `payload`, its placeholders replaced by what they stand for."""
    text = json.dumps(payload)
    for name, target in targets.items():
        text = text.replace(json.dumps(TARGET + name), str(target.pk))
        text = text.replace(json.dumps(TARGET_TEXT + name), json.dumps(str(target.pk)))
    for number in ("1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "-0"):
        text = text.replace(json.dumps(RAW + number), number)
    return text.replace(json.dumps(RAW + "1" + "0" * 400), "1" + "0" * 400)


def assert_everything_stored_is_valid(poster, targets):
    allowed = {targets[name].pk for name in MINE}
    for row in Measurement.objects.all():
        assert row.target_id in allowed, f"stored on a target the poster may not record on: {row}"
        assert math.isfinite(row.value) and abs(row.value) <= MAX_VALUE, row
        assert row.sample_size is None or row.sample_size >= 1, row
        if row.target_id == targets["proportion"].pk:
            assert 0 <= row.value <= 1, row
        assert (row.source, row.recorded_by_id) == (MeasurementSource.API, poster.pk), row
    twice = Measurement.objects.values("target", "observed_at").annotate(n=Count("id"))
    assert not twice.filter(n__gt=1).exists()


def post_and_check(*, body: str, poster, targets, api_as, caplog, capture) -> None:
    """POST `body`; check the answer and everything stored."""
    stored = Measurement.objects.count()
    caplog.clear()
    # The results job queued on commit runs in-process (the suite's celery_eager); a
    # failure there is logged, not raised, so the log is checked below.
    with caplog.at_level(logging.ERROR), capture(execute=True):
        response = api_as(poster).post("/api/measurements/", body, content_type="application/json")

    # 403: a batch with a target the poster may not record on is refused as a whole.
    assert response.status_code in (201, 400, 403), (response.status_code, body, response.content)
    event(f"status {response.status_code}")  # see --hypothesis-show-statistics
    if response.status_code in (400, 403):
        assert Measurement.objects.count() == stored, body
    else:
        sent = len(json.loads(body)) if body.lstrip().startswith("[") else 1
        assert Measurement.objects.count() == stored + sent, body
    assert_everything_stored_is_valid(poster, targets)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays deterministic
    database=None,
    # `world` is built once per test, not per example, on purpose: stored rows pile up,
    # so later examples meet duplicates of earlier ones.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(payload=payloads, raw=raw_bodies)
def test_it_answers_any_payload_with_201_or_400(
    payload, raw, world, api_as, caplog, django_capture_on_commit_callbacks
):
    poster, targets = world
    body = raw if raw is not None else body_of(payload, targets)

    post_and_check(
        body=body,
        poster=poster,
        targets=targets,
        api_as=api_as,
        caplog=caplog,
        capture=django_capture_on_commit_callbacks,
    )


@FUZZ
@given(payload=plausible_batches)
def test_it_stores_only_valid_measurements(
    payload, world, api_as, caplog, django_capture_on_commit_callbacks
):
    poster, targets = world

    post_and_check(
        body=body_of(payload, targets),
        poster=poster,
        targets=targets,
        api_as=api_as,
        caplog=caplog,
        capture=django_capture_on_commit_callbacks,
    )
