"""Bad input in the initiative page's recording forms (issue 12, item 5): a paste names
every problem of every line, each on its own, in one pass, and saves nothing; impossible
dates, digits of other scripts and dates after today are refused in words, never a 500.
A paste may come from a spreadsheet: comma-, semicolon- or tab-separated."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.models import Measurement
from tests.factories import LiveInitiativeFactory, TargetFactory, UserFactory


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def target(owner):
    return TargetFactory(initiative=LiveInitiativeFactory(owner=owner), baseline_value=10.0)


@pytest.fixture
def paste(web_as, owner, target):
    """`paste(text)` → the response to pasting `text` into the target's paste box."""
    client = web_as(owner)
    url = reverse("improvement:measurement_bulk", args=[target.pk])
    return lambda text: client.post(url, {"rows": text})


@pytest.fixture
def record_one(web_as, owner, target):
    client = web_as(owner)
    url = reverse("improvement:measurement_add", args=[target.pk])
    return lambda **data: client.post(url, {"value": "9.5", **data})


def line_errors(response) -> list[str]:
    """The paste's problems as the page lists them, after checking each is an item of
    the list under the text box."""
    errors = list(response.context["targets"][0].bulk_form.errors["rows"])
    html = response.content.decode()
    for error in errors:
        assert f"<li>{error}</li>" in html.replace("&#x27;", "'")
    return errors


def saved(target) -> list[tuple]:
    return list(target.measurements.order_by("observed_at").values_list("observed_at", "value"))


def midnight(day: dt.date) -> dt.datetime:
    """Midnight UTC (the test time zone) of `day`."""
    return dt.datetime.combine(day, dt.time.min, dt.UTC)


# --- impossible dates and offsets -------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("2026-02-30", "February 2026 has 28 days"),
        ("2026-13-40", "there is no month 13"),
        ("0000-01-01", "years run from 0001 to 9999"),
        ("2026-11-27T10:00+99:00", "+99:00 is not a UTC offset (they are less than 24 hours)"),
        ("2026-11-27 25:00", "there is no such time of day"),
    ],
)
def test_it_names_the_line_of_an_impossible_date_and_saves_nothing(paste, target, cell, why):
    response = paste(f"2026-03-01,12\n2026-03-02,11\n{cell},12")

    assert response.status_code == 400
    assert line_errors(response) == [f"Line 3: “{cell}” is not a date: {why}."]
    assert not Measurement.objects.exists()


def test_it_does_not_take_a_first_line_with_an_impossible_date_for_a_header(paste, target):
    response = paste("2026-02-30,12\n2026-03-01,11")

    assert response.status_code == 400
    assert line_errors(response) == [
        "Line 1: “2026-02-30” is not a date: February 2026 has 28 days."
    ]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("observed_at", "message"),
    [
        ("2026-02-30T10:00", "“2026-02-30T10:00” is not a date: February 2026 has 28 days."),
        ("2026-11-27T10:00+99:00", "“2026-11-27T10:00+99:00” is not a date: +99:00 is not"),
        ("0000-01-01", "“0000-01-01” is not a date: years run from 0001 to 9999."),
        (
            "２０２６-03-01T10:00",
            "“２０２６-03-01T10:00” is not a date: write it with the digits 0–9",
        ),
    ],
)
def test_it_explains_an_impossible_date_in_the_one_measurement_form(
    record_one, target, observed_at, message
):
    response = record_one(observed_at=observed_at)

    assert response.status_code == 400
    errors = response.context["targets"][0].measurement_form.errors
    assert list(errors) == ["observed_at"]
    assert errors["observed_at"][0].startswith(message)
    assert not Measurement.objects.exists()


# --- digits of other scripts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2026-03-01,١", "“١” is not a number: write it with the digits 0–9."),
        ("2026-03-01,１２", "“１２” is not a number: write it with the digits 0–9."),
        ("2026-03-01,12,²", "sample size “²” is not a whole number: write it with the digits 0–9."),
        ("２０２６-03-01,12", "“２０２６-03-01” is not a date: write it with the digits 0–9"),
    ],
)
def test_it_refuses_digits_of_another_script_in_a_paste(paste, target, line, message):
    # float("١") is 1.0 and int("²") fails where "²".isdigit() is true: neither is read.
    response = paste(f"2026-02-28,10\n{line}")

    assert response.status_code == 400
    [error] = line_errors(response)
    assert error.startswith(f"Line 2: {message}")
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(("field", "text"), [("value", "١"), ("sample_size", "²")])
def test_it_refuses_digits_of_another_script_in_the_one_measurement_form(
    record_one, target, field, text
):
    response = record_one(observed_at="2026-03-01T10:00", **{field: text})

    assert response.status_code == 400
    errors = response.context["targets"][0].measurement_form.errors
    assert errors == {field: [f"“{text}” is not a number: write it with the digits 0–9."]}
    assert not Measurement.objects.exists()


def test_it_reports_a_bad_date_and_a_value_out_of_range_together_in_the_one_form(
    record_one, target
):
    response = record_one(observed_at="2026-02-30T10:00", value="1e20", sample_size="3000000000")

    assert response.status_code == 400
    assert response.context["targets"][0].measurement_form.errors == {
        "observed_at": ["“2026-02-30T10:00” is not a date: February 2026 has 28 days."],
        "value": ["Give a value from -1,000,000,000,000,000 to 1,000,000,000,000,000."],
        "sample_size": ["Ensure this value is less than or equal to 2147483647."],
    }
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("value", ["1_000", "nan", "0x10"])
def test_it_refuses_a_value_only_float_would_read_in_the_one_form(record_one, target, value):
    response = record_one(observed_at="2026-03-01T10:00", value=value)

    assert response.status_code == 400
    errors = response.context["targets"][0].measurement_form.errors
    assert errors == {"value": ["Enter a number."]}
    assert not Measurement.objects.exists()


# --- dates after today ------------------------------------------------------------------


def test_it_refuses_a_pasted_date_after_today_naming_line_and_date(paste, target):
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)

    response = paste(f"{today},12\n{tomorrow},11\n2031-06-30 08:00,10")

    assert response.status_code == 400
    assert line_errors(response) == [
        f"Line 2: “{tomorrow}” is in the future: record what has been observed.",
        "Line 3: “2031-06-30 08:00” is in the future: record what has been observed.",
    ]
    assert not Measurement.objects.exists()


def test_it_records_a_paste_up_to_the_last_minute_of_today(paste, target):
    today = timezone.localdate()

    response = paste(f"{today},12\n{today} 23:59,11")

    assert response.status_code == 302
    assert saved(target) == [
        (midnight(today), 12.0),
        (midnight(today) + dt.timedelta(hours=23, minutes=59), 11.0),
    ]


def test_it_reads_today_in_the_sites_time_zone(paste, target, settings, monkeypatch):
    # 20:00 UTC on 3 December is 09:00 on 4 December in Auckland (UTC+13 in summer).
    settings.TIME_ZONE = "Pacific/Auckland"
    now = dt.datetime(2026, 12, 3, 20, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)

    refused = paste("2026-12-04,12\n2026-12-05,11")
    accepted = paste("2026-12-04,12")

    assert refused.status_code == 400
    assert line_errors(refused) == [
        "Line 2: “2026-12-05” is in the future: record what has been observed."
    ]
    assert accepted.status_code == 302
    auckland = timezone.get_default_timezone()
    assert saved(target) == [(dt.datetime(2026, 12, 4, tzinfo=auckland), 12.0)]


def test_it_refuses_a_date_after_today_in_the_one_measurement_form(record_one, target):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = record_one(observed_at=f"{tomorrow}T00:00")

    assert response.status_code == 400
    assert response.context["targets"][0].measurement_form.errors == {
        "observed_at": [f"“{tomorrow} 00:00” is in the future: record what has been observed."]
    }
    assert not Measurement.objects.exists()


# --- separators ---------------------------------------------------------------------------


def test_it_records_tab_separated_cells_copied_from_a_spreadsheet(paste, target):
    # No header: the first line is a measurement, not dropped. Excel copies the empty
    # cells of the selection after the last one.
    response = paste("2026-03-01\t12.5\t\t\r\n2026-03-02\t11\t30\t\r\n")

    assert response.status_code == 302
    assert list(target.measurements.values_list("value", "sample_size")) == [
        (12.5, None),
        (11.0, 30),
    ]


def test_it_skips_a_tab_separated_header(paste, target):
    response = paste("Date\tValue\n2026-03-01\t12,5")

    assert response.status_code == 302
    assert saved(target) == [(midnight(dt.date(2026, 3, 1)), 12.5)]


def test_it_records_semicolon_separated_cells_with_a_decimal_comma(paste, target):
    response = paste("observed_at;value;sample_size\n2026-01-05;12,5\n2026-01-06;11;40")

    assert response.status_code == 302
    assert list(target.measurements.values_list("observed_at", "value", "sample_size")) == [
        (midnight(dt.date(2026, 1, 5)), 12.5, None),
        (midnight(dt.date(2026, 1, 6)), 11.0, 40),
    ]


def test_it_names_a_decimal_comma_it_cannot_read_in_a_comma_separated_paste(paste, target):
    # Quoted, the cell is one: a comma-separated paste reads a point only (1,234 is ambiguous).
    response = paste('2026-03-01,"12,5"')

    assert response.status_code == 400
    assert line_errors(response) == ["Line 1: “12,5” is not a number."]
    assert not Measurement.objects.exists()


# --- every problem, in one pass -------------------------------------------------------------


def test_it_reports_range_and_format_problems_of_every_line_together(paste, target):
    text = "\n".join(
        [
            "observed_at,value",
            "2026-03-01,1e20",  # 2: out of range
            "2026-03-02,11",  # 3: fine
            "2026-02-30,12",  # 4: no such day
            "",
            "yesterday,abc,0",  # 6: three problems
            "2026-03-07,-2e15,3",  # 7: out of range
            "2026-03-08",  # 8: a value short
        ]
    )

    response = paste(text)

    assert response.status_code == 400
    in_range = "give a value from -1,000,000,000,000,000 to 1,000,000,000,000,000."
    assert line_errors(response) == [
        f"Line 2: “1e20” is out of range: {in_range}",
        "Line 4: “2026-02-30” is not a date: February 2026 has 28 days.",
        "Line 6: “yesterday” is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM).",
        "Line 6: “abc” is not a number.",
        "Line 6: the sample size must be at least 1.",
        f"Line 7: “-2e15” is out of range: {in_range}",
        "Line 8: expected a date, a value and optionally a sample size.",
    ]
    assert not Measurement.objects.exists()


def test_it_lists_each_problem_apart_not_in_one_paragraph(paste, target):
    response = paste("2026-02-30,1\n2026-03-01,x")

    html = response.content.decode()
    assert response.status_code == 400
    errors = html.split(f'<ul class="errorlist" id="id_t{target.pk}_rows_error" role="alert">')[1]
    errors = errors.split("</ul>")[0]
    assert [item.strip() for item in errors.split("</li>")] == [
        "<li>Line 1: “2026-02-30” is not a date: February 2026 has 28 days.",
        "<li>Line 2: “x” is not a number.",
        "",
    ]
    # The text box points at the list, and no run of inline messages is left.
    assert f'aria-describedby="id_t{target.pk}_rows_helptext id_t{target.pk}_rows_error"' in html
    assert 'class="error"' not in html


@pytest.mark.parametrize("cell", ["nan", "inf", "-Infinity", "1e400", "1_000", "0x10", ""])
def test_it_refuses_a_value_float_would_read_or_overflow(paste, target, cell):
    response = paste(f"2026-03-01,{cell}")

    assert response.status_code == 400
    [error] = line_errors(response)
    assert error.startswith("Line 1: ")
    assert ("out of range" in error) is (cell == "1e400")
    assert not Measurement.objects.exists()


def test_it_refuses_a_cell_too_long_for_the_csv_reader_without_a_500(paste, target):
    response = paste("2026-03-01," + "9" * 200_000)

    assert response.status_code == 400
    assert line_errors(response) == [
        "Line 1: expected a date, a value and optionally a sample size."
    ]
    assert not Measurement.objects.exists()


def test_it_numbers_lines_as_the_text_box_shows_them(paste, target):
    # Leading blank lines and Windows line ends count as the box counts them.
    response = paste("\r\n\r\n2026-03-01,1\r\n2026-03-02,x")

    assert response.status_code == 400
    assert line_errors(response) == ["Line 4: “x” is not a number."]
