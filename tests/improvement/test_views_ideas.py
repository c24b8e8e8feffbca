"""Submitting an idea, the similar-ideas hint, the initiatives list and the board."""

import pytest
from django.urls import reverse

from improvement.models import Initiative, Methodology, Pillar, Stage
from improvement.views.ideas import CARDS_PER_COLUMN
from tests.factories import AreaFactory, InitiativeFactory, TriagedInitiativeFactory, UserFactory

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def me(db):
    return UserFactory()


@pytest.fixture
def client_me(web_as, me):
    return web_as(me)


def idea_data(**overrides) -> dict:
    data = {
        "title": "Pre-fill the returns form",
        "problem_statement": "Customers retype their order number on every return.",
        "proposed_change": "Fill it in from the order link.",
        "area": AreaFactory(name="Customer service").pk,
        "pillar": Pillar.CUSTOMER,
    }
    return {**data, **overrides}


# --- submitting -----------------------------------------------------------------------


def test_it_shows_the_idea_form_with_a_label_on_every_input(client_me):
    response = client_me.get(reverse("improvement:idea_new"))

    assert response.status_code == 200
    html = response.content.decode()
    for field in ("title", "problem_statement", "proposed_change", "area", "pillar"):
        assert f'<label for="id_{field}">' in html
    assert 'hx-get="/ideas/similar/"' in html


def test_it_saves_a_submitted_idea_and_opens_its_page(client_me, me):
    response = client_me.post(reverse("improvement:idea_new"), idea_data())

    initiative = Initiative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("improvement:initiative", args=[initiative.pk])
    assert initiative.title == "Pre-fill the returns form"
    assert initiative.stage == Stage.SUBMITTED
    assert initiative.submitted_by == me
    assert initiative.area.name == "Customer service"
    assert initiative.pillar == Pillar.CUSTOMER


def test_it_confirms_a_submitted_idea_on_its_page(client_me):
    response = client_me.post(reverse("improvement:idea_new"), idea_data(), follow=True)

    initiative = Initiative.objects.get()
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Thank you — idea #{initiative.pk} is submitted." in html
    assert "<h1>Pre-fill the returns form</h1>" in html


def test_it_shows_errors_for_an_incomplete_idea_and_saves_nothing(client_me):
    response = client_me.post(
        reverse("improvement:idea_new"), idea_data(title="", problem_statement="")
    )

    assert response.status_code in (200, 400)
    assert response.context["form"].errors.keys() == {"title", "problem_statement"}
    assert response.content.decode().count("This field is required.") == 2
    assert not Initiative.objects.exists()


def test_it_refuses_an_unknown_area_and_saves_nothing(client_me):
    response = client_me.post(reverse("improvement:idea_new"), idea_data(area=999999))

    assert response.status_code in (200, 400)
    assert "Select a valid choice" in response.content.decode()
    assert not Initiative.objects.exists()


def test_it_keeps_what_was_typed_when_an_idea_is_refused(client_me):
    response = client_me.post(reverse("improvement:idea_new"), idea_data(problem_statement=""))

    assert response.status_code in (200, 400)
    assert 'value="Pre-fill the returns form"' in response.content.decode()
    assert not Initiative.objects.exists()


# --- similar ideas --------------------------------------------------------------------


def test_it_lists_an_existing_idea_similar_to_the_title_being_typed(client_me):
    existing = InitiativeFactory(title="Invoice approval takes too long")
    InitiativeFactory(title="Parking spaces")

    response = client_me.get(reverse("improvement:similar_ideas"), {"title": "faster invoice"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Similar ideas already exist" in html
    assert f"#{existing.pk} Invoice approval takes too long" in html
    assert "Parking" not in html


def test_it_suggests_nothing_for_short_words(client_me):
    InitiativeFactory(title="Fix the car park")

    response = client_me.get(reverse("improvement:similar_ideas"), {"title": "fix car"})

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_it_suggests_nothing_when_no_idea_matches(client_me):
    InitiativeFactory(title="Invoice approval takes too long")

    response = client_me.get(reverse("improvement:similar_ideas"), {"title": "canteen menu"})

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_it_escapes_html_in_similar_idea_titles(client_me):
    InitiativeFactory(title=f"Invoice {XSS}")

    response = client_me.get(reverse("improvement:similar_ideas"), {"title": "invoice"})

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert ESCAPED in response.content.decode()


# --- the list -------------------------------------------------------------------------


def test_it_lists_every_initiative(client_me):
    InitiativeFactory(title="Submitted idea")
    TriagedInitiativeFactory(title="Backlog idea")

    response = client_me.get(reverse("improvement:initiatives"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "2 initiatives" in html
    assert "Submitted idea" in html
    assert "Backlog idea" in html


def test_it_filters_the_list_by_stage(client_me):
    InitiativeFactory(title="Submitted idea")
    TriagedInitiativeFactory(title="Backlog idea")

    response = client_me.get(reverse("improvement:initiatives"), {"stage": "backlog"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 initiative<" in html
    assert "Backlog idea" in html
    assert "Submitted idea" not in html


def test_it_searches_the_list(client_me):
    InitiativeFactory(title="Shorter queues at the canteen")
    InitiativeFactory(title="Invoice approval", problem_statement="The canteen is slow.")
    InitiativeFactory(title="Parking spaces", problem_statement="Too few.")

    response = client_me.get(reverse("improvement:initiatives"), {"search": "canteen"})

    assert response.status_code == 200
    titles = [i.title for i in response.context["page"]]
    assert sorted(titles) == ["Invoice approval", "Shorter queues at the canteen"]
    assert "Parking spaces" not in response.content.decode()


def test_it_filters_the_list_by_quadrant(client_me):
    TriagedInitiativeFactory(title="Quick one", impact=5, effort=1)
    TriagedInitiativeFactory(title="Big one", impact=5, effort=5)
    InitiativeFactory(title="Unscored one")

    response = client_me.get(reverse("improvement:initiatives"), {"quadrant": "quick_win"})

    assert response.status_code == 200
    assert [i.title for i in response.context["page"]] == ["Quick one"]
    assert "<td>Quick win</td>" in response.content.decode()


def test_it_shows_an_error_for_a_bad_filter_value(client_me):
    InitiativeFactory(title="Submitted idea")

    response = client_me.get(reverse("improvement:initiatives"), {"stage": "nowhere"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<ul class="errorlist" role="alert">' in html
    assert "nowhere is not one of the available choices" in html


def test_it_shows_an_error_for_a_bad_quadrant(client_me):
    response = client_me.get(reverse("improvement:initiatives"), {"quadrant": "best"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_it_paginates_the_list_keeping_the_filters(client_me):
    area = AreaFactory()
    submitter = UserFactory()
    InitiativeFactory.create_batch(26, area=area, submitted_by=submitter)

    response = client_me.get(reverse("improvement:initiatives"), {"stage": "submitted"})

    assert response.status_code == 200
    assert len(response.context["page"]) == 25
    assert 'href="?stage=submitted&amp;page=2"' in response.content.decode()


def test_it_lists_initiatives_in_fixed_queries(client_me, count_queries):
    url = reverse("improvement:initiatives")

    def add(n):
        for _ in range(n):
            InitiativeFactory()
            TriagedInitiativeFactory(stage=Stage.PLAN)

    add(1)
    client_me.get(url)
    _, small = count_queries(client_me, url)
    add(15)
    response, large = count_queries(client_me, url)

    assert response.status_code == 200
    assert len(response.context["page"]) == 25
    assert small == large


def test_it_lists_filtered_initiatives_in_fixed_queries(client_me, count_queries):
    url = reverse("improvement:initiatives")
    query = {"stage": "backlog", "search": "idea", "quadrant": "quick_win"}
    TriagedInitiativeFactory()
    client_me.get(url, query)
    _, small = count_queries(client_me, url, query)
    TriagedInitiativeFactory.create_batch(10)
    response, large = count_queries(client_me, url, query)

    assert response.status_code == 200
    assert len(response.context["page"]) == 11
    assert small == large


def test_it_escapes_html_in_titles_on_the_list(client_me):
    InitiativeFactory(title=XSS)

    response = client_me.get(reverse("improvement:initiatives"))

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert ESCAPED in response.content.decode()


def test_it_escapes_html_in_the_search_box(client_me):
    response = client_me.get(reverse("improvement:initiatives"), {"search": '"><b>x</b>'})

    assert response.status_code == 200
    assert '"><b>x</b>' not in response.content.decode()
    assert "&quot;&gt;&lt;b&gt;x&lt;/b&gt;" in response.content.decode()


# --- the board ------------------------------------------------------------------------


def column(response, board: str, stage: str) -> dict:
    found = next(b for b in response.context["boards"] if b["name"] == board)
    return next(c for c in found["columns"] if c["stage"] == stage)


def test_it_puts_ideas_in_the_intake_columns_of_the_board(client_me):
    submitted = InitiativeFactory(title="New idea")
    backlog = TriagedInitiativeFactory(title="Accepted idea", methodology=Methodology.DMAIC)

    response = client_me.get(reverse("improvement:board"))

    assert response.status_code == 200
    assert column(response, "Intake", Stage.SUBMITTED)["cards"] == [submitted]
    assert column(response, "Intake", Stage.BACKLOG)["cards"] == [backlog]
    html = response.content.decode()
    assert 'aria-label="Intake: Submitted"' in html
    assert f'<a href="/initiatives/{submitted.pk}/">New idea</a>' in html


def test_it_puts_initiatives_in_their_methodologys_stage_column(client_me):
    pdca = TriagedInitiativeFactory(title="Doing", stage=Stage.DO)
    dmaic = TriagedInitiativeFactory(
        title="Measuring", stage=Stage.MEASURE, methodology=Methodology.DMAIC
    )

    response = client_me.get(reverse("improvement:board"))

    assert response.status_code == 200
    assert column(response, "PDCA", Stage.DO)["cards"] == [pdca]
    assert column(response, "PDCA", Stage.DO)["count"] == 1
    assert column(response, "DMAIC", Stage.MEASURE)["cards"] == [dmaic]
    assert column(response, "DMAIC", Stage.DEFINE)["cards"] == []
    html = response.content.decode()
    assert 'aria-label="PDCA: Do"' in html
    assert 'aria-label="DMAIC: Measure"' in html


def test_it_leaves_rejected_ideas_off_the_board(client_me):
    InitiativeFactory(title="Turned down", stage=Stage.REJECTED, rejection_reason="No budget.")

    response = client_me.get(reverse("improvement:board"))

    assert response.status_code == 200
    assert "Turned down" not in response.content.decode()


def test_it_links_to_the_rest_of_a_full_board_column(client_me):
    area, submitter = AreaFactory(), UserFactory()
    InitiativeFactory.create_batch(CARDS_PER_COLUMN + 2, area=area, submitted_by=submitter)

    response = client_me.get(reverse("improvement:board"))

    assert response.status_code == 200
    submitted = column(response, "Intake", Stage.SUBMITTED)
    assert len(submitted["cards"]) == CARDS_PER_COLUMN
    assert submitted["count"] == CARDS_PER_COLUMN + 2
    assert f"All {CARDS_PER_COLUMN + 2}…" in response.content.decode()


def test_it_shows_the_board_in_fixed_queries(client_me, count_queries):
    url = reverse("improvement:board")

    def add(n):
        for _ in range(n):
            InitiativeFactory()
            TriagedInitiativeFactory()
            TriagedInitiativeFactory(stage=Stage.CHECK)
            TriagedInitiativeFactory(stage=Stage.ANALYZE, methodology=Methodology.DMAIC)

    add(1)
    client_me.get(url)
    _, small = count_queries(client_me, url)
    add(8)
    response, large = count_queries(client_me, url)

    assert response.status_code == 200
    assert column(response, "PDCA", Stage.CHECK)["count"] == 9
    assert small == large


def test_it_escapes_html_in_titles_on_the_board(client_me):
    InitiativeFactory(title=XSS)

    response = client_me.get(reverse("improvement:board"))

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert ESCAPED in response.content.decode()
