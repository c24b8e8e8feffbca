"""Who may see, add and delete attachments — the rules of improvement.roles, applied to
files. Every path (the web pages, the API, the downloads, the admin) asks these.

Seeing: whoever may see the initiative. Today that is every active signed-in person
(improvement.roles: ideas are public inside the organisation); `can_see` is the one
place to narrow when initiatives stop being visible to all (restricted areas), and
every attachment path answers 404 for an initiative it says no to, as if it did not
exist.
Adding: whoever may see the initiative and comment on it — anyone who sees it, at any
stage (a closed initiative still takes comments).
Deleting: the uploader, the initiative's owner, reviewers and administrators.
"""

from improvement import roles


def can_see(user, initiative) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_attach(user, initiative) -> bool:
    return can_see(user, initiative)


def can_delete(user, attachment) -> bool:
    initiative = attachment.initiative
    if not can_see(user, initiative):
        return False
    return user.pk in (attachment.uploaded_by_id, initiative.owner_id) or roles.is_reviewer(user)
