from django.apps import AppConfig


class ProblemSolvingConfig(AppConfig):
    name = "problem_solving"
    verbose_name = "Problem solving and the A3"
