from django.urls import path

from problem_solving import views

app_name = "problem_solving"

urlpatterns = [
    path("initiatives/<int:pk>/a3/", views.a3, name="a3"),
    path("initiatives/<int:pk>/a3.pdf", views.a3_pdf, name="a3_pdf"),
    path("initiatives/<int:pk>/five-whys/", views.five_why_add, name="five_why_add"),
    path("five-whys/<int:pk>/", views.five_why_edit, name="five_why_edit"),
    path("five-whys/<int:pk>/delete/", views.five_why_delete, name="five_why_delete"),
    path("initiatives/<int:pk>/causes/", views.cause_add, name="cause_add"),
    path("causes/<int:pk>/", views.cause_edit, name="cause_edit"),
    path("causes/<int:pk>/delete/", views.cause_delete, name="cause_delete"),
]
