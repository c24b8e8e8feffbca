"""A small organisation with one restricted area, and the people around it.

    Site Leipzig
      Assembly
        Line 1
      R&D lab        (restricted; member: `member`, area reviewer: `area_reviewer`)
        Prototype line

`secret` (in R&D lab, stage Check) carries one of everything that hangs off an initiative:
a target with a measurement and a result, a ledger row of this quarter, an action item,
a file, a 5-why, a cause, a comment, a notification for `member` and one for
`outsider`, who submitted it before the lab was restricted. `secret_idea` (in Prototype
line, the backlog, scored) is what the matrix and the backlog show. `open_idea` (in
Line 1) is seen by everyone."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from attachments import services as attachment_services
from improvement import areas
from improvement.models import Area, Initiative, Methodology, Stage
from metrics.periods import quarter_of
from tests.attachments.conftest import image_bytes
from tests.factories import (
    ActionItemFactory,
    AdminFactory,
    CampaignFactory,
    CommentFactory,
    LedgerRowFactory,
    MeasurementFactory,
    NotificationFactory,
    ResultSnapshotFactory,
    ReviewerFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)
from tests.problem_solving.factories import CauseFactory, FiveWhyFactory

SECRET_TITLE = "Xylophone calibration secret"
SECRET_IDEA_TITLE = "Quokka prototype secret"
OPEN_TITLE = "Open line idea"


@dataclass
class World:
    site: Area
    assembly: Area
    line: Area
    lab: Area
    prototype: Area
    member: object
    area_reviewer: object
    admin: object
    outsider: object
    outsider_reviewer: object
    secret: Initiative
    secret_idea: Initiative
    open_idea: Initiative
    target: object
    measurement: object
    ledger_row: object
    action: object
    attachment: object
    five_why: object
    cause: object
    campaign: object
    member_notification: object
    outsider_notification: object


def build_tree(admin) -> dict[str, Area]:
    site = areas.create_area(actor=admin, name="Site Leipzig")
    assembly = areas.create_area(actor=admin, name="Assembly", parent=site)
    line = areas.create_area(actor=admin, name="Line 1", parent=assembly)
    lab = areas.create_area(actor=admin, name="R&D lab", parent=site, restricted=True)
    prototype = areas.create_area(actor=admin, name="Prototype line", parent=lab)
    return {
        "site": site,
        "assembly": Area.objects.get(pk=assembly.pk),
        "line": Area.objects.get(pk=line.pk),
        "lab": Area.objects.get(pk=lab.pk),
        "prototype": Area.objects.get(pk=prototype.pk),
    }


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(db, media) -> World:
    admin = AdminFactory(username="root")
    tree = build_tree(admin)
    member = UserFactory(username="member")
    area_reviewer = ReviewerFactory(username="lab_reviewer")
    outsider = UserFactory(username="outsider")
    outsider_reviewer = ReviewerFactory(username="company_reviewer")
    tree["lab"].members.add(member)
    tree["lab"].reviewers.add(area_reviewer)

    secret = TriagedInitiativeFactory(
        title=SECRET_TITLE,
        area=tree["lab"],
        stage=Stage.CHECK,
        owner=member,
        submitted_by=outsider,
        implemented_on=dt.date(2026, 3, 1),
        root_cause="Worn gauge.",
    )
    secret_idea = TriagedInitiativeFactory(
        title=SECRET_IDEA_TITLE, area=tree["prototype"], impact=5, effort=1
    )
    open_idea = TriagedInitiativeFactory(title=OPEN_TITLE, area=tree["line"], impact=4, effort=2)

    target = TargetFactory(initiative=secret, is_primary=True)
    measurement = MeasurementFactory(
        target=target, observed_at=dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC)
    )
    ResultSnapshotFactory(target=target)
    year, quarter = quarter_of(timezone.localdate())
    ledger_row = LedgerRowFactory(
        initiative=secret,
        target=target,
        year=year,
        quarter=quarter,
        computed_benefit=Decimal("4321.00"),
    )
    action = ActionItemFactory(initiative=secret, assignee=member, created_by=member)
    (attachment,) = attachment_services.add_attachments(
        initiative=secret,
        actor=member,
        files=[SimpleUploadedFile("gauge.png", image_bytes(), content_type="image/png")],
    )
    five_why = FiveWhyFactory(initiative=secret, created_by=member)
    cause = CauseFactory(initiative=secret, created_by=member)
    CommentFactory(initiative=secret, author=member, body="Lab comment")
    campaign = CampaignFactory(area=tree["site"])
    Initiative.objects.filter(pk__in=[secret_idea.pk, open_idea.pk]).update(campaign=campaign)
    member_notification = NotificationFactory(
        recipient=member, initiative=secret, message=f"News about {SECRET_TITLE}"
    )
    outsider_notification = NotificationFactory(
        recipient=outsider, initiative=secret, message=f"News about {SECRET_TITLE}"
    )
    assert secret.methodology == Methodology.PDCA
    return World(
        **tree,
        member=member,
        area_reviewer=area_reviewer,
        admin=admin,
        outsider=outsider,
        outsider_reviewer=outsider_reviewer,
        secret=secret,
        secret_idea=secret_idea,
        open_idea=open_idea,
        target=target,
        measurement=measurement,
        ledger_row=ledger_row,
        action=action,
        attachment=attachment,
        five_why=five_why,
        cause=cause,
        campaign=campaign,
        member_notification=member_notification,
        outsider_notification=outsider_notification,
    )
