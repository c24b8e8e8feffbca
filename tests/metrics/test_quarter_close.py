"""Closing a quarter: only reviewers, not with unreviewed rows unless confirmed, and then
nobody can change it — not the admin, not the API, not the jobs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from metrics.ledger import review, rollup
from metrics.models import QuarterClose, QuarterClosed, QuarterlyResult
from metrics.tasks import rollup_ledger_row
from tests.factories import (
    LedgerRowFactory,
    LiveInitiativeFactory,
    QuarterCloseFactory,
    TargetFactory,
    UserFactory,
    record_series,
)
from tests.metrics.desk import desk_url, list_edit_data

pytestmark = pytest.mark.django_db


def reviewed_row(reviewer, **fields):
    return LedgerRowFactory(reviewed_by=reviewer, reviewed_at=timezone.now(), **fields)


def snapshot(year=2026, quarter=1) -> list[dict]:
    """Everything stored about the quarter's rows."""
    return list(QuarterlyResult.objects.filter(year=year, quarter=quarter).order_by("pk").values())


@pytest.fixture
def rolled_up():
    """A live initiative with data in 2026 Q1, rolled up by the ledger job."""
    target = TargetFactory(
        initiative=LiveInitiativeFactory(implemented_on=dt.date(2026, 2, 10)),
        baseline_value=20.0,
        target_value=12.0,
        value_per_unit=Decimal("1000"),
    )
    record_series(target, first=dt.date(2026, 2, 6), values=[20, 22, 18, 20])
    record_series(target, first=dt.date(2026, 2, 10), values=[15, 16, 14, 15])
    rollup.rollup_quarter(year=2026, quarter=1)
    return target


# --- the service ------------------------------------------------------------------------------


def test_it_closes_a_reviewed_quarter_for_a_reviewer(reviewer):
    reviewed_row(reviewer)

    close = review.close_quarter(year=2026, quarter=1, actor=reviewer, note="Signed off.")

    stored = QuarterClose.objects.get(year=2026, quarter=1)
    assert stored == close
    assert (stored.closed_by, stored.note) == (reviewer, "Signed off.")


@pytest.mark.parametrize("make", [UserFactory, lambda: UserFactory(is_staff=True)])
def test_it_lets_only_reviewers_close_a_quarter(make):
    LedgerRowFactory(reviewed_at=timezone.now())

    with pytest.raises(PermissionDenied):
        review.close_quarter(year=2026, quarter=1, actor=make(), confirm_unreviewed=True)

    assert not QuarterClose.objects.exists()


def test_it_refuses_to_close_with_unreviewed_rows_unless_confirmed(reviewer):
    reviewed_row(reviewer)
    LedgerRowFactory.create_batch(2)

    with pytest.raises(review.UnreviewedRows, match="2026 Q1 has 2 rows not reviewed yet"):
        review.close_quarter(year=2026, quarter=1, actor=reviewer)
    assert not QuarterClose.objects.exists()

    review.close_quarter(year=2026, quarter=1, actor=reviewer, confirm_unreviewed=True)
    assert QuarterClose.objects.filter(year=2026, quarter=1).exists()


def test_it_closes_a_quarter_only_once(reviewer):
    QuarterCloseFactory(year=2026, quarter=1)

    with pytest.raises(QuarterClosed, match="already closed"):
        review.close_quarter(year=2026, quarter=1, actor=reviewer, confirm_unreviewed=True)

    assert QuarterClose.objects.count() == 1


def test_it_refuses_every_review_change_in_a_closed_quarter(reviewer):
    row = LedgerRowFactory()
    review.close_quarter(year=2026, quarter=1, actor=reviewer, confirm_unreviewed=True)
    before = snapshot()

    with pytest.raises(QuarterClosed):
        review.validate_benefit(
            row=row, actor=reviewer, validated_benefit=Decimal("1"), review_note="late"
        )
    with pytest.raises(QuarterClosed):
        review.mark_reviewed(rows=[row], actor=reviewer)
    row.refresh_from_db()
    row.review_note = "straight to the model"
    with pytest.raises(QuarterClosed):
        row.save()

    assert snapshot() == before


# --- the desk ---------------------------------------------------------------------------------


def test_it_closes_the_quarter_from_the_desk(client, staff_reviewer):
    reviewed_row(staff_reviewer)
    client.force_login(staff_reviewer)
    page = client.get(desk_url("changelist"), {"year": 2026, "quarter": 1})
    assert desk_url("close", 2026, 1) in page.content.decode()

    response = client.post(desk_url("close", 2026, 1), {"note": "All checked."})

    assert response.status_code == 302
    close = QuarterClose.objects.get(year=2026, quarter=1)
    assert (close.closed_by, close.note) == (staff_reviewer, "All checked.")


def test_it_asks_the_desk_to_confirm_unreviewed_rows(client, staff_reviewer):
    LedgerRowFactory()
    client.force_login(staff_reviewer)

    refused = client.post(desk_url("close", 2026, 1), {"note": ""})

    assert refused.status_code == 400
    assert "2026 Q1 has 1 row not reviewed yet" in refused.content.decode()
    assert not QuarterClose.objects.exists()

    confirmed = client.post(desk_url("close", 2026, 1), {"confirm_unreviewed": "on"})

    assert confirmed.status_code == 302
    assert QuarterClose.objects.filter(year=2026, quarter=1).exists()


def test_it_closes_the_selected_rows_quarter_from_the_action(client, staff_reviewer):
    row = reviewed_row(staff_reviewer)
    client.force_login(staff_reviewer)

    response = client.post(
        desk_url("changelist"), {"action": "close_quarter", "_selected_action": [row.pk]}
    )

    assert response.status_code == 302
    assert response["Location"] == desk_url("close", 2026, 1)
    assert not QuarterClose.objects.exists()  # the close page asks first


def test_it_refuses_the_close_to_staff_who_are_not_reviewers(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_quarterlyresult", "add_quarterclose"])
    )
    LedgerRowFactory(reviewed_at=timezone.now())
    client.force_login(staff)

    page = client.get(desk_url("changelist"))
    response = client.post(desk_url("close", 2026, 1), {"confirm_unreviewed": "on"})
    via_close_admin = client.post(
        reverse("admin:metrics_quarterclose_add"), {"year": 2026, "quarter": 1}
    )

    assert page.status_code == 200
    assert desk_url("close", 2026, 1) not in page.content.decode()
    assert "close_quarter" not in page.content.decode()  # no such action offered
    assert response.status_code == 403
    assert via_close_admin.status_code == 403
    assert not QuarterClose.objects.exists()


def test_it_closes_through_the_quarter_close_admin_with_the_same_checks(client, staff_reviewer):
    LedgerRowFactory()
    client.force_login(staff_reviewer)
    url = reverse("admin:metrics_quarterclose_add")

    refused = client.post(url, {"year": 2026, "quarter": 1})
    confirmed = client.post(url, {"year": 2026, "quarter": 1, "confirm_unreviewed": "on"})

    assert refused.status_code == 200  # the form again, with the error
    assert "2026 Q1 has 1 row not reviewed yet" in refused.content.decode()
    assert confirmed.status_code == 302
    assert QuarterClose.objects.get(year=2026, quarter=1).closed_by == staff_reviewer


def test_it_shows_a_closed_quarters_rows_read_only_on_the_desk(client, staff_reviewer):
    closed = LedgerRowFactory(validated_benefit=Decimal("900.00"))
    open_ = LedgerRowFactory(quarter=2)
    QuarterCloseFactory(year=2026, quarter=1)
    client.force_login(staff_reviewer)
    page = client.get(desk_url("changelist"))
    forms = {form.instance.pk: form for form in page.context["cl"].formset.forms}

    response = client.post(
        desk_url("changelist"),
        list_edit_data(
            page,
            {
                closed.pk: {"validated_benefit": "1.00", "review_note": "rewritten"},
                open_.pk: {"validated_benefit": "800.00", "review_note": "checked"},
            },
        ),
    )

    assert forms[closed.pk]["validated_benefit"].field.disabled
    assert not forms[open_.pk]["validated_benefit"].field.disabled
    assert response.status_code == 302
    closed.refresh_from_db()
    open_.refresh_from_db()
    assert (closed.validated_benefit, closed.review_note) == (Decimal("900.00"), "")
    assert (open_.validated_benefit, open_.review_note) == (Decimal("800.00"), "checked")


def test_it_refuses_the_desk_actions_on_a_closed_quarter(client, staff_reviewer):
    row = LedgerRowFactory()
    QuarterCloseFactory(year=2026, quarter=1)
    before = snapshot()
    client.force_login(staff_reviewer)

    response = client.post(
        desk_url("changelist"),
        {"action": "mark_reviewed", "_selected_action": [row.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "2026 Q1 is closed" in response.content.decode()
    assert snapshot() == before


# --- the API ------------------------------------------------------------------------------------


def test_it_validates_a_benefit_through_the_api(api_as, reviewer):
    row = LedgerRowFactory()

    response = api_as(reviewer).patch(
        f"/api/quarterly-results/{row.pk}/",
        {"validated_benefit": "1100.00", "review_note": "Matches the overtime bill."},
    )

    assert response.status_code == 200
    assert (response.json()["validated_benefit"], response.json()["closed"]) == ("1100.00", False)
    row.refresh_from_db()
    assert (row.validated_benefit, row.review_note) == (
        Decimal("1100.00"),
        "Matches the overtime bill.",
    )


def test_it_refuses_api_changes_to_a_closed_quarter(api_as, reviewer):
    row = LedgerRowFactory(validated_benefit=Decimal("900.00"))
    QuarterCloseFactory(year=2026, quarter=1)

    response = api_as(reviewer).patch(
        f"/api/quarterly-results/{row.pk}/", {"validated_benefit": "1.00"}
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "2026 Q1 is closed: its ledger rows can no longer be changed."
    }
    row.refresh_from_db()
    assert row.validated_benefit == Decimal("900.00")


def test_it_refuses_api_changes_from_non_reviewers(api_as, user):
    row = LedgerRowFactory()

    response = api_as(user).patch(
        f"/api/quarterly-results/{row.pk}/", {"validated_benefit": "1.00"}
    )

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.validated_benefit is None


def test_it_accepts_only_the_review_fields_through_the_api(api_as, reviewer):
    row = LedgerRowFactory()

    response = api_as(reviewer).patch(
        f"/api/quarterly-results/{row.pk}/", {"computed_benefit": "99999.00", "review_note": "ok"}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["computed_benefit"]
    row.refresh_from_db()
    assert (row.computed_benefit, row.review_note) == (Decimal("1250.00"), "")


# --- the jobs -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("celery_eager")
def test_it_leaves_a_closed_quarter_to_the_jobs(rolled_up, reviewer, client, staff_reviewer):
    review.close_quarter(year=2026, quarter=1, actor=reviewer, confirm_unreviewed=True)
    before = snapshot()
    record_series(rolled_up, first=dt.date(2026, 3, 20), values=[5, 5, 5])  # late data
    row = QuarterlyResult.objects.get()
    client.force_login(staff_reviewer)

    nightly = rollup.rollup_open_quarters(today=dt.date(2026, 4, 2))  # Q1 and Q2
    on_demand = rollup_ledger_row.delay(
        year=2026, quarter=1, initiative_id=rolled_up.initiative_id
    ).get()
    action = client.post(
        desk_url("changelist"),
        {"action": "recompute_selected", "_selected_action": [row.pk]},
        follow=True,
    )

    assert on_demand == 0
    assert nightly == 1  # only Q2, which is open
    assert "1 row is in a closed quarter and was left as it is." in action.content.decode()
    assert snapshot() == before


@pytest.mark.usefixtures("celery_eager")
def test_it_recomputes_an_open_quarter_from_the_desk(
    rolled_up, client, staff_reviewer, django_capture_on_commit_callbacks
):
    record_series(rolled_up, first=dt.date(2026, 3, 20), values=[5, 5, 5])
    row = QuarterlyResult.objects.get()
    client.force_login(staff_reviewer)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(
            desk_url("changelist"),
            {"action": "recompute_selected", "_selected_action": [row.pk]},
        )

    assert response.status_code == 302
    assert len(queued) == 1
    row.refresh_from_db()
    assert row.n_measurements == 7
