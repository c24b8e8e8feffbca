"""Free text on the metrics side has one length limit whichever path writes it — the API,
the admin's forms, the services: an over-long review note, close note or reopen reason is
a 400 naming the field, and nothing is saved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from metrics.forms import MAX_PASTE_LENGTH
from metrics.ledger import review
from metrics.models import TEXT_MAX_LENGTH, Measurement, QuarterClose, QuarterReopen
from metrics.services import MAX_BATCH
from tests.factories import LedgerRowFactory, LiveInitiativeFactory, TargetFactory, UserFactory
from tests.metrics.desk import desk_url, list_edit_data

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * (TEXT_MAX_LENGTH + 1)
LONGEST = "x" * TEXT_MAX_LENGTH
# DRF's and Django's wording of the same limit.
API_MESSAGE = f"Ensure this field has no more than {TEXT_MAX_LENGTH} characters."
FORM_MESSAGE = f"Ensure this value has at most {TEXT_MAX_LENGTH} characters (it has"


def test_it_refuses_an_over_long_review_note_through_the_api(api_as, reviewer):
    row = LedgerRowFactory(review_note="Checked.")

    refused = api_as(reviewer).patch(
        f"/api/quarterly-results/{row.pk}/", {"review_note": TOO_LONG, "validated_benefit": "1"}
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["review_note"]
    assert refused.json()["review_note"] == [API_MESSAGE]
    row.refresh_from_db()
    assert (row.review_note, row.validated_benefit) == ("Checked.", None)


def test_it_accepts_a_review_note_of_the_longest_length_through_the_api(api_as, reviewer):
    row = LedgerRowFactory()

    response = api_as(reviewer).patch(f"/api/quarterly-results/{row.pk}/", {"review_note": LONGEST})

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.review_note == LONGEST


def test_it_refuses_an_over_long_review_note_on_the_desk_list(client, staff_reviewer):
    row = LedgerRowFactory(review_note="Checked.")
    client.force_login(staff_reviewer)
    page = client.get(desk_url("changelist"))

    response = client.post(
        desk_url("changelist"),
        list_edit_data(page, {row.pk: {"review_note": TOO_LONG, "validated_benefit": "5.00"}}),
    )

    assert response.status_code == 400
    assert FORM_MESSAGE in response.content.decode()
    row.refresh_from_db()
    assert (row.review_note, row.validated_benefit) == ("Checked.", None)


def test_it_refuses_an_over_long_review_note_on_the_rows_page(client, staff_reviewer):
    row = LedgerRowFactory(review_note="Checked.")
    client.force_login(staff_reviewer)

    response = client.post(
        desk_url("change", row.pk), {"review_note": TOO_LONG, "validated_benefit": "5.00"}
    )

    assert response.status_code == 400
    assert FORM_MESSAGE in response.content.decode()
    row.refresh_from_db()
    assert (row.review_note, row.validated_benefit) == ("Checked.", None)


def test_it_refuses_an_over_long_review_note_in_the_service(reviewer):
    row = LedgerRowFactory()

    with pytest.raises(ValidationError) as refused:
        review.validate_benefit(
            row=row, actor=reviewer, validated_benefit=Decimal("1"), review_note=TOO_LONG
        )

    assert list(refused.value.message_dict) == ["review_note"]
    row.refresh_from_db()
    assert (row.review_note, row.validated_benefit) == ("", None)


def test_it_refuses_an_over_long_close_note_on_the_close_page(client, staff_reviewer):
    LedgerRowFactory(reviewed_at=timezone.now())
    client.force_login(staff_reviewer)

    response = client.post(desk_url("close", 2026, 1), {"note": TOO_LONG})

    assert response.status_code == 400
    assert FORM_MESSAGE in response.content.decode()
    assert not QuarterClose.objects.exists()


def test_it_refuses_an_over_long_close_note_in_the_service(reviewer):
    with pytest.raises(ValidationError) as refused:
        review.close_quarter(
            year=2026, quarter=1, actor=reviewer, confirm_unreviewed=True, note=TOO_LONG
        )

    assert list(refused.value.message_dict) == ["note"]
    assert not QuarterClose.objects.exists()


def test_it_refuses_an_over_long_reopen_reason(client, admin_user, reviewer):
    review.close_quarter(year=2026, quarter=1, actor=reviewer, confirm_unreviewed=True)
    client.force_login(admin_user)

    page = client.post(
        reverse("admin:metrics_quarterclose_reopen", args=[2026, 1]), {"reason": TOO_LONG}
    )
    with pytest.raises(ValidationError) as refused:
        review.reopen_quarter(year=2026, quarter=1, actor=admin_user, reason=TOO_LONG)

    assert page.status_code == 400
    assert FORM_MESSAGE in page.content.decode()
    assert list(refused.value.message_dict) == ["reason"]
    assert QuarterClose.objects.exists()
    assert not QuarterReopen.objects.exists()


def test_it_refuses_an_over_long_metric_description_in_the_admin(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:metrics_metric_add"),
        {
            "name": "Dock-to-stock time",
            "description": TOO_LONG,
            "unit": "hours",
            "direction": "lower_is_better",
            "pillar": "operational",
            "chart_kind": "individuals",
            "is_active": "on",
        },
    )

    assert response.status_code == 200  # the admin's add form again, with the error
    assert FORM_MESSAGE in response.content.decode()
    assert not response.context["adminform"].form.is_valid()


# --- the paste ----------------------------------------------------------------------------


@pytest.fixture
def paste_target():
    owner = UserFactory()
    return TargetFactory(initiative=LiveInitiativeFactory(owner=owner))


def paste_url(target) -> str:
    return reverse("improvement:measurement_bulk", args=[target.pk])


def test_it_refuses_an_over_long_paste_before_reading_its_lines(web_as, paste_target):
    text = "2026-03-01,1\n" + "9" * MAX_PASTE_LENGTH

    response = web_as(paste_target.initiative.owner).post(paste_url(paste_target), {"rows": text})

    assert response.status_code == 400
    assert f"at most {MAX_PASTE_LENGTH} characters" in response.content.decode()
    assert not Measurement.objects.exists()


def test_it_refuses_a_paste_of_too_many_lines_before_parsing_them(web_as, paste_target):
    text = "\n".join(["not a date,x"] * (MAX_BATCH + 2))

    response = web_as(paste_target.initiative.owner).post(paste_url(paste_target), {"rows": text})

    assert response.status_code == 400
    body = response.content.decode()
    assert f"Paste at most {MAX_BATCH} measurements at a time." in body
    assert "Line 1:" not in body  # refused before any line was parsed
    assert not Measurement.objects.exists()
