"""The review desk: the ledger's changelist with its columns, filters, totals, editable
review fields and the mark-reviewed action, in a fixed number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from improvement.models import Methodology
from metrics.models import BenefitType, QuarterlyResult, ResultStatus, StatisticalTest
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
        "+25.0%<br><small>Improving</small>",
        "63%",  # 62.5, half away from zero
        "0.012",
        "$12,345.60",  # in CURRENCY, to the cent
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

    response = desk.get(desk_url(), {"area": area.pk})

    assert listed(response) == {row.pk}


def test_it_filters_the_desk_by_closed_quarter(desk):
    closed = LedgerRowFactory(quarter=1)
    open_ = LedgerRowFactory(quarter=2)
    QuarterCloseFactory(year=2026, quarter=1)

    assert listed(desk.get(desk_url(), {"closed": "yes"})) == {closed.pk}
    assert listed(desk.get(desk_url(), {"closed": "no"})) == {open_.pk}


def unproven_row(amount: str, **fields):
    """A row whose quarter is not significant: its benefit is booked as unproven."""
    return LedgerRowFactory(
        p_value=0.31,
        significant=False,
        status=ResultStatus.AT_RISK,
        computed_benefit=None,
        unproven_benefit=Decimal(amount),
        **fields,
    )


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
    unproven_row("300.25")
    unproven_row("40.00", target__benefit_type=BenefitType.SOFT)
    LedgerRowFactory(quarter=2, computed_benefit=Decimal("9999.00"))  # filtered out
    unproven_row("8888.00", quarter=2)  # filtered out
    hard.validated_benefit = Decimal("950.00")
    hard.save()

    response = desk.get(desk_url(), {"year": 2026, "quarter": 1})

    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals["rows"], totals["unreviewed"]) == (6, 5)
    assert (totals["computed"], totals["unproven"], totals["validated"]) == (
        Decimal("1850.50"),
        Decimal("340.25"),
        Decimal("1650.00"),
    )
    assert response.context["benefit_lines"] == [
        ("Hard savings", Decimal("1500.50"), Decimal("300.25"), Decimal("1350.00")),
        ("Soft savings", Decimal("250.00"), Decimal("40.00"), Decimal("300.00")),
        ("Cost avoidance", Decimal("100.00"), None, Decimal("0.00")),
    ]
    assert response.context["caption"] == "Totals for 2026 Q1"
    content = response.content.decode()
    assert 'statistically significant">Proven</th>' in content
    assert 'not (yet) significant">Unproven</th>' in content
    assert (
        '<tr><th scope="row">Total</th><td class="num">$1,850.50</td>'
        '<td class="num unproven">$340.25</td><td class="num">$1,650.00</td></tr>'
    ) in content
    assert (
        '<tr><th scope="row">Cost avoidance</th><td class="num">$100.00</td>'
        '<td class="num unproven">—</td><td class="num">$0.00</td></tr>'
    ) in content
    assert "6 rows, 5 not reviewed." in content


def test_it_splits_the_totals_on_the_close_page_too(desk):
    LedgerRowFactory(computed_benefit=Decimal("1000.00"), validated_benefit=Decimal("900.00"))
    unproven_row("75.50", target__benefit_type=BenefitType.AVOIDANCE)

    response = desk.get(desk_url("close", 2026, 1))

    assert response.status_code == 200
    assert response.context["benefit_lines"] == [
        ("Hard savings", Decimal("1000.00"), None, Decimal("900.00")),
        ("Soft savings", None, None, None),
        ("Cost avoidance", None, Decimal("75.50"), None),
    ]
    content = response.content.decode()
    assert "<caption>Benefit of the quarter</caption>" in content
    assert ">Proven</th>" in content and ">Unproven</th>" in content
    assert (
        '<tr><th scope="row">Total</th><td class="num">$1,000.00</td>'
        '<td class="num unproven">$75.50</td><td class="num">$900.00</td></tr>'
    ) in content


def test_it_shows_the_unproven_benefit_the_test_and_the_intervals(desk):
    LedgerRowFactory(
        test_method=StatisticalTest.WELCH,
        alpha=0.05,
        improvement_low=2.5,
        improvement_high=7.5,
        benefit_low=Decimal("625.00"),
        benefit_high=Decimal("1875.00"),
    )
    unproven_row(
        "1234.50",
        test_method=StatisticalTest.ONE_SAMPLE_T,
        alpha=0.001,
        improvement_low=-1.25,
        improvement_high=11.0,
        benefit_low=Decimal("-312.50"),
        benefit_high=Decimal("2750.00"),
    )

    response = desk.get(desk_url())

    assert response.status_code == 200
    content = response.content.decode()
    for text in [
        '<a href="?o=10">Proven benefit</a>',
        '<a href="?o=11">Unproven benefit</a>',
        "95 % CI benefit / improvement",
        # Each row books its benefit in one of the two columns.
        '<td class="field-computed">$1,250.00</td><td class="field-unproven">—</td>',
        '<td class="field-computed">—</td><td class="field-unproven">$1,234.50</td>',
        "Welch&#x27;s two-sample t-test<br><small>α = 0.05</small>",
        "One-sample t-test against the typed baseline<br><small>α = 0.001 (interim)</small>",
        '0.004 <span title="significant at α = 0.05">✔</span>',
        "$625.00 to $1,875.00<br><small>+2.5 to +7.5</small>",
        "-$312.50 to $2,750.00<br><small>-1.25 to +11</small>",
    ]:
        assert text in content, text


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
        proven = i % 3 != 0  # every third row's quarter is not significant
        LedgerRowFactory(
            initiative__area=area if i % 2 else AreaFactory(),
            target__metric=metric,
            quarter=1 + i % 4,
            reviewed_by=UserFactory(),
            reviewed_at="2026-04-02T10:00Z",
            significant=proven,
            computed_benefit=Decimal("1250.00") if proven else None,
            unproven_benefit=None if proven else Decimal("250.00"),
            test_method=StatisticalTest.WELCH,
            alpha=0.05,
            benefit_low=Decimal("100.00"),
            benefit_high=Decimal("2000.00"),
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
