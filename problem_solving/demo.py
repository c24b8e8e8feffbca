"""Demo rows for the A3: a 5-why and a fishbone on one DMAIC initiative of the demo data
set that has been through Analyze (targets, results, a control plan), so its A3 page is
complete. Idempotent: an initiative that already has a 5-why or a cause is left alone.

The rows are written directly, as improvement's demo builder writes the stage history:
they stand for work done in Analyze, before the gate, dated then — through the services
they would now be a reviewer's correction of evidence the gate has checked.
"""

import datetime as dt

from django.db import transaction

from improvement.models import Initiative, Stage
from problem_solving.models import Category, Cause, FiveWhy, WhyStep

TITLE = "Fewer complaints about damaged shipments"
PROBLEM = (
    "About 3% of orders get a damage complaint; replacements and credits cost money and goodwill."
)
WHYS = [
    ("Products arrive broken: 70% of the damage complaints are glassware.", False, False),
    ("Glasses touch in the box and crack when a parcel is dropped.", False, False),
    ("Glassware ships in single-wall boxes without dividers.", False, False),
    (
        "The packing standard has one box type for every product; nobody updated it when "
        "glassware joined the range.",
        True,
        True,
    ),
]
CAUSES = [
    (Category.MAN, "Seasonal packers are not trained on fragile items", False, ""),
    (Category.MACHINE, "A 40 cm drop at the sorting station's conveyor", False, ""),
    (
        Category.METHOD,
        "Glassware packed in single-wall boxes without dividers",
        True,
        "Drop test: 9 of 20 single-wall parcels broke, none of 20 with dividers.",
    ),
    (
        Category.METHOD,
        "One box type for every product in the packing standard",
        True,
        "Packing standard v3: two product families need their own box.",
    ),
    (Category.MATERIAL, "Lighter cardboard grade from the box supplier since spring", False, ""),
    (Category.MEASUREMENT, "Damage complaints logged without the product category", False, ""),
    (Category.ENVIRONMENT, "Parcels stacked in unheated trailers in winter", False, ""),
]


@transaction.atomic
def seed(report) -> None:
    initiative = (
        Initiative.objects.filter(title=TITLE).select_related("owner").order_by("pk").first()
    )
    if initiative is not None and not (initiative.five_whys.exists() or initiative.causes.exists()):
        _analysis(initiative, report)
    report.totals["5-why chains"] = FiveWhy.objects.count()
    report.totals["causes"] = Cause.objects.count()


def _analysis(initiative: Initiative, report) -> None:
    """Dated in Analyze: a day after the initiative entered it (its move history)."""
    entered = (
        initiative.history.filter(to_stage=Stage.ANALYZE)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    ) or initiative.created_at
    when = entered + dt.timedelta(days=1)
    chain = FiveWhy.objects.create(
        initiative=initiative, problem=PROBLEM, created_by=initiative.owner, created_at=when
    )
    WhyStep.objects.bulk_create(
        WhyStep(chain=chain, position=i, answer=answer, is_root_cause=root, verified=verified)
        for i, (answer, root, verified) in enumerate(WHYS, start=1)
    )
    Cause.objects.bulk_create(
        Cause(
            initiative=initiative,
            category=category,
            text=text,
            verified=verified,
            evidence=evidence,
            created_by=initiative.owner,
            created_at=when + dt.timedelta(hours=i),
        )
        for i, (category, text, verified, evidence) in enumerate(CAUSES)
    )
    report.created["5-why chains"] += 1
    report.created["causes"] += len(CAUSES)
