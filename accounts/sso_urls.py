"""Single sign-on (OpenID Connect): where the browser starts and where the provider sends
it back. The names are mozilla-django-oidc's, which its views reverse."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("authenticate/", views.AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("callback/", views.CallbackView.as_view(), name="oidc_authentication_callback"),
]
