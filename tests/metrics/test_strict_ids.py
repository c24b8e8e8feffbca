"""A reference to a row is a plain whole number: 43.5, "43.5", "１２" (full-width), "²" or
true are a 400 naming the field — never read as row 43, 12 or 1 — in a measurement, a
target's metric, a filter, a detail URL and an import file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from improvement.models import Stage
from metrics.ids import parse_id
from metrics.models import Measurement, Target
from tests.factories import (
    LedgerRowFactory,
    MetricFactory,
    TargetFactory,
    TriagedInitiativeFactory,
)

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def spellings(pk: int) -> list:
    """Ways of writing `pk` that Python or the ORM would read as it (or near it)."""
    return [
        pk + 0.5,
        float(pk),
        f"{pk}.5",
        f"{pk}.0",
        str(pk).translate(FULL_WIDTH),
        str(pk).translate(SUPERSCRIPT),
        f" {pk}",
        f"+{pk}",
        f"{pk:_}" if pk > 999 else f"{pk}_0",
        True,
        [pk],
        {"id": pk},
    ]


@pytest.fixture
def target(db):
    return TargetFactory(initiative=TriagedInitiativeFactory(stage=Stage.DO))


@pytest.mark.parametrize(
    ("value", "pk"),
    [(42, 42), ("42", 42), ("0", 0), (2**63 - 1, 2**63 - 1)]
    + [(v, None) for v in (42.5, 42.0, "42.5", "４２", "²", True, False, None, -1, "-1", "")]
    + [(v, None) for v in (" 42", "42 ", "1e3", "0x1f", "4_2", 2**63, "9" * 20, [42])],
)
def test_it_reads_only_plain_whole_numbers_as_ids(value, pk):
    assert parse_id(value) == pk


def test_it_refuses_a_measurements_target_written_other_than_as_a_whole_number(api_as, target):
    client = api_as(target.initiative.owner)
    for spelling in spellings(target.pk):
        item = {"target": spelling, "observed_at": "2026-04-01T09:00:00Z", "value": 1}

        one = client.post("/api/measurements/", item, format="json")
        batch = client.post("/api/measurements/", [item], format="json")

        assert one.status_code == 400, spelling
        assert one.json() == {"target": ["Give an id: a whole number such as 42."]}, spelling
        assert batch.status_code == 400, spelling
        assert list(batch.json()["0"]) == ["target"], spelling
    assert not Measurement.objects.exists()


def test_it_still_takes_a_target_id_as_a_json_number_or_a_string(api_as, target):
    client = api_as(target.initiative.owner)

    as_number = client.post(
        "/api/measurements/",
        {"target": target.pk, "observed_at": "2026-04-01T09:00:00Z", "value": 1},
        format="json",
    )
    as_string = client.post(
        "/api/measurements/",
        {"target": str(target.pk), "observed_at": "2026-04-02T09:00:00Z", "value": 1},
        format="json",
    )

    assert (as_number.status_code, as_string.status_code) == (201, 201)
    assert Measurement.objects.filter(target=target).count() == 2


def test_it_refuses_a_targets_metric_written_other_than_as_a_whole_number(api_as):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    metric = MetricFactory()
    client = api_as(initiative.owner)
    for spelling in spellings(metric.pk):
        response = client.post(
            f"/api/initiatives/{initiative.pk}/targets/",
            {"metric": spelling, "is_primary": True},
            format="json",
        )

        assert response.status_code == 400, spelling
        assert list(response.json()) == ["metric"], spelling
    assert not Target.objects.exists()


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/measurements/", "target"),
        ("/api/quarterly-results/", "area"),
        ("/api/quarterly-results/", "year"),
    ],
)
@pytest.mark.parametrize("value", ["1.5", "1.0", "１", "²", "1e3", "99999999999999999999"])
def test_it_refuses_an_id_filter_written_other_than_as_a_whole_number(
    api_as, user, url, param, value
):
    LedgerRowFactory()

    response = api_as(user).get(url, {param: value})

    assert response.status_code == 400
    assert list(response.json()) == [param]


@pytest.mark.parametrize("path", ["targets", "metrics", "quarterly-results"])
def test_it_answers_404_for_a_detail_url_in_other_digits(api_as, user, path):
    row = LedgerRowFactory()
    pk = {"targets": row.target_id, "metrics": row.target.metric_id}.get(path, row.pk)

    found = api_as(user).get(f"/api/{path}/{pk}/")
    other = api_as(user).get(f"/api/{path}/{str(pk).translate(FULL_WIDTH)}/")

    assert found.status_code == 200
    assert other.status_code == 404
    assert other.json() == {"detail": "Not found."}


@pytest.mark.parametrize("spelling", ["²", "FULL_WIDTH"])
def test_it_refuses_an_import_cell_in_other_digits_as_an_id(client, admin_user, target, spelling):
    written = str(target.initiative_id).translate(FULL_WIDTH) if spelling == "FULL_WIDTH" else "²"
    text = f"initiative,metric,observed_at,value\n{written},{target.metric.name},2026-03-01,4\n"
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:metrics_measurement_import"),
        {"file": SimpleUploadedFile("m.csv", text.encode(), content_type="text/csv")},
    )

    assert response.status_code == 400
    assert [str(p) for p in response.context["problems"]] == [
        f"Row 2, column “initiative”: “{written}” is not an id or a title: write an id with "
        "the digits 0–9, or give the exact title."
    ]
    assert not Measurement.objects.exists()


def test_it_refuses_a_web_forms_metric_written_other_than_as_a_whole_number(web_as):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    metric = MetricFactory()
    client = web_as(initiative.owner)
    url = reverse("improvement:target_add", args=[initiative.pk])
    for spelling in [str(metric.pk).translate(FULL_WIDTH), f"{metric.pk}.0", f" {metric.pk}"]:
        response = client.post(url, {"metric": spelling, "benefit_type": "hard"})

        assert response.status_code == 400, spelling
        assert "Select a valid choice" in response.content.decode(), spelling
    assert not Target.objects.exists()
