from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from accounts import views as accounts_views
from config.api import APIDocsView
from improvement import api as improvement_api
from metrics import api as metrics_api

router = DefaultRouter()
router.register("users", improvement_api.UserViewSet, basename="user")
router.register("areas", improvement_api.AreaViewSet)
router.register("initiatives", improvement_api.InitiativeViewSet, basename="initiative")
router.register("metrics", metrics_api.MetricViewSet)
router.register("targets", metrics_api.TargetViewSet)
router.register("measurements", metrics_api.MeasurementViewSet)
router.register("quarterly-results", metrics_api.QuarterlyResultViewSet, basename="quarterlyresult")

api_urlpatterns = [
    path("auth/token/", accounts_api.ObtainTokenView.as_view(), name="api-token"),
    path("auth/tokens/", accounts_api.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<str:key>/", accounts_api.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("auth/logout/", accounts_api.LogoutView.as_view(), name="api-logout"),
    path(
        "initiatives/<int:pk>/targets/",
        metrics_api.InitiativeTargetsView.as_view(),
        name="initiative-targets",
    ),
    path(
        "initiatives/<int:pk>/recompute/",
        metrics_api.RecomputeView.as_view(),
        name="initiative-recompute",
    ),
    path("me/", improvement_api.MeView.as_view(), name="me"),
    path("backlog/", improvement_api.BacklogView.as_view(), name="backlog"),
    path("matrix/", improvement_api.MatrixView.as_view(), name="matrix"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", APIDocsView.as_view(url_name="schema"), name="api-docs"),
    path("", include("actions.api_urls")),
    path("", include("attachments.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("problem_solving.api_urls")),
    path("", include(router.urls)),
]

urlpatterns = [
    # The admin's login, unless LOCAL_PASSWORD_LOGIN is off (then the login page's).
    path("admin/login/", accounts_views.admin_login),
    path("admin/", admin.site.urls),
    # Signing in and out, and changing one's own password. No self-service password reset:
    # a forgotten password is reset by an administrator (README, "Security"), so no
    # anonymous page sends mail or takes guesses.
    # With passwords and, when configured, single sign-on (accounts/views.py).
    path("accounts/login/", accounts_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts_views.LogoutView.as_view(), name="logout"),
    path("accounts/oidc/", include("accounts.sso_urls")),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("api/", include(api_urlpatterns)),
    path("", include("actions.urls")),
    path("", include("attachments.urls")),
    path("", include("campaigns.urls")),
    path("", include("problem_solving.urls")),
    path("", include("improvement.urls")),
]

# 404s under /api/ in JSON, like the rest of the API's errors.
handler404 = "config.api.not_found"
