"""The admin for numbers. `records`: the KPI catalog, targets, measurements, results and
signal alerts, with the measurement import page (`import_page`); `desk`: the quarterly
review desk, where reviewers validate benefits, mark rows reviewed and export; `close`:
closing a quarter; `reopen`: reopening one (administrators); `filters`: the desk's list
filters. Every change goes through the services (metrics.services,
metrics.ledger.review); nothing here writes a figure.

Django's admin autodiscovery imports this package; importing the modules registers them.
"""

from metrics.admin import close, desk, records, reopen

__all__ = ["close", "desk", "records", "reopen"]
