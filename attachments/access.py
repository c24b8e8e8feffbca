"""Who may see, add and delete attachments — the rules of improvement.roles, applied to
files. Every path (the web pages, the API, the downloads, the admin) asks these.

Seeing: whoever may see the initiative — improvement.visibility's one rule (a private
area's initiatives only for its members, reviewers and administrators). Every attachment
path answers 404 for an initiative it says no to, as if it did not exist.
Adding: whoever may see the initiative and comment on it — anyone who sees it, at any
stage (a closed initiative still takes comments).
Deleting: the uploader, the initiative's owner, its reviewers and administrators.

`seen=True`: the caller has already read the initiative through
improvement.visibility (the initiative page's panel), so it is not asked again.
"""

from improvement import roles, visibility


def can_see(user, initiative) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return visibility.can_see(user, initiative)


def can_attach(user, initiative, *, seen: bool = False) -> bool:
    return seen or can_see(user, initiative)


def can_delete(user, attachment, *, seen: bool = False) -> bool:
    initiative = attachment.initiative
    if not (seen or can_see(user, initiative)):
        return False
    if user.pk in (attachment.uploaded_by_id, initiative.owner_id):
        return True
    return roles.reviews(user, initiative)
