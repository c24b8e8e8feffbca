from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from improvement.views import help_page, ideas, initiative, matrix, pages, preferences, recording

app_name = "improvement"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("my-work/", pages.my_work, name="my_work"),
    path("notifications/", pages.notifications, name="notifications"),
    path("notifications/read/", pages.notifications_read, name="notifications_read"),
    path("ideas/new/", ideas.idea_new, name="idea_new"),
    path("ideas/similar/", ideas.similar_ideas, name="similar_ideas"),
    path("initiatives/", ideas.initiative_list, name="initiatives"),
    path("board/", ideas.board, name="board"),
    path("matrix/", matrix.matrix, name="matrix"),
    path("matrix/<int:pk>/score/", matrix.rescore, name="rescore"),
    path("initiatives/<int:pk>/", initiative.detail, name="initiative"),
    path("initiatives/<int:pk>/move/", initiative.move, name="move"),
    path("initiatives/<int:pk>/triage/", initiative.triage, name="triage"),
    path("initiatives/<int:pk>/decide/", initiative.decide, name="decide"),
    path("initiatives/<int:pk>/execution/", initiative.execution, name="execution"),
    path("initiatives/<int:pk>/support/", initiative.support, name="support"),
    path("initiatives/<int:pk>/comments/", initiative.comment, name="comment"),
    path("initiatives/<int:pk>/targets/", recording.target_add, name="target_add"),
    path("initiatives/<int:pk>/targets/new/", recording.target_form, name="target_form"),
    path("targets/<int:pk>/record/", recording.recording_forms, name="recording_forms"),
    path("targets/<int:pk>/measurements/", recording.measurement_add, name="measurement_add"),
    path(
        "targets/<int:pk>/measurements/bulk/",
        recording.measurement_bulk,
        name="measurement_bulk",
    ),
    path("targets/<int:pk>/edit/", recording.target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", recording.target_delete, name="target_delete"),
    path("measurements/<int:pk>/edit/", recording.measurement_edit, name="measurement_edit"),
    path("measurements/<int:pk>/delete/", recording.measurement_delete, name="measurement_delete"),
    path(
        "notifications/settings/",
        preferences.notification_settings,
        name="notification_settings",
    ),
    path(
        "settings/language/",
        preferences.language_settings,
        name="language_settings",
    ),
    path("help/", help_page.help_page, name="help"),
    # Browsers ask for /favicon.ico on their own (a bookmark, a tab restored, a page
    # without <link rel="icon">): to the SVG the pages name, signed in or not. Its URL is
    # looked up per request: once collectstatic has run it carries the file's hash.
    path(
        "favicon.ico",
        login_not_required(
            RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=False)
        ),
        name="favicon",
    ),
]
