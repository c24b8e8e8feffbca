"""Bad input in the admin's measurement import (issue 12, item 5): the preview names the
row and column of every impossible date, digit of another script and date after today,
with the range problems of other rows in the same pass; nothing is saved, never a 500.
A CSV file may be comma-, semicolon- or tab-separated, with a decimal comma."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from metrics.models import Measurement
from tests.factories import MetricFactory, TargetFactory, TriagedInitiativeFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:metrics_measurement_import")
HEADER = "initiative,metric,observed_at,value,sample_size\n"


@pytest.fixture
def importer(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def target():
    return TargetFactory(
        initiative=TriagedInitiativeFactory(title="Faster invoicing"),
        metric=MetricFactory(name="Invoice cycle time"),
    )


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("measurements.csv", text.encode("utf-8"), content_type="text/csv")


def problems(response) -> list[str]:
    return [str(problem) for problem in response.context["problems"]]


def assert_refused(response, expected: list[str]) -> None:
    """The upload page again with every problem listed, no preview to confirm, nothing
    saved."""
    assert response.status_code == 400
    assert problems(response) == expected
    html = response.content.decode()
    assert "The file was not imported — nothing was saved." in html
    for problem in expected:
        assert f"<li>{problem}</li>" in html.replace("&#x27;", "'")
    assert "payload" not in response.context
    assert not Measurement.objects.exists()


# --- impossible dates and offsets -------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("2026-02-30", "February 2026 has 28 days"),
        ("2026-13-40", "there is no month 13"),
        ("0000-01-01", "years run from 0001 to 9999"),
        ("2026-11-27T10:00+99:00", "+99:00 is not a UTC offset (they are less than 24 hours)"),
    ],
)
def test_it_names_the_row_of_an_impossible_date(importer, target, cell, why):
    i = target.initiative_id
    text = f"{HEADER}{i},Invoice cycle time,2026-03-01,4,\n{i},Invoice cycle time,{cell},4,\n"

    response = importer.post(URL, {"file": csv_file(text)})

    assert_refused(response, [f"Row 3, column “observed_at”: “{cell}” is not a date: {why}."])


# --- digits of other scripts ------------------------------------------------------------


def test_it_explains_an_initiative_id_in_other_digits(importer, target):
    # "²".isdigit() is true and int("²") fails: this was a 500.
    text = f"{HEADER}²,Invoice cycle time,2026-03-01,4,\n١٢,Invoice cycle time,2026-03-02,4,\n"

    response = importer.post(URL, {"file": csv_file(text)})

    assert_refused(
        response,
        [
            "Row 2, column “initiative”: “²” is not an id or a title: write an id with the "
            "digits 0–9, or give the exact title.",
            "Row 3, column “initiative”: “١٢” is not an id or a title: write an id with the "
            "digits 0–9, or give the exact title.",
        ],
    )


def test_it_refuses_a_value_or_sample_size_in_other_digits(importer, target):
    # float("١") is 1.0 and float("１２") 12.0: neither may pass as a number.
    i = target.initiative_id
    text = (
        f"{HEADER}{i},Invoice cycle time,2026-03-01,١,\n"
        f"{i},Invoice cycle time,2026-03-02,１２,\n"
        f"{i},Invoice cycle time,2026-03-03,4,²\n"
    )

    response = importer.post(URL, {"file": csv_file(text)})

    assert_refused(
        response,
        [
            "Row 2, column “value”: “١” is not a number: write it with the digits 0–9.",
            "Row 3, column “value”: “１２” is not a number: write it with the digits 0–9.",
            "Row 4, column “sample_size”: “²” is not a whole number of at least 1: write it "
            "with the digits 0–9.",
        ],
    )


# --- dates after today ------------------------------------------------------------------


def test_it_refuses_a_row_dated_after_today(importer, target):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    i = target.initiative_id
    text = (
        f"{HEADER}{i},Invoice cycle time,{timezone.localdate()},4,\n"
        f"{i},Invoice cycle time,{tomorrow},4,\n"
        f"{i},Invoice cycle time,2031-01-01 09:00,4,\n"
    )

    response = importer.post(URL, {"file": csv_file(text)})

    assert_refused(
        response,
        [
            f"Row 3, column “observed_at”: “{tomorrow}” is in the future: record what has "
            "been observed.",
            "Row 4, column “observed_at”: “2031-01-01 09:00” is in the future: record what "
            "has been observed.",
        ],
    )


def test_it_refuses_a_workbook_date_after_today(importer, target):
    book = Workbook()
    book.active.append(["initiative", "metric", "observed_at", "value"])
    book.active.append([target.initiative_id, "Invoice cycle time", dt.datetime(2031, 1, 1), 4])
    out = io.BytesIO()
    book.save(out)

    response = importer.post(URL, {"file": SimpleUploadedFile("m.xlsx", out.getvalue())})

    assert_refused(
        response,
        [
            "Row 2, column “observed_at”: “2031-01-01 00:00:00” is in the future: record "
            "what has been observed."
        ],
    )


# --- every problem, in one pass -------------------------------------------------------------


def test_it_reports_a_value_out_of_range_with_a_bad_date_on_another_row(importer, target):
    i = target.initiative_id
    text = (
        f"{HEADER}{i},Invoice cycle time,2026-03-01,1e20,\n"
        f"{i},Invoice cycle time,2026-02-30,4,\n"
        f"{i},Invoice cycle time,2026-03-03,1e400,\n"
    )

    response = importer.post(URL, {"file": csv_file(text)})

    in_range = "give a value from -1,000,000,000,000,000 to 1,000,000,000,000,000."
    assert_refused(
        response,
        [
            f"Row 2, column “value”: “1e20” is out of range: {in_range}",
            "Row 3, column “observed_at”: “2026-02-30” is not a date: February 2026 has 28 days.",
            f"Row 4, column “value”: “1e400” is out of range: {in_range}",
        ],
    )


# --- separators ---------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [";", "\t"])
def test_it_imports_a_file_separated_by_semicolons_or_tabs_with_decimal_commas(
    importer, target, separator
):
    lines = [
        ["initiative", "metric", "observed_at", "value"],
        [str(target.initiative_id), "Invoice cycle time", "2026-01-05", "12,5"],
        ["Faster invoicing", "Invoice cycle time", "2026-01-06 09:30", "11"],
    ]
    text = "\n".join(separator.join(line) for line in lines)

    preview = importer.post(URL, {"file": csv_file(text)})

    assert preview.status_code == 200
    assert [(item["row"], item["value"]) for item in preview.context["preview"]] == [
        (2, 12.5),
        (3, 11.0),
    ]
    assert not Measurement.objects.exists()

    response = importer.post(URL, {"payload": preview.context["payload"], "confirm": "1"})

    assert response.status_code == 302
    assert list(
        Measurement.objects.order_by("observed_at").values_list("target", "observed_at", "value")
    ) == [
        (target.pk, dt.datetime(2026, 1, 5, tzinfo=dt.UTC), 12.5),
        (target.pk, dt.datetime(2026, 1, 6, 9, 30, tzinfo=dt.UTC), 11.0),
    ]
