from improvement import visibility


def notifications(request):
    """The unread count for the navigation bar. The authentication backend loads it with
    the user (config.auth); a user loaded otherwise costs one COUNT. Neither counts what the
    list leaves out (notifications about an initiative the person may no longer see)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread = getattr(user, "unread_notifications", None)
    if unread is None:
        unread = visibility.unread_notifications(user.pk).count()
    return {"unread_count": unread}
