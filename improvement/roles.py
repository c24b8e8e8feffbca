"""Who may do what to an initiative — the design's role table, in one place.

Every signed-in person may read every initiative outside private areas (ideas are
public inside the organisation, so people can support and comment); who reads a private
area's is improvement.visibility's one rule, which every read goes through. Changing
one depends on the role:

- contributor (anyone signed in): submits ideas; edits their own while it is submitted.
- reviewer (permission improvement.triage_initiative): triage — scores, estimates,
  methodology, owner, sponsor; triage moves and stage moves. A reviewer named as an
  area reviewer of some areas reviews only those areas' subtrees (`reviews`); one with
  no such area reviews every initiative they may see.
- owner / sponsor (fields on the initiative): stage moves; execution fields.
- owner / team (fields on the initiative): targets and measurements.
- administrator (superuser): anything.
"""

from django.db.models import Exists, OuterRef
from django.db.models.functions import Length, Substr

from improvement.models import CLOSED_STAGES, INTAKE_STAGES, Area, Initiative, Stage

TRIAGE_PERMISSION = "improvement.triage_initiative"

# Who may edit which initiative fields, in the order the forms and the API list them.
IDEA_FIELDS = ("title", "problem_statement", "proposed_change", "area", "pillar")
TRIAGE_FIELDS = (
    "impact",
    "effort",
    "methodology",
    "owner",
    "sponsor",
    "estimated_annual_benefit",
    "estimated_cost",
    "confidence",
)
EXECUTION_FIELDS = ("root_cause", "implemented_on", "control_plan", "decision_note")
# What a passed gate checked, and the stages from which it is evidence: from there on
# the field changes only by a reviewer, with a reason (improvement.services).
GATED_FROM = {
    "root_cause": (Stage.IMPROVE, Stage.CONTROL, Stage.COMPLETED),
    "implemented_on": (Stage.CHECK, Stage.ACT, Stage.CONTROL, Stage.COMPLETED),
    "control_plan": (Stage.COMPLETED,),
    "decision_note": (Stage.COMPLETED,),
}


def is_admin(user) -> bool:
    return user.is_active and user.is_superuser


def is_reviewer(user) -> bool:
    """May triage: holds the triage permission. Administrators too, since `has_perm` is
    True for every active superuser, so "reviewer or administrator" needs no second check.
    (Staff alone is not enough: `is_staff` opens the admin site, nothing more.)"""
    return user.is_active and user.has_perm(TRIAGE_PERMISSION)


def reviews(user, initiative: Initiative) -> bool:
    """A reviewer of this initiative: a reviewer (`is_reviewer`) whose area scopes, when
    they have any, include the initiative's area or an area above it. The scopes are
    asked only of a reviewer who has some (config.auth loads `reviews_areas` with the
    user), and once per area per request."""
    if not is_reviewer(user):
        return False
    if is_admin(user) or not has_area_scopes(user):
        return True
    cache = user.__dict__.setdefault("_reviews_area", {})
    if initiative.area_id not in cache:
        # One query: is the initiative's area, or one above it (a prefix of its path),
        # an area this user reviews?
        reviewed_above = Area.objects.filter(
            path=Substr(OuterRef("path"), 1, Length("path")), reviewers__pk=user.pk
        )
        cache[initiative.area_id] = (
            Area.objects.filter(pk=initiative.area_id).filter(Exists(reviewed_above)).exists()
        )
    return cache[initiative.area_id]


def has_area_scopes(user) -> bool:
    """Is the user an area reviewer of at least one area? (From what config.auth loaded
    with the user, when it did.)"""
    if user.pk is None:
        return False
    if hasattr(user, "reviews_areas"):
        return user.reviews_areas
    user.reviews_areas = Area.reviewers.through.objects.filter(user_id=user.pk).exists()
    return user.reviews_areas


def is_owner_or_sponsor(user, initiative: Initiative) -> bool:
    return user.pk is not None and user.pk in (initiative.owner_id, initiative.sponsor_id)


def is_team_member(user, initiative: Initiative) -> bool:
    """The owner or one of the team (uses the team if it was prefetched)."""
    if user.pk is None:
        return False
    return user.pk == initiative.owner_id or any(m.pk == user.pk for m in initiative.team.all())


def gated_fields(initiative: Initiative) -> frozenset[str]:
    """The execution fields a gate has checked by the initiative's (working) stage."""
    stage = initiative.working_stage
    return frozenset(field for field, stages in GATED_FROM.items() if stage in stages)


def editable_fields(user, initiative: Initiative) -> frozenset[str]:
    """The initiative fields this user may change now.

    A gated field (`gated_fields`) is a reviewer's, and only with a reason (checked by
    the service); a closed initiative (completed, cancelled, rejected) has no other."""
    reviewer = reviews(user, initiative)
    gated = gated_fields(initiative) if reviewer else frozenset()
    if initiative.stage in CLOSED_STAGES:
        return gated
    if is_admin(user):
        return frozenset((*IDEA_FIELDS, *TRIAGE_FIELDS, *EXECUTION_FIELDS))
    fields = set()
    if user.pk == initiative.submitted_by_id and initiative.stage == Stage.SUBMITTED:
        fields.update(IDEA_FIELDS)
    if reviewer:
        fields.update(TRIAGE_FIELDS)
        if initiative.stage in INTAKE_STAGES:
            fields.update(IDEA_FIELDS)
    if is_owner_or_sponsor(user, initiative):
        fields.update(EXECUTION_FIELDS)
    return frozenset(fields - gated_fields(initiative) | gated)


def is_closed(initiative: Initiative) -> bool:
    return initiative.stage in CLOSED_STAGES


def can_record(user, initiative: Initiative) -> bool:
    """Add and edit targets and measurements."""
    return is_admin(user) or is_team_member(user, initiative)


def can_move(user, initiative: Initiative, *, triage: bool) -> bool:
    """Triage moves are reviewers'; stage moves are the owner's, sponsor's or a reviewer's."""
    if reviews(user, initiative):
        return True
    return not triage and is_owner_or_sponsor(user, initiative)
