"""The KPI catalog the app ships with: (name, unit, direction, pillar, chart kind, description).

The seeding migration (0002_kpi_catalog) holds its own frozen copy, so that it does the
same on every database; a change here that databases should get needs a data migration
(tests/metrics/test_catalog.py fails until one seeds it)."""

HIGHER = "higher_is_better"
LOWER = "lower_is_better"

KPI_CATALOG = [
    # financial
    (
        "Cost per customer",
        "EUR",
        LOWER,
        "financial",
        "individuals",
        "Total service cost divided by active customers.",
    ),
    (
        "Cost per unit",
        "EUR",
        LOWER,
        "financial",
        "individuals",
        "Fully loaded cost of one unit produced.",
    ),
    (
        "Scrap cost",
        "EUR/week",
        LOWER,
        "financial",
        "individuals",
        "Value of material scrapped per week.",
    ),
    ("Overtime hours", "hours/week", LOWER, "financial", "individuals", "Paid overtime per week."),
    (
        "Days sales outstanding",
        "days",
        LOWER,
        "financial",
        "individuals",
        "Average days to collect payment.",
    ),
    # operational
    (
        "Cycle time",
        "hours",
        LOWER,
        "operational",
        "individuals",
        "Start to finish of one unit of work.",
    ),
    (
        "Defect rate",
        "proportion",
        LOWER,
        "operational",
        "proportion",
        "Share of units with a defect.",
    ),
    ("Throughput", "units/day", HIGHER, "operational", "individuals", "Units completed per day."),
    (
        "First-pass yield",
        "proportion",
        HIGHER,
        "operational",
        "proportion",
        "Share of units right first time.",
    ),
    (
        "On-time delivery",
        "proportion",
        HIGHER,
        "operational",
        "proportion",
        "Share of orders delivered by the promised date.",
    ),
    (
        "Onboarding time",
        "days",
        LOWER,
        "operational",
        "individuals",
        "Offer accepted to fully productive.",
    ),
    (
        "Machine downtime",
        "minutes/shift",
        LOWER,
        "operational",
        "individuals",
        "Unplanned stoppage per shift.",
    ),
    # customer
    (
        "First-contact resolution",
        "proportion",
        HIGHER,
        "customer",
        "proportion",
        "Share of contacts resolved without follow-up.",
    ),
    (
        "Customer satisfaction (CSAT)",
        "points",
        HIGHER,
        "customer",
        "individuals",
        "Average CSAT score, 1 to 5.",
    ),
    (
        "Net promoter score (NPS)",
        "points",
        HIGHER,
        "customer",
        "individuals",
        "Promoters minus detractors, -100 to 100.",
    ),
    ("Response time", "minutes", LOWER, "customer", "individuals", "Time to first response."),
    ("Resolution time", "hours", LOWER, "customer", "individuals", "Time to resolve a case."),
    (
        "Complaint rate",
        "proportion",
        LOWER,
        "customer",
        "proportion",
        "Share of orders with a complaint.",
    ),
    # innovation
    (
        "Ideas implemented",
        "ideas/month",
        HIGHER,
        "innovation",
        "individuals",
        "Ideas that reached a live change per month.",
    ),
    ("Time to market", "days", LOWER, "innovation", "individuals", "Concept approved to launch."),
    (
        "Experiment success rate",
        "proportion",
        HIGHER,
        "innovation",
        "proportion",
        "Share of experiments that met their hypothesis.",
    ),
]
