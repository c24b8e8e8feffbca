"""Demo data for `manage.py seed_demo`: `data` is the data set, `builder` writes it."""

from improvement.demo.builder import seed_demo
from improvement.demo.data import DEMO_PASSWORD, IDEAS, USERS, DemoDataError

__all__ = ["DEMO_PASSWORD", "IDEAS", "USERS", "DemoDataError", "seed_demo"]
