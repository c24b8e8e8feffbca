"""Authentication backend: Django's ModelBackend with two savings on every page:
the signed-in user is loaded together with their unread-notification count (the
navigation bar shows it) and whether they may triage (almost every page asks), and
any other permission check loads all their permissions in one query instead of two
(user and group permissions)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

TRIAGE = "improvement.triage_initiative"


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        from improvement.models import Notification

        # Whether the user may triage, the one permission nearly every page asks about.
        triage = Permission.objects.filter(
            Q(user=OuterRef("pk")) | Q(group__user=OuterRef("pk")),
            content_type__app_label="improvement",
            codename="triage_initiative",
        )

        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        user = (
            get_user_model()
            ._default_manager.annotate(
                unread_notifications=Coalesce(Subquery(unread), 0), may_triage=Exists(triage)
            )
            .filter(pk=user_id)
            .first()
        )
        return user if self.user_can_authenticate(user) else None

    def has_perm(self, user_obj, perm, obj=None):
        # Answered from what get_user loaded, when it did; anything else as usual.
        if perm == TRIAGE and obj is None and hasattr(user_obj, "may_triage"):
            return user_obj.is_active and (user_obj.is_superuser or user_obj.may_triage)
        return super().has_perm(user_obj, perm, obj)

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
