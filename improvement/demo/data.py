"""The demo data set: users, areas, and the initiatives with their series and the
shape of their histories. Pure data; `builder` turns it into rows."""

from dataclasses import dataclass

from improvement.models import (
    Methodology,
    Pillar,
    Stage,
)
from metrics.models import (
    BenefitType,
)

DEMO_PASSWORD = "demo-pass-2026"  # demo only: printed on the console, shared by every demo user
REVIEWERS_GROUP = "Reviewers"
SEED = "seed-demo-v1"


class DemoDataError(Exception):
    """The database lacks something the demo builds on (run `migrate` first)."""


# --- People and places ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False
    reviewer: bool = False


USERS = [
    DemoUser(
        "admin", "Alex", "Morgan", "administrator (superuser)", is_staff=True, is_superuser=True
    ),
    # Staff as well, so they can do the quarterly review in the admin.
    DemoUser("reviewer", "Rita", "Patel", "reviewer (staff)", is_staff=True, reviewer=True),
    DemoUser("owner1", "Omar", "Haddad", "initiative owner"),
    DemoUser("owner2", "Olga", "Berg", "initiative owner"),
    DemoUser("sponsor", "Sofia", "Martins", "sponsor"),
    DemoUser("contributor1", "Chen", "Wei", "contributor"),
    DemoUser("contributor2", "Carla", "Diaz", "contributor"),
    DemoUser("contributor3", "Jonas", "Keller", "contributor"),
    DemoUser("contributor4", "Priya", "Nair", "contributor"),
]


@dataclass(frozen=True)
class DemoArea:
    name: str
    parent: str | None  # the area it belongs to; None for a site
    description: str
    restricted: bool = False
    members: tuple[str, ...] = ()  # usernames


# The site tree, parents before children. Names are unique across the demo (ideas and
# campaigns name their area), though an area's name need only be unique among its siblings.
# R&D lab is restricted: only its member (owner2), the administrator and reviewers of it
# see its ideas; the company-wide reviewer does not.
AREAS = [
    DemoArea("Site Leipzig", None, "The plant: final assembly and the development lab."),
    DemoArea(
        "Assembly",
        "Site Leipzig",
        "Final assembly lines 1-3, the stamping press and final inspection.",
    ),
    DemoArea("Line 1", "Assembly", "Final assembly line 1: fastening and sub-assembly."),
    DemoArea("Line 2", "Assembly", "Final assembly line 2: torque stations and end of line."),
    DemoArea(
        "R&D lab",
        "Site Leipzig",
        "Prototype work for customers under non-disclosure agreements.",
        restricted=True,
        members=("owner2",),
    ),
    DemoArea("Site Porto", None, "The distribution centre."),
    DemoArea(
        "Logistics",
        "Site Porto",
        "Goods-in, warehouse, packing, returns and outbound shipping.",
    ),
    DemoArea("Head office", None, "The central services."),
    DemoArea("Customer Service", "Head office", "Contact centre: phone, email and chat support."),
    DemoArea(
        "Finance",
        "Head office",
        "Accounts payable and receivable, credit control, month-end close.",
    ),
    DemoArea("HR", "Head office", "Recruiting, onboarding and payroll queries."),
    DemoArea("IT", "Head office", "Service desk, laptops and business applications."),
]


# --- What to seed --------------------------------------------------------------------------

IMPROVING, FLAT, REGRESSING, BACKSLIDING = "improving", "flat", "regressing", "backsliding"


@dataclass(frozen=True)
class Series:
    """A target and the story its measurements tell after the change goes live."""

    metric: str
    base: float  # the level before the change
    target: float
    scenario: str = IMPROVING
    primary: bool = True
    noise: float | None = None  # standard deviation; default a quarter of the planned gain
    daily: bool = False  # every weekday instead of weekly
    reach: float = 1.0  # share of the planned gain an improving series achieves
    value_per_unit: str | None = None
    benefit_type: str = BenefitType.HARD
    bounds: tuple[float, float | None] = (0.0, None)
    decimals: int = 1


@dataclass(frozen=True)
class Idea:
    title: str
    area: str
    pillar: str
    submitted_by: str
    problem: str
    change: str = ""
    stage: str = Stage.SUBMITTED
    via: str = ""  # for on_hold, cancelled and rejected: the stage it left
    methodology: str = ""
    cycles: int = 1
    impact: int | None = None
    effort: int | None = None
    benefit: int | None = None
    cost: int | None = None
    confidence: str | None = None
    owner: str = ""
    sponsor: str = ""
    team: tuple[str, ...] = ()
    watchers: tuple[str, ...] = ()
    targets: tuple[Series, ...] = ()
    root_cause: str = ""
    control_plan: str = ""
    decision_note: str = ""
    reason: str = ""  # rejection reason
    duplicate_of: str = ""  # the original's title
    note: str = ""  # the note on the last move, when the generic one does not fit
    age: int = 10  # days in the current stage
    supporters: tuple[str, ...] = ()
    comments: tuple[tuple[str, str], ...] = ()  # (author, body)


S, PDCA, DMAIC = Stage, Methodology.PDCA, Methodology.DMAIC
C1, C2, C3, C4 = "contributor1", "contributor2", "contributor3", "contributor4"

# One entry per initiative, laid out by hand as a table: fields that only apply to some
# stages are simply left out (see `Idea` for the defaults).
# fmt: off
IDEAS = [
    Idea("Label returnable crates with QR codes", "Logistics", Pillar.OPERATIONAL, C3,
        "Returnable crates go missing at customers; we buy about 400 new ones a year and cannot "
        "say which customer holds them.",
        "Stick a QR label on each crate and scan it out and back in at the dock.",
        age=3,
        supporters=(C1, "owner1")),
    Idea("Self-service password reset for the ERP", "IT", Pillar.OPERATIONAL, C4,
        "A fifth of service-desk tickets are ERP password resets; users wait up to a day when the "
        "desk is busy.",
        "Enable the ERP's self-service reset with the second factor we already use.",
        age=6,
        supporters=(C1, C2, C3),
        comments=(
            ("reviewer", "How many tickets a month? Please add the numbers."),
        )),
    Idea("Team huddle at the shop-floor board", "Line 1", Pillar.OPERATIONAL, C1,
        "The weekly team meeting happens in the office, so nobody looks at the production board "
        "while problems are fresh.",
        "Hold a 10-minute daily huddle standing at the board at shift start.",
        age=9),
    Idea("Pre-fill expense claims from card transactions", "Finance", Pillar.FINANCIAL, C2,
        "Staff retype every corporate-card transaction into the expense form; typing errors cause "
        "a third of rejected claims.",
        "Import the card feed and let people attach receipts to pre-filled lines.",
        age=14,
        supporters=(C4,)),
    Idea("Buddy for every new hire's first month", "HR", Pillar.INNOVATION, C4,
        "New starters say they do not know whom to ask; many small questions go to their manager "
        "or nowhere.",
        "Pair each new hire with a volunteer buddy from the same team for four weeks.",
        age=20,
        supporters=(C2, C3, "owner2")),
    Idea("Shadow board for torque tools at station 4", "Line 2", Pillar.OPERATIONAL, C1,
        "Operators at station 4 lose several minutes a shift looking for the right torque wrench; "
        "wrong tools cause rework.",
        "A shadow board at the station with one marked place per tool.",
        stage=S.BACKLOG, methodology=PDCA, age=12,
        impact=4, effort=1, benefit=18_000, cost=1_500, confidence="0.80",
        owner="owner1", sponsor="sponsor", team=(C1,), supporters=(C3, C4, "owner2"),
        targets=(Series("Machine downtime", 38, 25, value_per_unit="600"),)),
    Idea("Macro templates for the top ten support questions", "Customer Service",
        Pillar.CUSTOMER, C2,
        "Agents write the same answers by hand dozens of times a day; answers differ between "
        "agents.",
        "Agree answers to the ten most common questions and load them as macros.",
        stage=S.BACKLOG, methodology=PDCA, age=5,
        impact=4, effort=2, benefit=24_000, cost=3_000, confidence="0.70",
        owner="owner2", sponsor="sponsor", team=(C2,), supporters=(C1,),
        targets=(Series("Resolution time", 9.5, 7.0, value_per_unit="4000"),)),
    Idea("Automate three-way match in accounts payable", "Finance", Pillar.FINANCIAL, C2,
        "Invoices are matched to orders and receipts by hand; an invoice takes two days to clear "
        "and early-payment discounts are missed.",
        "Match automatically within tolerances and route only exceptions to a person.",
        stage=S.BACKLOG, methodology=DMAIC, age=30,
        impact=5, effort=4, benefit=140_000, cost=60_000, confidence="0.60",
        owner="owner2", sponsor="sponsor", supporters=(C4, "owner1"),
        targets=(Series("Cycle time", 52, 24, value_per_unit="1500"),)),
    Idea("Cross-dock lane for fast-moving SKUs", "Logistics", Pillar.OPERATIONAL, C3,
        "The top 50 SKUs are put away and picked again within a day; the double handling caps "
        "daily throughput.",
        "A cross-dock lane where fast movers go straight from goods-in to outbound.",
        stage=S.BACKLOG, methodology=DMAIC, age=40,
        impact=4, effort=5, benefit=90_000, cost=120_000, confidence="0.50",
        owner="owner1", sponsor="sponsor",
        targets=(Series("Throughput", 1800, 2100, value_per_unit="60", decimals=0),)),
    Idea("Common naming scheme for shared-drive folders", "IT", Pillar.OPERATIONAL, C4,
        "Every team names folders its own way; people ask the service desk to find files.",
        "Publish a naming scheme and rename the top-level folders once.",
        stage=S.BACKLOG, methodology=PDCA, age=18,
        impact=2, effort=1, benefit=3_000, cost=500, confidence="0.60",
        owner="owner2",
        targets=(Series("Resolution time", 6.0, 5.5, benefit_type=BenefitType.SOFT),)),
    Idea("Support hours in every email signature", "Customer Service", Pillar.CUSTOMER, C2,
        "Customers email at night and expect an answer within the hour, then complain.",
        "Standard signature stating support hours and the expected response time.",
        stage=S.BACKLOG, methodology=PDCA, age=8,
        impact=2, effort=2, benefit=2_000, cost=200, confidence="0.50",
        owner="owner2",
        targets=(
            Series(
                "Customer satisfaction (CSAT)", 4.1, 4.2, benefit_type=BenefitType.SOFT,
                bounds=(1.0, 5.0), decimals=2,
            ),
        )),
    Idea("Replace the HR system with a custom build", "HR", Pillar.FINANCIAL, C4,
        "The HR system's onboarding screens are clumsy and its licence is expensive.",
        "Build our own HR system on the intranet platform.",
        stage=S.BACKLOG, methodology=DMAIC, age=35,
        impact=2, effort=5, benefit=20_000, cost=250_000, confidence="0.30",
        owner="owner1",
        targets=(Series("Onboarding time", 21, 18),)),
    Idea("Robotic palletiser for the low-volume line", "Assembly", Pillar.OPERATIONAL, C1,
        "Two people palletise by hand on line 3, which runs one shift a day.",
        "Buy a robotic palletiser for line 3.",
        stage=S.BACKLOG, methodology=DMAIC, age=22,
        impact=2, effort=4, benefit=15_000, cost=180_000, confidence="0.40",
        owner="owner1",
        targets=(Series("Cost per unit", 14.2, 13.8, decimals=2),)),
    Idea("Kanban cards for fastener resupply", "Line 1", Pillar.OPERATIONAL, C1,
        "Line 1 stops several times a week because a fastener bin runs empty; the resupply run "
        "happens only twice a shift.",
        "Two-card kanban per fastener bin, collected on every milk run.",
        stage=S.PLAN, methodology=PDCA, age=8,
        impact=4, effort=2, benefit=35_000, cost=4_000, confidence="0.75",
        owner="owner1", sponsor="sponsor", team=(C1, C3),
        targets=(Series("Throughput", 420, 460, noise=9, value_per_unit="75", decimals=0),),
        root_cause="Bins are sized for an average shift, and the milk run has no trigger."),
    Idea("Standard work for month-end accruals", "Finance", Pillar.FINANCIAL, C2,
        "Month-end close runs into the weekend; overtime peaks in the first week of the month "
        "because accruals are prepared differently by each accountant.",
        "One checklist and template for accruals, started on day -3 instead of day +1.",
        stage=S.PLAN, methodology=PDCA, age=35,
        impact=3, effort=2, benefit=28_000, cost=2_000, confidence="0.70",
        owner="owner2", sponsor="sponsor", team=(C2,),
        targets=(Series("Overtime hours", 64, 40, value_per_unit="1800"),)),
    Idea("Two-bin system at the packing benches", "Logistics", Pillar.OPERATIONAL, C3,
        "Packers walk to the store for boxes and fill material several times an hour.",
        "Two bins of each consumable at every bench; an empty bin is the reorder signal.",
        stage=S.DO, methodology=PDCA, age=12,
        impact=3, effort=1, benefit=22_000, cost=2_500, confidence="0.80",
        owner="owner1", sponsor="sponsor", team=(C3, C4),
        targets=(Series("Cycle time", 3.4, 2.5, value_per_unit="9000", decimals=2),),
        root_cause="Consumables are stored centrally, 40 m from the benches."),
    Idea("Daily ten-minute stand-up at the service desk", "IT", Pillar.CUSTOMER, C4,
        "Tickets bounce between service-desk agents; nobody sees which ones are stuck.",
        "A ten-minute stand-up each morning to walk the aged-ticket list.",
        stage=S.DO, methodology=PDCA, age=6,
        impact=3, effort=1, benefit=12_000, cost=0, confidence="0.60",
        owner="owner2", sponsor="sponsor", team=(C4,), watchers=("reviewer",),
        targets=(Series("Resolution time", 11, 8, benefit_type=BenefitType.SOFT),),
        root_cause="No shared view of stuck tickets; escalation depends on the agent."),
    Idea("Pick-path re-sequencing in aisles A-D", "Logistics", Pillar.OPERATIONAL, C3,
        "Pick lists are sorted by order line, so pickers criss-cross aisles A-D.",
        "Sort pick lists by location along a one-way S-shaped path.",
        stage=S.CHECK, methodology=PDCA, age=9,
        impact=4, effort=2, benefit=45_000, cost=6_000, confidence="0.75",
        owner="owner1", sponsor="sponsor", team=(C3,), watchers=(C4,),
        targets=(
            Series("Cycle time", 2.8, 2.1, value_per_unit="30000", decimals=2),
            Series("Throughput", 1750, 1850, scenario=FLAT, primary=False, noise=40, decimals=0),
        ),
        root_cause="Pick lists follow order-line sequence, not warehouse layout."),
    Idea("Call-back scheduling instead of a hold queue", "Customer Service", Pillar.CUSTOMER, C2,
        "Callers wait on hold for up to 20 minutes at peak; many hang up and call again.",
        "Offer a call-back slot when the wait passes two minutes.",
        stage=S.CHECK, methodology=PDCA, age=9,
        impact=5, effort=2, benefit=60_000, cost=8_000, confidence="0.70",
        owner="owner2", sponsor="sponsor", team=(C2, C1), watchers=("reviewer",),
        supporters=(C1, C3, C4),
        targets=(
            Series("Response time", 14, 6, noise=2.0, daily=True, value_per_unit="5000"),
            Series(
                "Customer satisfaction (CSAT)", 3.9, 4.2, primary=False, noise=0.08,
                benefit_type=BenefitType.SOFT, bounds=(1.0, 5.0), decimals=2,
            ),
        ),
        root_cause="Peaks at 9:00 and 13:00 exceed staffed capacity for about an hour.",
        comments=(
            (C1, "Callers love the call-back; can we offer it on chat too?"),
            ("owner2", "Good idea, noted for the next cycle."),
        )),
    Idea("Colour-coded priority labels on parcels", "Logistics", Pillar.CUSTOMER, C3,
        "Express orders miss the carrier cut-off because they look like any other parcel.",
        "Red labels for express orders so packers handle them first.",
        stage=S.ACT, methodology=PDCA, age=5,
        impact=3, effort=1, benefit=15_000, cost=1_000, confidence="0.60",
        owner="owner1", sponsor="sponsor", team=(C3,),
        targets=(Series("On-time delivery", 0.89, 0.95, scenario=FLAT, value_per_unit="250000"),),
        root_cause="Express orders are not visible on the packing floor.",
        decision_note="Abandon: on-time delivery did not move (89% before and after). Late orders "
                      "miss the carrier cut-off for reasons the labels do not touch; raising a "
                      "DMAIC project on cut-off times instead."),
    Idea("Visual defect catalogue at final inspection", "Assembly", Pillar.OPERATIONAL, C1,
        "Inspectors disagree on what counts as a cosmetic defect; escapes reach customers.",
        "Boundary samples and a photo catalogue of accept/reject examples at each station.",
        stage=S.ACT, methodology=PDCA, age=4,
        impact=4, effort=2, benefit=40_000, cost=5_000, confidence="0.70",
        owner="owner2", sponsor="sponsor", team=(C1,),
        targets=(Series("Defect rate", 0.06, 0.035, value_per_unit="900000"),),
        root_cause="No shared standard for cosmetic defects; each inspector judges alone.",
        decision_note="Adopt: defect rate fell from about 6% to under 4%; roll the catalogue out "
                      "to lines 2 and 3."),
    Idea("Pre-shift machine checklist on the press line", "Assembly", Pillar.OPERATIONAL, C1,
        "Unplanned stops on the press line average 40 minutes a shift; most start with something "
        "a pre-shift check would catch (air pressure, lubrication, sensors).",
        "A five-minute pre-shift checklist for every press.",
        stage=S.CHECK, methodology=PDCA, cycles=2, age=9,
        impact=4, effort=2, benefit=50_000, cost=3_000, confidence="0.70",
        owner="owner2", sponsor="sponsor", team=(C1, C3),
        targets=(Series("Machine downtime", 42, 28, noise=5, daily=True, value_per_unit="900"),),
        root_cause="Stops start with conditions visible before the shift: low air pressure, dry "
                   "lubrication points, dirty sensors.",
        decision_note="Adapt: the paper checklist was skipped on night shift and downtime did not "
                      "move. Cycle 2 puts the checklist on the press HMI, so a shift cannot "
                      "start without it."),
    Idea("Invoice dispute triage checklist", "Finance", Pillar.FINANCIAL, C2,
        "Disputed invoices sit unowned for weeks, pushing days sales outstanding up.",
        "A triage checklist and an owner for each dispute within one working day.",
        stage=S.COMPLETED, methodology=PDCA, age=75,
        impact=4, effort=2, benefit=70_000, cost=5_000, confidence="0.70",
        owner="owner2", sponsor="sponsor", team=(C2,),
        targets=(
            Series(
                "Days sales outstanding", 52, 45, value_per_unit="9000",
                benefit_type=BenefitType.AVOIDANCE,
            ),
        ),
        root_cause="Disputes had no owner and no deadline.",
        control_plan="Credit control reviews open disputes older than 5 days every Monday.",
        decision_note="Adopt: DSO down by a week; checklist is now standard work."),
    Idea("Onboarding checklist in the HR portal", "HR", Pillar.OPERATIONAL, C4,
        "New hires wait days for a laptop, badge and system access.",
        "One checklist in the HR portal that triggers IT, facilities and training tasks on the "
        "day the offer is accepted.",
        stage=S.COMPLETED, methodology=PDCA, age=110,
        impact=4, effort=3, benefit=30_000, cost=8_000, confidence="0.65",
        owner="owner1", sponsor="sponsor", team=(C4, C2),
        targets=(Series("Onboarding time", 24, 18, value_per_unit="2500"),),
        root_cause="Tasks for IT and facilities started only on the first working day.",
        control_plan="HR checks the portal's overdue-task report weekly.",
        decision_note="Adopt: onboarding time down from 24 to about 18 days."),
    Idea("Shift handover template on the assembly line", "Assembly", Pillar.OPERATIONAL, C1,
        "Open issues are lost between shifts; the next shift rediscovers them as defects.",
        "A one-page handover template reviewed by both shift leads at every change.",
        stage=S.COMPLETED, methodology=PDCA, age=120,
        impact=4, effort=1, benefit=55_000, cost=1_000, confidence="0.80",
        owner="owner1", sponsor="sponsor", team=(C1,), watchers=("reviewer", C3),
        targets=(
            Series("First-pass yield", 0.91, 0.95, scenario=BACKSLIDING, value_per_unit="800000"),
        ),
        root_cause="Handover was verbal and skipped when shifts overlapped by less than ten "
                   "minutes.",
        control_plan="Shift leads sign the handover sheet; the supervisor audits two a week.",
        decision_note="Adopt: first-pass yield up from 91% to about 95%.",
        comments=(
            (C3, "Yield is slipping again since the new night-shift lead started. Is the handover "
                 "sheet still being used?"),
        )),
    Idea("Reduce rework on the wiring-harness sub-assembly", "Assembly", Pillar.OPERATIONAL, C1,
        "About 7% of wiring harnesses fail the continuity test and are reworked by hand.",
        "Find where the faults come from before changing anything.",
        stage=S.DEFINE, methodology=DMAIC, age=6,
        impact=4, effort=3, benefit=65_000, cost=15_000, confidence="0.60",
        owner="owner2", sponsor="sponsor", team=(C1,),
        targets=(Series("Defect rate", 0.07, 0.035, value_per_unit="900000"),)),
    Idea("Faster onboarding for warehouse staff", "HR", Pillar.OPERATIONAL, C3,
        "Seasonal warehouse staff take 15 days to reach full pick rate.",
        "Structured on-the-job training with a qualified trainer per shift.",
        stage=S.DEFINE, methodology=DMAIC, age=13,
        impact=3, effort=3, benefit=25_000, cost=10_000, confidence="0.50",
        owner="owner1", sponsor="sponsor",
        targets=(Series("Onboarding time", 15, 10),)),
    Idea("Late deliveries to key accounts", "Logistics", Pillar.CUSTOMER, C3,
        "Only 86% of key-account orders arrive by the promised date; two accounts have raised it "
        "at quarterly reviews.",
        "Measure where the days are lost between order and delivery, then fix the worst step.",
        stage=S.MEASURE, methodology=DMAIC, age=20,
        impact=5, effort=4, benefit=120_000, cost=30_000, confidence="0.55",
        owner="owner1", sponsor="sponsor", team=(C3, C4), watchers=("reviewer",),
        targets=(Series("On-time delivery", 0.86, 0.95, value_per_unit="500000"),)),
    Idea("Repeat contacts on billing queries", "Customer Service", Pillar.CUSTOMER, C2,
        "A third of billing queries need a second contact; customers call back to check.",
        "Find why billing queries are not resolved first time.",
        stage=S.MEASURE, methodology=DMAIC, age=16,
        impact=4, effort=3, benefit=40_000, cost=10_000, confidence="0.60",
        owner="owner2", sponsor="sponsor", team=(C2,),
        targets=(
            Series("First-contact resolution", 0.68, 0.8, value_per_unit="200000"),
            Series("Resolution time", 20, 14, primary=False),
        )),
    Idea("Lower scrap on the stamping press", "Assembly", Pillar.FINANCIAL, C1,
        "Scrap on the stamping press costs about 5,000 EUR a week.",
        "Find the main scrap causes and remove the largest.",
        stage=S.ANALYZE, methodology=DMAIC, age=10,
        impact=5, effort=3, benefit=90_000, cost=20_000, confidence="0.60",
        owner="owner1", sponsor="sponsor", team=(C1, C3),
        targets=(Series("Scrap cost", 5200, 3500, value_per_unit="52", decimals=0),),
        root_cause="Pareto of scrap tags: 60% are edge cracks, which line up with coils from one "
                   "supplier at the top of the thickness tolerance."),
    Idea("Speed up customer credit checks", "Finance", Pillar.CUSTOMER, "owner1",
        "New customers wait more than a day for a credit decision before their first order ships.",
        "Automatic approval below a risk score; people review only the rest.",
        stage=S.ANALYZE, methodology=DMAIC, age=18,
        impact=4, effort=3, benefit=35_000, cost=12_000, confidence="0.60",
        owner="owner2", sponsor="sponsor", team=(C2,),
        targets=(Series("Cycle time", 30, 8, value_per_unit="1200"),),
        root_cause="Every application waits in one queue for a credit analyst, even the 80% that "
                   "are approved unchanged."),
    Idea("Cut overtime in the returns department", "Logistics", Pillar.FINANCIAL, C3,
        "The returns team works about 85 hours of overtime a week.",
        "Level the returns workload across the week.",
        stage=S.IMPROVE, methodology=DMAIC, age=15,
        impact=4, effort=3, benefit=80_000, cost=10_000, confidence="0.65",
        owner="owner1", sponsor="sponsor", team=(C3,),
        targets=(Series("Overtime hours", 85, 50, value_per_unit="1800"),),
        root_cause="Returns arrive in one Monday delivery from the carrier; the team works the "
                   "backlog off in overtime."),
    Idea("Laptop provisioning lead time for new starters", "IT", Pillar.OPERATIONAL, C4,
        "Preparing a laptop for a new starter takes four days of elapsed time.",
        "A pre-imaged stock of laptops and automated account creation.",
        stage=S.IMPROVE, methodology=DMAIC, age=9,
        impact=3, effort=3, benefit=18_000, cost=9_000, confidence="0.60",
        owner="owner2", sponsor="sponsor", team=(C4,),
        targets=(Series("Cycle time", 96, 48, benefit_type=BenefitType.SOFT),),
        root_cause="Each laptop is imaged on demand and waits for a manual account request."),
    Idea("Fewer complaints about damaged shipments", "Logistics", Pillar.CUSTOMER, C3,
        "About 3% of orders get a damage complaint; replacements and credits cost money and "
        "goodwill.",
        "Find which products and packaging break, then fix the packaging.",
        stage=S.CONTROL, methodology=DMAIC, age=30,
        impact=4, effort=3, benefit=75_000, cost=18_000, confidence="0.70",
        owner="owner1", sponsor="sponsor", team=(C3, C4),
        targets=(
            Series("Complaint rate", 0.032, 0.015, daily=True, value_per_unit="2000000"),
            Series(
                "Customer satisfaction (CSAT)", 4.0, 4.3, scenario=FLAT, primary=False, noise=0.07,
                benefit_type=BenefitType.SOFT, bounds=(1.0, 5.0), decimals=2,
            ),
        ),
        root_cause="Glassware ships in single-wall boxes without dividers; 70% of damage "
                   "complaints are glassware.",
        control_plan="Packing audit of 20 glassware orders a week; complaint rate reviewed "
                     "monthly at the logistics meeting."),
    Idea("Payroll query response time", "HR", Pillar.CUSTOMER, C4,
        "Employees wait about four hours for an answer to a payroll question.",
        "Route payroll queries by topic to a named specialist.",
        stage=S.CONTROL, methodology=DMAIC, age=25,
        impact=3, effort=2, benefit=15_000, cost=4_000, confidence="0.60",
        owner="owner2", sponsor="sponsor", team=(C4,), watchers=("reviewer",),
        targets=(
            Series(
                "Response time", 240, 120, scenario=REGRESSING, noise=25,
                benefit_type=BenefitType.SOFT, decimals=0,
            ),
        ),
        root_cause="All queries land in one shared inbox and wait for whoever is free.",
        control_plan="Weekly check of the routing rules and of queries older than a day.",
        comments=(
            ("owner2", "Response time is worse than before since the shared inbox moved to the "
                       "new tool; checking whether the routing rules were migrated."),
            ("reviewer", "Please hold the move to completed until this is explained."),
        )),
    Idea("Lower cost per customer in the contact centre", "Customer Service",
        Pillar.FINANCIAL, "sponsor",
        "Serving a customer costs 18.50 EUR a year, above the industry benchmark.",
        "Deflect simple questions to self-service and route the rest by skill.",
        stage=S.COMPLETED, methodology=DMAIC, age=60,
        impact=5, effort=4, benefit=140_000, cost=45_000, confidence="0.65",
        owner="owner2", sponsor="sponsor", team=(C2, C4), watchers=("reviewer",),
        targets=(
            Series("Cost per customer", 18.5, 15.0, value_per_unit="40000", decimals=2),
            Series("First-contact resolution", 0.7, 0.76, primary=False, reach=0.8),
        ),
        root_cause="Half the contacts are balance and order-status questions an agent answers by "
                   "reading a screen the customer cannot see.",
        control_plan="Monthly cost-per-customer report to the sponsor; self-service deflection "
                     "rate on the team board."),
    Idea("Cut cost per unit on assembly line 2", "Assembly", Pillar.FINANCIAL, "owner1",
        "Line 2's cost per unit is 10% above line 1's for the same product.",
        "Find the cost gap between the lines and close it.",
        stage=S.COMPLETED, methodology=DMAIC, age=140,
        impact=5, effort=4, benefit=160_000, cost=50_000, confidence="0.60",
        owner="owner1", sponsor="sponsor", team=(C1, C3),
        targets=(
            Series("Cost per unit", 14.6, 13.2, daily=True, reach=0.85, value_per_unit="120000"),
        ),
        root_cause="Line 2 changes over twice as often because its schedule is not batched by "
                   "die.",
        control_plan="Weekly schedule batched by die; changeovers per week on the line board."),
    Idea("Buy a second forklift for the yard", "Logistics", Pillar.OPERATIONAL, C3,
        "Trucks wait for the forklift in the yard at peak times.",
        "Lease a second forklift.",
        stage=S.REJECTED, via=S.SUBMITTED, age=30,
        reason="The yard forklift is idle 55% of the shift; the waits come from trucks arriving "
               "together. Please resubmit as a dock-scheduling idea."),
    Idea("Shorter hold times on the support line", "Customer Service", Pillar.CUSTOMER, C4,
        "Customers wait too long on hold when they call support.",
        "Hire more agents for the peak hours.",
        stage=S.REJECTED, via=S.SUBMITTED, age=45,
        duplicate_of="Call-back scheduling instead of a hold queue"),
    Idea("Four-day week for the finance team", "Finance", Pillar.INNOVATION, C2,
        "Month-end stress leads to sick days in the finance team.",
        "Trial a four-day week.",
        stage=S.REJECTED, via=S.BACKLOG, methodology=PDCA, age=50,
        impact=2, effort=5,
        reason="A working-time policy question rather than a process change; forwarded to the HR "
               "policy board."),
    Idea("Barcode scanning at goods-in", "Logistics", Pillar.OPERATIONAL, C3,
        "Goods-in types part numbers from delivery notes; one line in 50 is wrong and stock goes "
        "missing.",
        "Scan supplier barcodes at goods-in instead of typing.",
        stage=S.ON_HOLD, via=S.IMPROVE, methodology=DMAIC, age=25,
        impact=4, effort=3, benefit=40_000, cost=25_000, confidence="0.60",
        owner="owner1", sponsor="sponsor", team=(C3,),
        targets=(Series("Defect rate", 0.02, 0.005, value_per_unit="1500000"),),
        root_cause="Manual keying of 12-character part numbers.",
        note="Scanner hardware delayed by the supplier until next quarter."),
    Idea("Paperless expense approvals", "Finance", Pillar.FINANCIAL, C2,
        "Paper expense forms take five days to collect two signatures.",
        "Approve expenses in the ERP's workflow.",
        stage=S.ON_HOLD, via=S.PLAN, methodology=PDCA, age=20,
        impact=3, effort=2, benefit=12_000, cost=3_000, confidence="0.70",
        owner="owner2", sponsor="sponsor",
        targets=(Series("Cycle time", 120, 48),),
        note="Waiting for the ERP upgrade; the approval workflow changes with it."),
    Idea("Move the IT help desk next to the canteen", "IT", Pillar.CUSTOMER, C4,
        "People walk across the site to the help desk and often find it empty.",
        "Move the walk-in help desk next to the canteen.",
        stage=S.CANCELLED, via=S.MEASURE, methodology=DMAIC, age=40,
        impact=2, effort=3, benefit=5_000, cost=15_000, confidence="0.40",
        owner="owner2", sponsor="sponsor",
        targets=(Series("Response time", 45, 20),),
        note="Superseded by the remote-support tool; walk-ins fell by 70%."),
    # The restricted R&D lab's ideas: seen only by its member (owner2), who submits and
    # runs them, and by the administrator.
    Idea("Prototype fixture for the sensor housing", "R&D lab", Pillar.INNOVATION, "owner2",
        "Each sensor-housing prototype is clamped by hand for testing; results vary with who "
        "clamped it.",
        "A printed fixture that holds the housing the same way every time.",
        age=4),
    Idea("Shorter curing cycle for the test adhesive", "R&D lab", Pillar.OPERATIONAL, "owner2",
        "Test parts wait 24 hours for the adhesive to cure before they can be measured.",
        "Trial the supplier's fast-curing variant in the climate chamber.",
        stage=S.BACKLOG, methodology=PDCA, age=10,
        impact=4, effort=2, benefit=30_000, cost=5_000, confidence="0.60",
        owner="owner2",
        targets=(Series("Cycle time", 24, 6, value_per_unit="500"),)),
    Idea("Weekly calibration of the climate chamber", "R&D lab", Pillar.OPERATIONAL, "owner2",
        "The climate chamber drifts between the yearly calibrations, and tests are repeated.",
        "Check the chamber against a reference every Monday and log the offset.",
        stage=S.DO, methodology=PDCA, age=15,
        impact=3, effort=1, benefit=15_000, cost=1_000, confidence="0.70",
        owner="owner2",
        targets=(Series("Machine downtime", 20, 12, value_per_unit="400"),),
        root_cause="Drift is found only at the yearly calibration."),
]
# fmt: on


# --- The shape of a history ----------------------------------------------------------------

FLOWS = {
    Methodology.PDCA: [S.BACKLOG, S.PLAN, S.DO, S.CHECK, S.ACT, S.COMPLETED],
    Methodology.DMAIC: [
        S.BACKLOG,
        S.DEFINE,
        S.MEASURE,
        S.ANALYZE,
        S.IMPROVE,
        S.CONTROL,
        S.COMPLETED,
    ],
}
# Typical days spent in a stage before moving on.
DURATION = {
    S.SUBMITTED: 6,
    S.BACKLOG: 12,
    S.PLAN: 21,
    S.DO: 35,
    S.CHECK: 28,
    S.ACT: 10,
    S.DEFINE: 14,
    S.MEASURE: 28,
    S.ANALYZE: 21,
    S.IMPROVE: 35,
    S.CONTROL: 56,
}
TRIAGE_MOVES = {(S.SUBMITTED, S.BACKLOG), (S.SUBMITTED, S.REJECTED), (S.BACKLOG, S.REJECTED)}
MOVE_NOTES = {
    (S.SUBMITTED, S.BACKLOG): "Accepted: impact {impact}, effort {effort}; run as {method}.",
    (S.BACKLOG, S.PLAN): "Owner assigned; planning the first cycle.",
    (S.PLAN, S.DO): "Baseline frozen; trial starts.",
    (S.DO, S.CHECK): "Change live since {changed_on}; checking the data.",
    (S.CHECK, S.ACT): "Results reviewed; deciding whether to adopt, adapt or abandon.",
    (S.ACT, S.PLAN): "{decision}: starting cycle {cycle}.",
    (S.ACT, S.COMPLETED): "{decision}: cycle closed.",
    (S.BACKLOG, S.DEFINE): "Owner assigned; writing the project charter.",
    (S.DEFINE, S.MEASURE): "Charter and targets agreed with the sponsor.",
    (S.MEASURE, S.ANALYZE): "Baseline frozen from the measurement window.",
    (S.ANALYZE, S.IMPROVE): "Root cause confirmed with data.",
    (S.IMPROVE, S.CONTROL): "Change live since {changed_on}; control plan in place.",
    (S.CONTROL, S.COMPLETED): "Result holds; handed over to the process owner.",
}
BASELINE_DAYS = {False: 84, True: 28}  # weekly: twelve weeks; daily: four weeks of weekdays
CHANGE_LAG_DAYS = 14  # from entering do / improve to the change going live
