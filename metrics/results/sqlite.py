"""SQLite support for the statistics aggregates.

Django computes VAR_SAMP on SQLite in Python with `statistics.variance`, which raises on
fewer than two values, failing the whole query; PostgreSQL returns NULL. This replaces it
on every SQLite connection with the PostgreSQL behaviour."""

import statistics

from django.db.backends.signals import connection_created
from django.dispatch import receiver


class VarSamp:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.variance(self.values) if len(self.values) >= 2 else None


@receiver(connection_created)
def register_aggregates(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("VAR_SAMP", 1, VarSamp)
