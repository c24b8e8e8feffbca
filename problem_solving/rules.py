"""Who may change an initiative's root-cause analysis (its 5-whys and fishbone), written
once for the services, the pages and the API.

The analysis is the owner's and the team's work, like the root cause itself: the owner,
the sponsor, the team, reviewers and administrators may change it while the initiative
is open. Once the Analyze → Improve gate has passed, the analysis is the evidence it
checked (improvement.roles.gated_fields): from then on only a reviewer changes it, with
a reason. A closed initiative (completed, cancelled, rejected) is read-only.
"""

from improvement import roles
from improvement.models import Initiative


def is_gated(initiative: Initiative) -> bool:
    """The root-cause gate has checked this analysis (Improve, Control, or on hold from
    there): a change is a reviewer's correction and needs a reason."""
    return "root_cause" in roles.gated_fields(initiative)


def can_edit(user, initiative: Initiative) -> bool:
    """May add, change or delete this initiative's 5-whys and causes now."""
    if not user.is_authenticated or roles.is_closed(initiative):
        return False
    if roles.reviews(user, initiative):  # administrators too
        return True
    if is_gated(initiative):
        return False
    return roles.is_owner_or_sponsor(user, initiative) or roles.is_team_member(user, initiative)
