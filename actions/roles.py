"""Who may do what to action items, on top of improvement.roles.

Everyone who can see an initiative sees its action items (improvement.visibility).
Creating, assigning and editing them is for the initiative's owner and team, and for
its reviewers and administrators; ticking one off (done or cancelled, or
undoing that) is for them and for its assignee.
"""

from improvement import roles
from improvement.models import Initiative


def can_manage(user, initiative: Initiative) -> bool:
    """Add, assign and edit the initiative's action items. (`is_reviewer` is True for
    every active superuser too; `is_team_member` counts the owner and uses the team if
    it was prefetched.)"""
    return roles.reviews(user, initiative) or roles.is_team_member(user, initiative)


def can_tick(user, action, initiative: Initiative) -> bool:
    """Mark the action done or cancelled, or open again."""
    return (user.pk is not None and user.pk == action.assignee_id) or can_manage(user, initiative)
