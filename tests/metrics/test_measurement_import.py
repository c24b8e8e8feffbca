"""Importing measurements in the admin from CSV or XLSX: a preview first, then all or
nothing on confirm; every bad row is named by its row and column."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from metrics.forms import parse_when
from metrics.models import ChartKind, Measurement, MeasurementSource
from tests.factories import (
    MeasurementFactory,
    MetricFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("admin:metrics_measurement_import")


@pytest.fixture
def importer(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def cycle_time():
    """Faster invoicing's target on invoice cycle time."""
    return TargetFactory(
        initiative=TriagedInitiativeFactory(title="Faster invoicing"),
        metric=MetricFactory(name="Invoice cycle time"),
    )


@pytest.fixture
def defect_rate():
    return TargetFactory(
        metric=MetricFactory(name="Defect rate", chart_kind=ChartKind.PROPORTION, unit="%")
    )


def csv_file(text: str, name: str = "measurements.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_file(lines: list[list]) -> SimpleUploadedFile:
    book = Workbook()
    for line in lines:
        book.active.append(line)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("measurements.xlsx", out.getvalue())


def one_line(target) -> str:
    """A file with one measurement for the target (on invoice cycle time)."""
    header = "initiative,metric,observed_at,value\n"
    return f"{header}{target.initiative_id},Invoice cycle time,2026-03-01,4\n"


def problems(response) -> list[str]:
    return [str(p) for p in response.context["problems"]]


def test_it_previews_a_csv_file_then_imports_it_on_confirm(
    importer, admin_user, cycle_time, defect_rate, django_capture_on_commit_callbacks
):
    text = (
        "initiative,metric,observed_at,value,sample_size\n"
        f"{cycle_time.initiative_id},Invoice cycle time,2026-03-01,4.5,\n"
        "faster invoicing,invoice cycle time,2026-03-02 14:30,4.25,\n"
        f"{defect_rate.initiative_id},Defect rate,2026-03-01,0.04,250\n"
    )

    with django_capture_on_commit_callbacks() as preview_jobs:
        preview = importer.post(URL, {"file": csv_file(text)})

    assert preview.status_code == 200
    assert preview.context["count"] == 3
    assert [item["row"] for item in preview.context["preview"]] == [2, 3, 4]
    assert not Measurement.objects.exists()
    assert preview_jobs == []  # a preview queues no recompute

    with django_capture_on_commit_callbacks() as jobs:
        response = importer.post(URL, {"payload": preview.context["payload"], "confirm": "1"})

    assert response.status_code == 302
    saved = list(Measurement.objects.order_by("target_id", "observed_at"))
    assert [(m.target_id, m.observed_at, m.value, m.sample_size) for m in saved] == [
        (cycle_time.pk, parse_when("2026-03-01"), 4.5, None),
        (cycle_time.pk, parse_when("2026-03-02 14:30"), 4.25, None),
        (defect_rate.pk, parse_when("2026-03-01"), 0.04, 250),
    ]
    assert {(m.source, m.recorded_by) for m in saved} == {(MeasurementSource.IMPORT, admin_user)}
    assert len(jobs) == 2  # results recomputed for each initiative touched


def test_it_imports_an_xlsx_file_with_its_own_column_order(importer, cycle_time):
    upload = xlsx_file(
        [
            ["Value", "Observed at", "Metric", "Initiative"],
            [4.5, dt.datetime(2026, 3, 1, 9, 0), "Invoice cycle time", cycle_time.initiative_id],
            [4, dt.date(2026, 3, 2), "Invoice cycle time", "Faster invoicing"],
        ]
    )

    preview = importer.post(URL, {"file": upload})
    response = importer.post(URL, {"payload": preview.context["payload"], "confirm": "1"})

    assert preview.status_code == 200
    assert response.status_code == 302
    assert list(
        Measurement.objects.order_by("observed_at").values_list("observed_at", "value")
    ) == [(parse_when("2026-03-01 09:00"), 4.5), (parse_when("2026-03-02"), 4.0)]


def test_it_saves_nothing_and_names_every_bad_row(importer, cycle_time, defect_rate):
    MeasurementFactory(target=cycle_time, observed_at=parse_when("2026-02-01"), value=5)
    elsewhere = TriagedInitiativeFactory()
    i, d = cycle_time.initiative_id, defect_rate.initiative_id
    text = (
        "initiative,metric,observed_at,value,sample_size\n"
        f"{i},Invoice cycle time,2026-03-01,4.5,\n"  # 2: fine
        f"{i},Invoice cycle time,2026-03-02,abc,\n"  # 3
        "Nonexistent idea,Invoice cycle time,2026-03-03,4.1,\n"  # 4
        f"{i},Unknown metric,2026-03-04,4.0,\n"  # 5
        f"{i},Invoice cycle time,03/05/2026,4.0,\n"  # 6
        f"{i},Invoice cycle time,2026-03-01,4.4,\n"  # 7: same as row 2
        f"{i},Invoice cycle time,2026-02-01,4.4,\n"  # 8: already recorded
        f"{d},Defect rate,2026-03-01,1.5,20\n"  # 9: not a proportion
        f"{d},Defect rate,2026-03-02,0.5,0\n"  # 10
        f"{elsewhere.pk},Invoice cycle time,2026-03-01,4,\n"  # 11: no such target
        f"{i},,2026-03-06,4,\n"  # 12
    )

    response = importer.post(URL, {"file": csv_file(text)})

    assert response.status_code == 400
    assert problems(response) == [
        "Row 3, column “value”: “abc” is not a number.",
        "Row 4, column “initiative”: no initiative has the id or title “Nonexistent idea”.",
        "Row 5, column “metric”: “Unknown metric” is not a metric in the catalog.",
        "Row 6, column “observed_at”: “03/05/2026” is not a date "
        "(use YYYY-MM-DD or YYYY-MM-DD HH:MM).",
        "Row 7, column “observed_at”: same target and time as row 2.",
        "Row 8, column “observed_at”: this target already has a measurement at this time.",
        "Row 9, column “value”: 1.5 is not a proportion: Defect rate (proportion) takes a "
        "value from 0 to 1 — for 12 %, give 0.12.",
        "Row 10, column “sample_size”: “0” is not a whole number of at least 1.",
        f"Row 11, column “metric”: initiative #{elsewhere.pk} has no target on "
        "“Invoice cycle time”.",
        "Row 12, column “metric”: this cell is empty.",
    ]
    assert "nothing was saved" in response.content.decode()
    assert "payload" not in response.context
    assert Measurement.objects.count() == 1


def test_it_names_the_missing_columns(importer):
    response = importer.post(URL, {"file": csv_file("date,value\n2026-03-01,4\n")})

    assert response.status_code == 400
    assert problems(response) == [
        "Row 1: the header must name the columns initiative, metric, observed_at, value "
        "(missing: initiative, metric, observed_at)."
    ]


def test_it_refuses_a_file_that_is_not_a_table(importer):
    upload = SimpleUploadedFile("measurements.xlsx", b"PK\x03\x04 not really a workbook")

    response = importer.post(URL, {"file": upload})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "file": ["The file could not be read as an XLSX workbook."]
    }
    assert not Measurement.objects.exists()


def test_it_asks_for_the_id_when_two_initiatives_share_a_title(importer, cycle_time):
    TargetFactory(
        initiative=TriagedInitiativeFactory(title="Faster invoicing"), metric=cycle_time.metric
    )
    text = "initiative,metric,observed_at,value\nFaster invoicing,Invoice cycle time,2026-03-01,4\n"

    response = importer.post(URL, {"file": csv_file(text)})

    assert problems(response) == [
        "Row 2, column “initiative”: 2 initiatives are titled “Faster invoicing”: give the id."
    ]


def test_it_checks_again_on_confirm(importer, cycle_time):
    text = (
        "initiative,metric,observed_at,value\n"
        f"{cycle_time.initiative_id},Invoice cycle time,2026-03-01,4\n"
        f"{cycle_time.initiative_id},Invoice cycle time,2026-03-02,4\n"
    )
    preview = importer.post(URL, {"file": csv_file(text)})
    # Someone records the same time between the preview and the confirm.
    MeasurementFactory(target=cycle_time, observed_at=parse_when("2026-03-02"), value=3)

    response = importer.post(URL, {"payload": preview.context["payload"], "confirm": "1"})

    assert response.status_code == 400
    assert problems(response) == [
        "Row 3, column “observed_at”: this target already has a measurement at this time."
    ]
    assert Measurement.objects.count() == 1


def test_it_refuses_a_tampered_preview(importer, cycle_time):
    text = one_line(cycle_time)
    preview = importer.post(URL, {"file": csv_file(text)})
    payload = preview.context["payload"]

    response = importer.post(URL, {"payload": "x" + payload, "confirm": "1"})

    assert response.status_code == 302
    assert not Measurement.objects.exists()


def test_it_names_targets_the_importer_may_not_record_on(client, cycle_time):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__endswith="_measurement"))
    client.force_login(clerk)
    text = one_line(cycle_time)

    response = client.post(URL, {"file": csv_file(text)})

    assert response.status_code == 400
    assert problems(response) == [
        "Row 2, column “initiative”: only the initiative's owner and team can record measurements."
    ]


def test_it_offers_the_import_only_to_people_who_may_add_measurements(client, staff_reviewer):
    client.force_login(staff_reviewer)

    assert client.get(URL).status_code == 403
    changelist = client.get(reverse("admin:metrics_measurement_changelist"))
    assert URL not in changelist.content.decode()


def test_it_links_the_import_from_the_measurement_list(importer):
    response = importer.get(reverse("admin:metrics_measurement_changelist"))

    assert URL in response.content.decode()
    assert importer.get(URL).status_code == 200
