"""The admin pages every registered model has, checked for both apps' models alike: the
list, the add page where rows are entered by hand, the change page (a view page for a
read-only model), and the list's fixed number of queries. Each app's test_admin.py
names its models (CASES) and the read-only ones (READ_ONLY)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.admin_forms import admin_url
from tests.improvement import test_admin as improvement_admin
from tests.metrics import test_admin as metrics_admin

pytestmark = pytest.mark.django_db

CASES = improvement_admin.CASES + metrics_admin.CASES
READ_ONLY = improvement_admin.READ_ONLY | metrics_admin.READ_ONLY


@pytest.mark.parametrize(("model", "make", "text", "add_status"), CASES)
def test_it_lists_rows(admin_client, model, make, text, add_status):
    rows = make.create_batch(2)

    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    content = response.content.decode()
    for row in rows:
        assert admin_url(model, "change", row.pk) in content
        assert str(text(row)) in content


@pytest.mark.parametrize(("model", "make", "text", "add_status"), CASES)
def test_it_shows_the_add_page_only_where_rows_are_entered_by_hand(
    admin_client, model, make, text, add_status
):
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == add_status


@pytest.mark.parametrize(("model", "make", "text", "add_status"), CASES)
def test_it_shows_the_change_page(admin_client, model, make, text, add_status):
    row = make()

    response = admin_client.get(admin_url(model, "change", row.pk))

    assert response.status_code == 200
    assert response.context["original"] == row
    # A read-only model's page is a view page: nothing to save.
    assert (b'name="_save"' in response.content) is (model not in READ_ONLY)


@pytest.mark.parametrize(("model", "make", "text", "add_status"), CASES)
def test_it_lists_rows_in_a_fixed_number_of_queries(admin_client, model, make, text, add_status):
    url = admin_url(model, "changelist")
    make.create_batch(3)
    admin_client.get(url)  # warm per-process caches (content types, session)

    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    make.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert response.context["cl"].result_count >= 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
