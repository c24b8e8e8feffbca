from improvement.models import Notification


def notifications(request):
    """The unread count for the navigation bar. The authentication backend loads it with
    the user (config.auth); a user loaded otherwise costs one indexed COUNT."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread = getattr(user, "unread_notifications", None)
    if unread is None:
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {"unread_count": unread}
