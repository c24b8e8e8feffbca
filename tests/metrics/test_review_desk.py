"""The review desk: the ledger's changelist with its columns, filters, totals, editable
review fields and the mark-reviewed action, in a fixed number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from improvement.models import Methodology
from metrics.models import BenefitType, QuarterlyResult, ResultStatus
from tests.factories import (
    AreaFactory,
    LedgerRowFactory,
    MetricFactory,
    QuarterCloseFactory,
    UserFactory,
)
from tests.metrics.desk import desk_url, list_edit_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, staff_reviewer):
    client.force_login(staff_reviewer)
    return client


def listed(response) -> set[int]:
    return {row.pk for row in response.context["cl"].queryset}


def test_it_shows_the_review_columns(desk):
    owner = UserFactory(first_name="Omar", last_name="Haddad")
    row = LedgerRowFactory(
        initiative__owner=owner,
        target__metric=MetricFactory(name="Invoice cycle time", unit="days"),
        target__benefit_type=BenefitType.SOFT,
        p_value=0.0123,
        computed_benefit=Decimal("12345.60"),
    )

    response = desk.get(desk_url())

    assert response.status_code == 200
    content = response.content.decode()
    for text in [
        row.initiative.title,
        "Omar Haddad",
        "Invoice cycle time",
        "20 → 15<br><small>days</small>",
        "+25.0 %<br><small>Improving</small>",
        "62 %",
        "0.012",
        "12,345.60",
        "Soft savings",
        'name="form-0-validated_benefit"',
        'name="form-0-review_note"',
    ]:
        assert text in content, text


@pytest.mark.parametrize(
    ("params", "wanted", "other"),
    [
        ({"year": 2025}, {"year": 2025}, {"year": 2026}),
        ({"quarter": 2}, {"quarter": 2}, {"quarter": 1}),
        ({"status__exact": "regressed"}, {"status": ResultStatus.REGRESSED}, {}),
        (
            {"initiative__methodology__exact": "dmaic"},
            {"initiative__methodology": Methodology.DMAIC, "initiative__stage": "measure"},
            {},
        ),
        ({"reviewed": "yes"}, {"reviewed_at": "2026-04-02T10:00Z"}, {}),
        ({"reviewed": "no"}, {}, {"reviewed_at": "2026-04-02T10:00Z"}),
        ({"target__benefit_type__exact": "avoidance"}, {"target__benefit_type": "avoidance"}, {}),
    ],
)
def test_it_filters_the_desk(desk, params, wanted, other):
    row = LedgerRowFactory(**wanted)
    LedgerRowFactory(**other)

    response = desk.get(desk_url(), params)

    assert response.status_code == 200
    assert listed(response) == {row.pk}


def test_it_filters_the_desk_by_area(desk):
    area = AreaFactory(name="Warehouse")
    row = LedgerRowFactory(initiative__area=area)
    LedgerRowFactory()

    response = desk.get(desk_url(), {"initiative__area__id__exact": area.pk})

    assert listed(response) == {row.pk}


def test_it_filters_the_desk_by_closed_quarter(desk):
    closed = LedgerRowFactory(quarter=1)
    open_ = LedgerRowFactory(quarter=2)
    QuarterCloseFactory(year=2026, quarter=1)

    assert listed(desk.get(desk_url(), {"closed": "yes"})) == {closed.pk}
    assert listed(desk.get(desk_url(), {"closed": "no"})) == {open_.pk}


def test_it_totals_the_filtered_quarter_by_benefit_type(desk):
    hard = LedgerRowFactory(computed_benefit=Decimal("1000.00"))
    LedgerRowFactory(computed_benefit=Decimal("500.50"), validated_benefit=Decimal("400.00"))
    LedgerRowFactory(
        target__benefit_type=BenefitType.SOFT,
        computed_benefit=Decimal("250.00"),
        validated_benefit=Decimal("300.00"),
    )
    LedgerRowFactory(
        target__benefit_type=BenefitType.AVOIDANCE,
        computed_benefit=Decimal("100.00"),
        validated_benefit=Decimal("0.00"),
        reviewed_at="2026-04-02T10:00Z",
    )
    LedgerRowFactory(quarter=2, computed_benefit=Decimal("9999.00"))  # filtered out
    hard.validated_benefit = Decimal("950.00")
    hard.save()

    response = desk.get(desk_url(), {"year": 2026, "quarter": 1})

    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals["rows"], totals["unreviewed"]) == (4, 3)
    assert (totals["computed"], totals["validated"]) == (Decimal("1850.50"), Decimal("1650.00"))
    assert response.context["benefit_lines"] == [
        ("Hard savings", Decimal("1500.50"), Decimal("1350.00")),
        ("Soft savings", Decimal("250.00"), Decimal("300.00")),
        ("Cost avoidance", Decimal("100.00"), Decimal("0.00")),
    ]
    assert response.context["caption"] == "Totals for 2026 Q1"
    content = response.content.decode()
    assert "1,850.50" in content or "1850.50" in content
    assert "4 rows, 3 not reviewed." in content


def test_it_saves_validated_benefits_and_notes_from_the_list(desk):
    first, second = LedgerRowFactory.create_batch(2)
    page = desk.get(desk_url())

    response = desk.post(
        desk_url(),
        list_edit_data(
            page,
            {
                first.pk: {"validated_benefit": "1100.00", "review_note": "Overtime bill."},
                second.pk: {"validated_benefit": "0", "review_note": "Not attributable."},
            },
        ),
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.validated_benefit, first.review_note) == (Decimal("1100.00"), "Overtime bill.")
    assert (second.validated_benefit, second.review_note) == (Decimal("0"), "Not attributable.")


def test_it_marks_the_selected_rows_reviewed(desk, staff_reviewer):
    chosen = LedgerRowFactory()
    other = LedgerRowFactory()

    response = desk.post(desk_url(), {"action": "mark_reviewed", "_selected_action": [chosen.pk]})

    assert response.status_code == 302
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert chosen.reviewed_by == staff_reviewer
    assert chosen.reviewed_at is not None
    assert other.reviewed_at is None


def test_it_keeps_the_desk_read_only_for_staff_who_are_not_reviewers(client):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_quarterlyresult", "change_quarterlyresult"])
    )
    row = LedgerRowFactory()
    client.force_login(staff)

    page = client.get(desk_url())
    action = client.post(desk_url(), {"action": "mark_reviewed", "_selected_action": [row.pk]})

    assert page.status_code == 200
    assert page.context["cl"].formset is None  # nothing editable
    assert action.status_code == 302  # "no action selected": it is not offered
    row.refresh_from_db()
    assert row.reviewed_at is None


ROW_NUMBERS = iter(range(10_000))


def make_rows(n: int):
    """Distinct initiatives, owners, areas, metrics and reviewers; a double-counted pair;
    some in a closed quarter."""
    area = AreaFactory()
    for _ in range(n):
        i = next(ROW_NUMBERS)
        metric = MetricFactory(name=f"Shared metric {i % 3}")
        LedgerRowFactory(
            initiative__area=area if i % 2 else AreaFactory(),
            target__metric=metric,
            quarter=1 + i % 4,
            reviewed_by=UserFactory(),
            reviewed_at="2026-04-02T10:00Z",
        )


def test_it_lists_the_desk_in_a_fixed_number_of_queries(desk):
    QuarterCloseFactory(year=2026, quarter=1)
    url = desk_url()
    make_rows(3)
    desk.get(url)  # warm per-process caches

    with CaptureQueriesContext(connection) as few:
        assert desk.get(url).status_code == 200
    make_rows(27)
    with CaptureQueriesContext(connection) as many:
        response = desk.get(url)

    assert response.context["cl"].result_count == 30
    assert any(row.double_counted for row in response.context["cl"].result_list)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_it_shows_every_quarters_rows_to_a_reviewer_without_filters(desk):
    rows = [LedgerRowFactory(year=2025, quarter=4), LedgerRowFactory()]

    response = desk.get(desk_url())

    assert listed(response) == {row.pk for row in rows}
    assert response.context["caption"] == "Totals for the filtered rows"
    assert QuarterlyResult.objects.count() == 2
