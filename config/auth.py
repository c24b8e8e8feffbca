"""Authentication backend: Django's ModelBackend with two savings on every page:
the signed-in user is loaded together with their unread-notification count (the
navigation bar shows it), and their permissions in one query instead of two (user and
group permissions), since almost every page checks whether the user is a reviewer."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        from improvement.models import Notification

        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        user = (
            get_user_model()
            ._default_manager.annotate(unread_notifications=Coalesce(Subquery(unread), 0))
            .filter(pk=user_id)
            .first()
        )
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                ).distinct()
            }
        return user_obj._perm_cache
