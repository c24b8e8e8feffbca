"""Authentication backend: Django's ModelBackend, except that the signed-in user is
loaded in one query together with their unread-notification count (base.html's
navigation shows it; improvement.context_processors), whether they may triage
(`roles.is_reviewer`, which nearly every page asks) and their language
(accounts.middleware). Every other permission check is
Django's own. Users signed in with OpenID Connect are loaded by the same `get_user`
(accounts.oidc.OIDCBackend uses it).

It stays because it pays, measured with `make bench` (bench/README.md, "Speed tricks
measured"): without it the dashboard, initiative and matrix pages make three queries
more (Django's COUNT and its two permission queries), the initiative page 13, over the
target of 10, and their p95 ÷ floor rose by a third or more. Remove it when a
measurement says it no longer does."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Profile
from improvement import visibility
from improvement.models import Area
from improvement.roles import TRIAGE_PERMISSION


class ModelBackend(DjangoModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        # LOCAL_PASSWORD_LOGIN off: no password signs anyone in, whichever way it comes
        # (the login pages and the token endpoint refuse it before it gets here).
        if not settings.LOCAL_PASSWORD_LOGIN:
            return None
        return super().authenticate(request, username, password, **kwargs)

    def get_user(self, user_id):
        app_label, codename = TRIAGE_PERMISSION.split(".")
        triage = Permission.objects.filter(
            Q(user=OuterRef("pk")) | Q(group__user=OuterRef("pk")),
            content_type__app_label=app_label,
            codename=codename,
        )

        unread = (
            visibility.unread_notifications(user_id)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        # The language the person chose (accounts.middleware activates it); "" or None:
        # the browser's.
        language = Profile.objects.filter(user=OuterRef("pk")).values("language")[:1]
        user = (
            get_user_model()
            ._default_manager.annotate(
                unread_notifications=Coalesce(Subquery(unread), 0),
                may_triage=Exists(triage),
                # Whether their triage is scoped to areas (improvement.roles.reviews).
                reviews_areas=Exists(Area.reviewers.through.objects.filter(user_id=OuterRef("pk"))),
                preferred_language=Subquery(language),
            )
            .filter(pk=user_id)
            .first()
        )
        return user if self.user_can_authenticate(user) else None

    def has_perm(self, user_obj, perm, obj=None):
        # Answered from what get_user loaded, when it did; anything else as usual.
        if perm == TRIAGE_PERMISSION and obj is None and hasattr(user_obj, "may_triage"):
            return user_obj.is_active and (user_obj.is_superuser or user_obj.may_triage)
        return super().has_perm(user_obj, perm, obj)
