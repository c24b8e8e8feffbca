"""This app's API routes, mounted under /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from problem_solving import api

router = SimpleRouter()
router.register("five-whys", api.FiveWhyViewSet, basename="five-why")
router.register("causes", api.CauseViewSet, basename="cause")

urlpatterns = [
    path(
        "initiatives/<int:pk>/five-whys/",
        api.InitiativeFiveWhysView.as_view(),
        name="initiative-five-whys",
    ),
    path(
        "initiatives/<int:pk>/causes/",
        api.InitiativeCausesView.as_view(),
        name="initiative-causes",
    ),
    *router.urls,
]
