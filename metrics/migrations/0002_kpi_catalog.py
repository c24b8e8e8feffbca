"""Seeds the KPI catalog as it stood when this migration was written.

The rows are written out here rather than imported from metrics.catalog: a migration must
do the same thing on every database whenever it runs, and the app's catalog may change.
A change to the catalog that existing databases should get is a new data migration."""

from django.db import migrations

# (name, unit, direction, pillar, chart kind, description)
KPI_CATALOG = [
    (
        "Cost per customer",
        "EUR",
        "lower_is_better",
        "financial",
        "individuals",
        "Total service cost divided by active customers.",
    ),
    (
        "Cost per unit",
        "EUR",
        "lower_is_better",
        "financial",
        "individuals",
        "Fully loaded cost of one unit produced.",
    ),
    (
        "Scrap cost",
        "EUR/week",
        "lower_is_better",
        "financial",
        "individuals",
        "Value of material scrapped per week.",
    ),
    (
        "Overtime hours",
        "hours/week",
        "lower_is_better",
        "financial",
        "individuals",
        "Paid overtime per week.",
    ),
    (
        "Days sales outstanding",
        "days",
        "lower_is_better",
        "financial",
        "individuals",
        "Average days to collect payment.",
    ),
    (
        "Cycle time",
        "hours",
        "lower_is_better",
        "operational",
        "individuals",
        "Start to finish of one unit of work.",
    ),
    (
        "Defect rate",
        "proportion",
        "lower_is_better",
        "operational",
        "proportion",
        "Share of units with a defect.",
    ),
    (
        "Throughput",
        "units/day",
        "higher_is_better",
        "operational",
        "individuals",
        "Units completed per day.",
    ),
    (
        "First-pass yield",
        "proportion",
        "higher_is_better",
        "operational",
        "proportion",
        "Share of units right first time.",
    ),
    (
        "On-time delivery",
        "proportion",
        "higher_is_better",
        "operational",
        "proportion",
        "Share of orders delivered by the promised date.",
    ),
    (
        "Onboarding time",
        "days",
        "lower_is_better",
        "operational",
        "individuals",
        "Offer accepted to fully productive.",
    ),
    (
        "Machine downtime",
        "minutes/shift",
        "lower_is_better",
        "operational",
        "individuals",
        "Unplanned stoppage per shift.",
    ),
    (
        "First-contact resolution",
        "proportion",
        "higher_is_better",
        "customer",
        "proportion",
        "Share of contacts resolved without follow-up.",
    ),
    (
        "Customer satisfaction (CSAT)",
        "points",
        "higher_is_better",
        "customer",
        "individuals",
        "Average CSAT score, 1 to 5.",
    ),
    (
        "Net promoter score (NPS)",
        "points",
        "higher_is_better",
        "customer",
        "individuals",
        "Promoters minus detractors, -100 to 100.",
    ),
    (
        "Response time",
        "minutes",
        "lower_is_better",
        "customer",
        "individuals",
        "Time to first response.",
    ),
    (
        "Resolution time",
        "hours",
        "lower_is_better",
        "customer",
        "individuals",
        "Time to resolve a case.",
    ),
    (
        "Complaint rate",
        "proportion",
        "lower_is_better",
        "customer",
        "proportion",
        "Share of orders with a complaint.",
    ),
    (
        "Ideas implemented",
        "ideas/month",
        "higher_is_better",
        "innovation",
        "individuals",
        "Ideas that reached a live change per month.",
    ),
    (
        "Time to market",
        "days",
        "lower_is_better",
        "innovation",
        "individuals",
        "Concept approved to launch.",
    ),
    (
        "Experiment success rate",
        "proportion",
        "higher_is_better",
        "innovation",
        "proportion",
        "Share of experiments that met their hypothesis.",
    ),
]


def seed_catalog(apps, schema_editor):
    Metric = apps.get_model("metrics", "Metric")
    for name, unit, direction, pillar, chart_kind, description in KPI_CATALOG:
        Metric.objects.get_or_create(
            name=name,
            defaults={
                "unit": unit,
                "direction": direction,
                "pillar": pillar,
                "chart_kind": chart_kind,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]

    operations = [migrations.RunPython(seed_catalog, migrations.RunPython.noop)]
