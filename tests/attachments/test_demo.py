"""The demo's attachments: a photo (drawn in code) and a CSV on the two-bin initiative,
added through the service; a second run adds nothing."""

from collections import Counter
from types import SimpleNamespace

from attachments import demo
from attachments.models import Attachment
from tests.factories import TriagedInitiativeFactory


def report():
    return SimpleNamespace(created=Counter(), totals={})


def test_it_seeds_a_photo_and_a_csv_once(db):
    initiative = TriagedInitiativeFactory(title=demo.INITIATIVE)
    first, second = report(), report()

    demo.seed(first)
    demo.seed(second)

    rows = {a.original_name: a for a in Attachment.objects.all()}
    assert set(rows) == {demo.PHOTO, demo.COUNTS}
    assert rows[demo.PHOTO].content_type == "image/png"
    assert rows[demo.PHOTO].thumbnail
    assert rows[demo.COUNTS].content_type == "text/csv"
    assert all(
        a.initiative == initiative and a.uploaded_by == initiative.owner for a in rows.values()
    )
    assert first.created["attachments"] == 2
    assert second.created["attachments"] == 0
    assert second.totals["attachments"] == 2


def test_it_seeds_nothing_without_its_initiative(db):
    seeded = report()

    demo.seed(seeded)

    assert not Attachment.objects.exists()
    assert seeded.totals["attachments"] == 0
