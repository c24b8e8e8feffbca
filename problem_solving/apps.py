from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemSolvingConfig(AppConfig):
    name = "problem_solving"
    verbose_name = _("Problem solving and the A3")
