"""This app's API routes, mounted under /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from attachments import api

router = SimpleRouter()
router.register("attachments", api.AttachmentViewSet, basename="attachment")

urlpatterns = [
    path(
        "initiatives/<int:pk>/attachments/",
        api.InitiativeAttachmentsView.as_view(),
        name="initiative-attachments",
    ),
    *router.urls,
]
