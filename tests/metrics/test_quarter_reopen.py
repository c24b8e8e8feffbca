"""A quarter can be closed only once it has ended; an administrator can reopen a closed
quarter with a reason, recorded in history, and then it is open everywhere — the review
services, the API, the rollup — and can be closed again."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from metrics.ledger import review, rollup
from metrics.models import QuarterClose, QuarterClosed, QuarterlyResult, QuarterReopen
from metrics.periods import previous_quarter, quarter_of
from tests.factories import (
    LedgerRowFactory,
    LiveInitiativeFactory,
    QuarterCloseFactory,
    TargetFactory,
    UserFactory,
    record_series,
)
from tests.metrics.desk import desk_url

pytestmark = pytest.mark.django_db

REOPEN_REASON = "The February invoices were booked late; figures to be recomputed."


def reopen_url(year=2026, quarter=1) -> str:
    return reverse("admin:metrics_quarterclose_reopen", args=[year, quarter])


def current_quarter() -> tuple[int, int]:
    return quarter_of(timezone.localdate())


def unfinished_quarters() -> list[tuple[int, int]]:
    return [current_quarter(), (2031, 1), (2200, 4)]


@pytest.fixture
def closed(reviewer):
    """2026 Q1 with one reviewed row, closed by a reviewer."""
    row = LedgerRowFactory(reviewed_by=reviewer, reviewed_at=timezone.now())
    review.close_quarter(year=2026, quarter=1, actor=reviewer, note="Signed off.")
    return row


# --- closing only an ended quarter --------------------------------------------------------


@pytest.mark.parametrize("year_quarter", unfinished_quarters())
def test_it_refuses_to_close_a_quarter_that_has_not_ended(reviewer, year_quarter):
    year, quarter = year_quarter

    with pytest.raises(review.QuarterNotEnded, match="has not ended yet"):
        review.close_quarter(year=year, quarter=quarter, actor=reviewer, confirm_unreviewed=True)

    assert not QuarterClose.objects.exists()


def test_it_counts_a_quarter_as_ended_from_the_day_after_its_last_day():
    with pytest.raises(review.QuarterNotEnded, match=r"its last day is 2026-03-31"):
        review.check_ended(2026, 1, today=dt.date(2026, 3, 31))

    review.check_ended(2026, 1, today=dt.date(2026, 4, 1))  # no refusal


def test_it_closes_the_quarter_that_ended_yesterday(reviewer):
    year, quarter = previous_quarter(*current_quarter())

    review.close_quarter(year=year, quarter=quarter, actor=reviewer, confirm_unreviewed=True)

    assert QuarterClose.objects.filter(year=year, quarter=quarter).exists()


@pytest.mark.parametrize("year_quarter", [(1999, 4), (2026, 5), (2026, 0)])
def test_it_refuses_to_close_a_quarter_outside_the_ledger(reviewer, year_quarter):
    year, quarter = year_quarter

    with pytest.raises(ValidationError):
        review.close_quarter(year=year, quarter=quarter, actor=reviewer, confirm_unreviewed=True)

    assert not QuarterClose.objects.exists()


@pytest.mark.parametrize("year_quarter", unfinished_quarters())
def test_it_shows_on_the_close_page_that_the_quarter_has_not_ended(
    client, staff_reviewer, year_quarter
):
    year, quarter = year_quarter
    client.force_login(staff_reviewer)

    page = client.get(desk_url("close", year, quarter))
    refused = client.post(desk_url("close", year, quarter), {"confirm_unreviewed": "on"})

    assert page.status_code == 200
    assert "has not ended yet" in page.content.decode()
    assert refused.status_code == 400
    assert "has not ended yet" in refused.content.decode()
    assert not QuarterClose.objects.exists()


def test_it_refuses_an_unfinished_quarter_on_the_quarter_close_admin(client, staff_reviewer):
    year, quarter = current_quarter()
    client.force_login(staff_reviewer)

    response = client.post(
        reverse("admin:metrics_quarterclose_add"),
        {"year": year, "quarter": quarter, "confirm_unreviewed": "on"},
    )

    assert response.status_code == 200  # the admin's add form again, with the error
    assert "has not ended yet" in response.content.decode()
    assert not QuarterClose.objects.exists()


def test_it_offers_no_close_link_on_the_desk_before_the_quarter_ends(client, staff_reviewer):
    year, quarter = current_quarter()
    LedgerRowFactory(year=year, quarter=quarter)
    client.force_login(staff_reviewer)

    page = client.get(desk_url("changelist"), {"year": year, "quarter": quarter})

    assert page.status_code == 200
    assert desk_url("close", year, quarter) not in page.content.decode()
    assert "can be closed once it has ended" in page.content.decode()


# --- reopening: the service ---------------------------------------------------------------


def test_it_reopens_a_closed_quarter_for_an_administrator_and_keeps_the_history(
    closed, reviewer, admin_user
):
    close = QuarterClose.objects.get()

    reopen = review.reopen_quarter(year=2026, quarter=1, actor=admin_user, reason=REOPEN_REASON)

    assert not QuarterClose.objects.exists()
    stored = QuarterReopen.objects.get()
    assert stored == reopen
    assert (stored.year, stored.quarter, stored.reopened_by, stored.reason) == (
        2026,
        1,
        admin_user,
        REOPEN_REASON,
    )
    assert (stored.closed_by, stored.closed_at, stored.close_note) == (
        reviewer,
        close.closed_at,
        "Signed off.",
    )
    assert not rollup.is_closed(2026, 1)
    assert QuarterlyResult.objects.with_closed().get().closed is False


@pytest.mark.parametrize(
    "make", [UserFactory, lambda: UserFactory(is_staff=True)], ids=["user", "staff"]
)
def test_it_lets_only_administrators_reopen(closed, reviewer, make):
    for actor in (reviewer, make()):
        with pytest.raises(PermissionDenied):
            review.reopen_quarter(year=2026, quarter=1, actor=actor, reason=REOPEN_REASON)

    assert QuarterClose.objects.filter(year=2026, quarter=1).exists()
    assert not QuarterReopen.objects.exists()


@pytest.mark.parametrize("reason", ["", "   \n", None])
def test_it_refuses_a_reopen_without_a_reason(closed, admin_user, reason):
    with pytest.raises(ValidationError, match="Say why"):
        review.reopen_quarter(year=2026, quarter=1, actor=admin_user, reason=reason)

    assert QuarterClose.objects.exists()
    assert not QuarterReopen.objects.exists()


def test_it_refuses_to_reopen_a_quarter_that_is_not_closed(admin_user):
    LedgerRowFactory()

    with pytest.raises(review.QuarterNotClosed, match="2026 Q1 is not closed"):
        review.reopen_quarter(year=2026, quarter=1, actor=admin_user, reason=REOPEN_REASON)

    assert not QuarterReopen.objects.exists()


def test_it_lets_the_review_change_a_reopened_quarter_and_close_it_again(
    closed, reviewer, admin_user
):
    with pytest.raises(QuarterClosed):
        review.validate_benefit(
            row=closed, actor=reviewer, validated_benefit=Decimal("1"), review_note="late"
        )

    review.reopen_quarter(year=2026, quarter=1, actor=admin_user, reason=REOPEN_REASON)
    review.validate_benefit(
        row=closed, actor=reviewer, validated_benefit=Decimal("800.00"), review_note="Rechecked."
    )
    assert review.mark_reviewed(rows=[closed], actor=reviewer) == 1
    review.close_quarter(year=2026, quarter=1, actor=reviewer, note="Closed again.")

    closed.refresh_from_db()
    assert (closed.validated_benefit, closed.review_note) == (Decimal("800.00"), "Rechecked.")
    assert QuarterClose.objects.get().note == "Closed again."
    assert QuarterReopen.objects.count() == 1


def test_it_lets_the_rollup_write_a_reopened_quarter_again(reviewer, admin_user):
    target = TargetFactory(
        initiative=LiveInitiativeFactory(implemented_on=dt.date(2026, 2, 10)),
        baseline_value=20.0,
        target_value=12.0,
        value_per_unit=Decimal("1000"),
    )
    record_series(target, first=dt.date(2026, 2, 6), values=[20, 22, 18, 20])
    record_series(target, first=dt.date(2026, 2, 10), values=[15, 16, 14, 15])
    rollup.rollup_quarter(year=2026, quarter=1)
    review.close_quarter(year=2026, quarter=1, actor=reviewer, confirm_unreviewed=True)
    record_series(target, first=dt.date(2026, 3, 20), values=[5, 5, 5])  # late data

    while_closed = rollup.rollup_quarter(year=2026, quarter=1)
    assert QuarterlyResult.objects.get().n_measurements == 4
    review.reopen_quarter(year=2026, quarter=1, actor=admin_user, reason=REOPEN_REASON)
    after_reopen = rollup.rollup_quarter(year=2026, quarter=1)

    assert (while_closed, after_reopen) == (0, 1)
    assert QuarterlyResult.objects.get().n_measurements == 7


# --- reopening: the API -------------------------------------------------------------------


def test_it_answers_409_while_closed_and_200_after_the_reopen(closed, api_as, reviewer, admin_user):
    url = f"/api/quarterly-results/{closed.pk}/"

    refused = api_as(reviewer).patch(url, {"validated_benefit": "700.00"})
    review.reopen_quarter(year=2026, quarter=1, actor=admin_user, reason=REOPEN_REASON)
    accepted = api_as(reviewer).patch(url, {"validated_benefit": "700.00"})

    assert refused.status_code == 409
    assert "closed" in refused.json()["detail"]
    assert accepted.status_code == 200
    assert (accepted.json()["validated_benefit"], accepted.json()["closed"]) == ("700.00", False)
    closed.refresh_from_db()
    assert closed.validated_benefit == Decimal("700.00")


# --- reopening: the admin -----------------------------------------------------------------


def test_it_reopens_from_the_admin_page_with_a_reason(closed, client, admin_user):
    client.force_login(admin_user)

    page = client.get(reopen_url())
    response = client.post(reopen_url(), {"reason": REOPEN_REASON})

    assert page.status_code == 200
    assert "Reopen 2026 Q1" in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == desk_url("changelist") + "?year=2026&quarter=1"
    assert not QuarterClose.objects.exists()
    assert QuarterReopen.objects.get().reason == REOPEN_REASON


def test_it_asks_the_admin_page_for_a_reason(closed, client, admin_user):
    client.force_login(admin_user)

    response = client.post(reopen_url(), {"reason": "  "})

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert QuarterClose.objects.exists()
    assert not QuarterReopen.objects.exists()


def test_it_refuses_the_reopen_page_to_reviewers_who_are_not_administrators(
    closed, client, staff_reviewer
):
    staff_reviewer.user_permissions.add(
        *Permission.objects.filter(codename__endswith="_quarterclose")
    )
    client.force_login(staff_reviewer)

    page = client.get(reopen_url())
    response = client.post(reopen_url(), {"reason": REOPEN_REASON})
    desk = client.get(desk_url("changelist"), {"year": 2026, "quarter": 1})

    assert (page.status_code, response.status_code) == (403, 403)
    assert desk.status_code == 200
    assert reopen_url() not in desk.content.decode()
    assert QuarterClose.objects.exists()
    assert not QuarterReopen.objects.exists()


def test_it_links_the_reopen_page_from_the_desk_and_the_close_for_an_administrator(
    closed, client, admin_user
):
    client.force_login(admin_user)
    close = QuarterClose.objects.get()

    desk = client.get(desk_url("changelist"), {"year": 2026, "quarter": 1})
    close_page = client.get(reverse("admin:metrics_quarterclose_change", args=[close.pk]))
    action = client.post(
        reverse("admin:metrics_quarterclose_changelist"),
        {"action": "reopen_selected", "_selected_action": [close.pk]},
    )

    assert reopen_url() in desk.content.decode()
    assert reopen_url() in close_page.content.decode()
    assert action.status_code == 302
    assert action["Location"] == reopen_url()
    assert QuarterClose.objects.exists()  # the page asks for the reason first


def test_it_says_on_the_reopen_page_when_the_quarter_is_open(client, admin_user):
    client.force_login(admin_user)

    page = client.get(reopen_url())
    response = client.post(reopen_url(), {"reason": REOPEN_REASON})

    assert page.status_code == 200
    assert "is not closed" in page.content.decode()
    assert response.status_code == 409
    assert not QuarterReopen.objects.exists()


def test_it_lists_reopens_read_only_in_the_admin(closed, client, admin_user):
    review.reopen_quarter(year=2026, quarter=1, actor=admin_user, reason=REOPEN_REASON)
    client.force_login(admin_user)
    reopen = QuarterReopen.objects.get()

    listing = client.get(reverse("admin:metrics_quarterreopen_changelist"))
    add = client.get(reverse("admin:metrics_quarterreopen_add"))
    change = client.post(
        reverse("admin:metrics_quarterreopen_change", args=[reopen.pk]), {"reason": "rewritten"}
    )

    assert listing.status_code == 200
    assert REOPEN_REASON in listing.content.decode()
    assert add.status_code == 403
    assert change.status_code == 403
    reopen.refresh_from_db()
    assert reopen.reason == REOPEN_REASON


def test_it_reopens_only_one_selected_quarter_from_the_action(client, admin_user):
    first = QuarterCloseFactory(year=2026, quarter=1)
    second = QuarterCloseFactory(year=2026, quarter=2)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:metrics_quarterclose_changelist"),
        {"action": "reopen_selected", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Select one quarter to reopen it." in response.content.decode()
    assert QuarterClose.objects.count() == 2
