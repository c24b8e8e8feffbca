"""This app's API routes, mounted under /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from actions import api

router = SimpleRouter()
router.register("actions", api.ActionViewSet, basename="action")

urlpatterns = [
    path(
        "initiatives/<int:pk>/actions/",
        api.InitiativeActionsView.as_view(),
        name="initiative-actions",
    ),
    *router.urls,
]
