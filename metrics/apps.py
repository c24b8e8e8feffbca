from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics and results"

    def ready(self):
        from metrics.results import sqlite  # noqa: F401 - connects the SQLite aggregate fix
