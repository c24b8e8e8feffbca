"""The attachments of the demo data set (settings.DEMO_SEEDERS, run by `manage.py
seed_demo` after the initiatives exist): a photo of the packing benches and a CSV of
the bin counts on one PDCA initiative, added by its owner through the service (so they
are checked and the photo gets its thumbnail like any upload).

Idempotent by (initiative, file name): a file already there is left alone, so a second
run adds and changes nothing. The photo is drawn here with Pillow, not kept in the
repository."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from attachments.models import Attachment
from attachments.services import add_attachments
from improvement.models import Initiative

INITIATIVE = "Two-bin system at the packing benches"  # improvement/demo/data.py
PHOTO = "packing-bench-two-bins.png"
COUNTS = "bin-refills-week-1.csv"
COUNTS_CSV = (
    "bench,day,refills,empty_bin_waits\n"
    "1,Mon,6,0\n1,Tue,5,1\n1,Wed,6,0\n"
    "2,Mon,4,0\n2,Tue,5,0\n2,Wed,4,0\n"
    "3,Mon,7,2\n3,Tue,6,1\n3,Wed,6,0\n"
)


def seed(report) -> None:
    initiative = (
        Initiative.objects.filter(title=INITIATIVE, owner__isnull=False)
        .select_related("owner")
        .first()
    )
    if initiative is not None:
        present = set(initiative.attachments.values_list("original_name", flat=True))
        wanted = {PHOTO: _photo, COUNTS: lambda: COUNTS_CSV.encode()}
        files = [
            ContentFile(make(), name=name) for name, make in wanted.items() if name not in present
        ]
        if files:
            add_attachments(initiative=initiative, actor=initiative.owner, files=files)
            report.created["attachments"] += len(files)
    report.totals["attachments"] = Attachment.objects.count()


def _photo() -> bytes:
    """A drawing of a packing bench with its two bins, the second one full."""
    image = Image.new("RGB", (480, 320), "#f2efe8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 200, 460, 230), fill="#8d6e63")  # the bench top
    draw.rectangle((40, 230, 60, 310), fill="#6d4c41")
    draw.rectangle((420, 230, 440, 310), fill="#6d4c41")
    for left, fill, label in ((90, "#1e88e5", "A in use"), (260, "#43a047", "B full")):
        draw.rectangle((left, 90, left + 130, 200), fill=fill, outline="#263238", width=3)
        draw.rectangle((left + 35, 120, left + 95, 150), fill="white")
        draw.text((left + 40, 128), label, fill="#263238")
    draw.text((20, 20), "Packing bench 2: two-bin trial", fill="#263238")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
