"""The dashboard, my work and notifications pages; sign-in is required for every page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from improvement.models import Methodology, Stage
from metrics.models import ResultStatus
from tests.factories import (
    InitiativeFactory,
    NotificationFactory,
    QuarterlyResultFactory,
    ResultSnapshotFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

PAGES = [
    ("improvement:dashboard", []),
    ("improvement:idea_new", []),
    ("improvement:similar_ideas", []),
    ("improvement:initiatives", []),
    ("improvement:board", []),
    ("improvement:matrix", []),
    ("improvement:my_work", []),
    ("improvement:notifications", []),
    ("improvement:initiative", [1]),
]
ACTIONS = [
    ("improvement:notifications_read", []),
    ("improvement:rescore", [1]),
    ("improvement:move", [1]),
    ("improvement:triage", [1]),
    ("improvement:execution", [1]),
    ("improvement:support", [1]),
    ("improvement:comment", [1]),
    ("improvement:target_add", [1]),
    ("improvement:measurement_add", [1]),
    ("improvement:measurement_bulk", [1]),
]


@pytest.fixture
def me(db):
    return UserFactory(first_name="Mia", last_name="Maker")


@pytest.fixture
def client_me(web_as, me):
    return web_as(me)


# --- sign-in --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_it_sends_anonymous_visitors_of_a_page_to_the_login(client, db, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "args"), ACTIONS)
def test_it_sends_anonymous_posts_to_the_login_and_changes_nothing(client, db, name, args):
    initiative = InitiativeFactory()
    url = reverse(name, args=[initiative.pk] * len(args))

    response = client.post(url, {"impact": 5, "effort": 1, "body": "hi", "to": "backlog"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    before = initiative.stage, initiative.impact
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.impact) == before
    assert not initiative.comments.exists()


def test_it_shows_the_login_form_to_anonymous_visitors(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b'<label for="id_username">Username</label>' in response.content
    assert b'<label for="id_password">Password</label>' in response.content


# --- dashboard ------------------------------------------------------------------------


def test_it_shows_the_dashboard_counts_by_stage(client_me):
    InitiativeFactory.create_batch(2)
    TriagedInitiativeFactory(stage=Stage.PLAN)

    response = client_me.get(reverse("improvement:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Dashboard</h1>" in html
    assert '<span class="count">2</span> Submitted' in html
    assert '<span class="count">1</span> Plan' in html
    assert '<span class="count">0</span> Completed' in html


def test_it_shows_my_own_counts_on_the_dashboard(client_me, me):
    InitiativeFactory(submitted_by=me)
    TriagedInitiativeFactory(stage=Stage.DO, owner=me)
    TriagedInitiativeFactory(stage=Stage.BACKLOG, owner=me)  # not active: not counted

    response = client_me.get(reverse("improvement:dashboard"))

    assert response.status_code == 200
    assert "1 active initiative I own" in response.content.decode()
    assert "1 idea I submitted" in response.content.decode()
    assert "waiting for triage" not in response.content.decode()


def test_it_shows_reviewers_the_ideas_waiting_for_triage(web_as, reviewer):
    InitiativeFactory.create_batch(3)

    response = web_as(reviewer).get(reverse("improvement:dashboard"))

    assert response.status_code == 200
    assert "3 ideas waiting for triage" in response.content.decode()


def test_it_lists_quick_wins_on_the_dashboard(client_me):
    quick = TriagedInitiativeFactory(title="Label the shelves", impact=5, effort=1)
    TriagedInitiativeFactory(title="Rebuild the warehouse", impact=5, effort=5)

    response = client_me.get(reverse("improvement:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="/initiatives/{quick.pk}/">Label the shelves</a>' in html
    assert "Rebuild the warehouse" not in html


def test_it_lists_regressed_results_on_the_dashboard(client_me):
    target = TargetFactory(initiative__title="Faster refunds", initiative__stage=Stage.CHECK)
    ResultSnapshotFactory(target=target, status=ResultStatus.REGRESSED, improvement_pct=-12.5)

    response = client_me.get(reverse("improvement:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Faster refunds" in html
    assert '<span class="status regressed">Regressed</span>' in html
    assert "<td>-12.5%</td>" in html


def test_it_lists_only_newest_results_regressed_first_on_the_dashboard(client_me):
    today = timezone.localdate()
    at_risk = TargetFactory(initiative__title="Shorter queues", initiative__stage=Stage.CHECK)
    ResultSnapshotFactory(target=at_risk, status=ResultStatus.AT_RISK)
    regressed = TargetFactory(initiative__title="Faster refunds", initiative__stage=Stage.CHECK)
    ResultSnapshotFactory(target=regressed, status=ResultStatus.REGRESSED)
    recovered = TargetFactory(initiative__title="Fewer returns", initiative__stage=Stage.CHECK)
    ResultSnapshotFactory(
        target=recovered, status=ResultStatus.REGRESSED, as_of=today - dt.timedelta(days=1)
    )
    ResultSnapshotFactory(target=recovered, status=ResultStatus.IMPROVING, as_of=today)
    cancelled = TargetFactory(initiative__title="Old idea", initiative__stage=Stage.CANCELLED)
    ResultSnapshotFactory(target=cancelled, status=ResultStatus.REGRESSED)

    response = client_me.get(reverse("improvement:dashboard"))

    html = response.content.decode()
    assert html.index("Faster refunds") < html.index("Shorter queues")
    assert "Fewer returns" not in html
    assert "Old idea" not in html


def test_it_shows_the_quarter_benefit_on_the_dashboard(client_me):
    today = timezone.localdate()
    QuarterlyResultFactory(
        year=today.year, quarter=(today.month - 1) // 3 + 1, computed_benefit=12345
    )

    response = client_me.get(reverse("improvement:dashboard"))

    assert response.status_code == 200
    assert "12,345" in response.content.decode()


def test_it_shows_the_dashboard_in_fixed_queries(client_me, count_queries):
    url = reverse("improvement:dashboard")

    def add(n):
        for i in range(n):
            InitiativeFactory()
            TriagedInitiativeFactory(impact=4 + i % 2, effort=1)
            target = TargetFactory(initiative__stage=Stage.CHECK)
            ResultSnapshotFactory(target=target, status=ResultStatus.AT_RISK)
            QuarterlyResultFactory(initiative=target.initiative, computed_benefit=100)

    add(1)
    client_me.get(url)
    _, small = count_queries(client_me, url)
    add(8)
    response, large = count_queries(client_me, url)

    assert response.status_code == 200
    assert small == large


def test_it_escapes_html_in_titles_on_the_dashboard(client_me):
    TriagedInitiativeFactory(title=XSS, impact=5, effort=1)
    target = TargetFactory(initiative__title=XSS, initiative__stage=Stage.CHECK)
    ResultSnapshotFactory(target=target, status=ResultStatus.REGRESSED)

    response = client_me.get(reverse("improvement:dashboard"))

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert response.content.decode().count(ESCAPED) == 2


# --- my work --------------------------------------------------------------------------


def test_it_groups_my_work_by_role(client_me, me):
    owned = TriagedInitiativeFactory(title="Owned one", owner=me, stage=Stage.PLAN)
    sponsored = TriagedInitiativeFactory(title="Sponsored one", sponsor=me)
    team = TriagedInitiativeFactory(title="Team one")
    team.team.add(me)
    InitiativeFactory(title="Submitted one", submitted_by=me)
    InitiativeFactory(title="Someone else's")

    response = client_me.get(reverse("improvement:my_work"))

    assert response.status_code == 200
    groups = response.context["groups"]
    assert [i.title for i in groups["owned"]] == ["Owned one"]
    assert [i.title for i in groups["sponsored"]] == ["Sponsored one"]
    assert [i.title for i in groups["team"]] == ["Team one"]
    assert [i.title for i in groups["submitted"]] == ["Submitted one"]
    html = response.content.decode()
    assert f"#{owned.pk} Owned one" in html
    assert f"#{sponsored.pk} Sponsored one" in html
    assert "Someone else" not in html


def test_it_tells_a_submitter_why_their_idea_was_rejected(client_me, me):
    InitiativeFactory(
        submitted_by=me, stage=Stage.REJECTED, rejection_reason="Already covered by policy."
    )

    response = client_me.get(reverse("improvement:my_work"))

    assert response.status_code == 200
    assert "Already covered by policy." in response.content.decode()


def test_it_lists_ideas_waiting_for_triage_in_a_reviewers_work(web_as, reviewer):
    waiting = InitiativeFactory(title="Please triage me")
    TriagedInitiativeFactory(title="Already triaged")

    response = web_as(reviewer).get(reverse("improvement:my_work"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Ideas waiting for triage" in html
    assert f"#{waiting.pk} Please triage me" in html
    assert "Already triaged" not in html


def test_it_shows_no_triage_list_in_a_contributors_work(client_me):
    InitiativeFactory(title="Please triage me")

    response = client_me.get(reverse("improvement:my_work"))

    assert response.status_code == 200
    assert "Ideas waiting for triage" not in response.content.decode()


def test_it_shows_my_work_in_fixed_queries(client_me, me, count_queries):
    url = reverse("improvement:my_work")

    def add(n):
        for _ in range(n):
            TriagedInitiativeFactory(owner=me, stage=Stage.DO)
            TriagedInitiativeFactory(sponsor=me)
            TriagedInitiativeFactory().team.add(me)
            InitiativeFactory(submitted_by=me, stage=Stage.REJECTED, rejection_reason="No.")
            TriagedInitiativeFactory(
                owner=me, stage=Stage.ON_HOLD, held_from=Stage.DO, methodology=Methodology.PDCA
            )

    add(1)
    client_me.get(url)
    _, small = count_queries(client_me, url)
    add(6)
    response, large = count_queries(client_me, url)

    assert response.status_code == 200
    assert len(response.context["groups"]["owned"]) == 14
    assert small == large


def test_it_shows_a_reviewers_work_in_fixed_queries(web_as, reviewer, count_queries):
    client = web_as(reviewer)
    url = reverse("improvement:my_work")
    InitiativeFactory(submitted_by=reviewer)
    client.get(url)
    _, small = count_queries(client, url)
    InitiativeFactory.create_batch(8)
    response, large = count_queries(client, url)

    assert response.status_code == 200
    assert small == large


def test_it_escapes_html_in_titles_in_my_work(client_me, me):
    InitiativeFactory(title=XSS, submitted_by=me)

    response = client_me.get(reverse("improvement:my_work"))

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert ESCAPED in response.content.decode()


# --- notifications --------------------------------------------------------------------


def test_it_lists_my_notifications_newest_first(client_me, me):
    NotificationFactory(recipient=me, message="Older news")
    NotificationFactory(recipient=me, message="Newer news")
    NotificationFactory(message="Someone else's news")

    response = client_me.get(reverse("improvement:notifications"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Newer news") < html.index("Older news")
    assert "Someone else" not in html
    assert "Mark all 2 as read" in html
    assert '<span class="badge" aria-label="2 unread">2</span>' in html


def test_it_shows_an_empty_notification_list(client_me):
    response = client_me.get(reverse("improvement:notifications"))

    assert response.status_code == 200
    assert "No notifications yet." in response.content.decode()
    assert "Mark all" not in response.content.decode()


def test_it_marks_one_notification_read_and_opens_its_initiative(client_me, me):
    opened = NotificationFactory(recipient=me)
    other = NotificationFactory(recipient=me)

    response = client_me.post(reverse("improvement:notifications_read"), {"id": opened.pk})

    assert response.status_code == 302
    assert response["Location"] == reverse("improvement:initiative", args=[opened.initiative_id])
    opened.refresh_from_db()
    other.refresh_from_db()
    assert opened.read_at is not None
    assert other.read_at is None


def test_it_marks_all_my_notifications_read(client_me, me):
    mine = NotificationFactory.create_batch(2, recipient=me)
    theirs = NotificationFactory()

    response = client_me.post(reverse("improvement:notifications_read"), follow=True)

    assert response.status_code == 200
    assert "Marked 2 notifications as read." in response.content.decode()
    for notification in mine:
        notification.refresh_from_db()
        assert notification.read_at is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_refuses_to_mark_someone_elses_notification(client_me):
    theirs = NotificationFactory()

    response = client_me.post(reverse("improvement:notifications_read"), {"id": theirs.pk})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_lists_notifications_in_fixed_queries(client_me, me, count_queries):
    url = reverse("improvement:notifications")
    NotificationFactory(recipient=me)
    client_me.get(url)
    _, small = count_queries(client_me, url)
    NotificationFactory.create_batch(40, recipient=me)
    NotificationFactory.create_batch(5, recipient=me, read_at=dt.datetime.now(dt.UTC))
    response, large = count_queries(client_me, url)

    assert response.status_code == 200
    assert len(response.context["page"]) == 30
    assert small == large


def test_it_escapes_html_in_notification_messages(client_me, me):
    NotificationFactory(recipient=me, message=f"Your idea “{XSS}” moved.")

    response = client_me.get(reverse("improvement:notifications"))

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert ESCAPED in response.content.decode()


@pytest.mark.parametrize("bad_id", ["abc", "1.5", ""])
def test_it_answers_a_malformed_notification_id_with_404(web_as, bad_id):
    user = UserFactory()
    notification = NotificationFactory(recipient=user)

    response = web_as(user).post("/notifications/read/", {"id": bad_id})

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
