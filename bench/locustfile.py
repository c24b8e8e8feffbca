"""Load test scenario: people using the web pages and integrations using the API, mixed
reads and writes. `make load` (bench/load.py) prepares a copy of a benchmark database, its
users and gunicorn, then runs

    locust -f bench/locustfile.py --headless -u 50 -r 10 -t 2m --host http://127.0.0.1:PORT

with BENCH_LOAD_USERS naming the JSON file of people it wrote (`bench.fixtures.load_users`:
each the owner of initiatives of its own, with a session and an API token). Each simulated
user takes the next person, so with no more users than people no two share initiatives,
and a move never races another.

- Browser (3 in 5): the dashboard, the initiatives list, initiative pages, the matrix;
  submits ideas through the web form (with its CSRF token); puts one of its initiatives
  on hold and resumes it through the move form.
- Integration (2 in 5): API lists, backlog, matrix, one initiative and `/api/me/` (the
  floor); submits ideas; posts measurements to its own targets, each at a timestamp of its
  own; holds and resumes its initiatives through the transition endpoint.

Every response is checked for the status it should have (a page must be a 200, not a
redirect to the login page), so "0 failures" means every request did what it meant to.
Think time between tasks: BENCH_LOAD_WAIT seconds, "min,max" (default "1,2").
"""

import datetime as dt
import itertools
import json
import os
import random
import sys
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.server import csrf_token, keep_over_http

SETUP = json.loads(Path(os.environ["BENCH_LOAD_USERS"]).read_text())
PEOPLE = SETUP["people"]
BROWSE = SETUP["browse"]  # initiative ids to open, every stage
AREA = SETUP["area"]
PAGES = SETUP["pages"]  # of the API's initiative list
STAGE_PAGES = SETUP["stage_pages"]  # of the list filtered by stage, per stage
PILLARS = ["financial", "operational", "customer", "innovation"]
WAIT = tuple(float(s) for s in os.environ.get("BENCH_LOAD_WAIT", "1,2").split(","))
TIMEOUT = 60

_people = itertools.count()
# Measurements one second apart from a start after every generated point: no two share a
# timestamp, so none is refused as a duplicate (gevent runs one greenlet at a time).
_clock = itertools.count()
FIRST_READING = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)


class Person(HttpUser):
    abstract = True
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        self.me = PEOPLE[next(_people) % len(PEOPLE)]
        # The stage each initiative resumes to; `held` while it is on hold.
        self.mine = [dict(i, held=False) for i in self.me["initiatives"]]

    def next_move(self) -> tuple[dict, str]:
        initiative = random.choice(self.mine)
        return initiative, initiative["stage"] if initiative["held"] else "on_hold"

    def idea(self) -> dict:
        return {
            "title": f"Load test idea from {self.me['username']} #{random.randrange(10**6)}",
            "problem_statement": "Found while testing under load.",
            "proposed_change": "Change the process.",
            "area": AREA,
            "pillar": random.choice(PILLARS),
        }


class Browser(Person):
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.client.cookies.set("sessionid", self.me["session"])

    def page(self, path: str, name: str) -> str:
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True, timeout=TIMEOUT
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
        # The CSRF cookie is Secure, as in production; this is plain http.
        keep_over_http(self.client.cookies)
        return response.text

    def post_form(self, path: str, name: str, data: dict, *, expect_location: str) -> bool:
        with self.client.post(
            path, data=data, name=name, allow_redirects=False, catch_response=True,
            timeout=TIMEOUT,
        ) as response:  # fmt: skip
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not location.startswith(expect_location):
                response.failure(f"HTTP {response.status_code} to {location!r}")
                return False
        return True

    @task(4)
    def dashboard(self) -> None:
        self.page("/", "page /")

    @task(2)
    def initiatives(self) -> None:
        self.page(f"/initiatives/?page={random.randint(1, 5)}", "page /initiatives/?page=[n]")

    @task(5)
    def initiative(self) -> None:
        pk = random.choice(BROWSE) if random.random() < 0.7 else random.choice(self.mine)["id"]
        self.page(f"/initiatives/{pk}/", "page /initiatives/[id]/")

    @task(1)
    def matrix(self) -> None:
        self.page("/matrix/", "page /matrix/")

    @task(1)
    def submit_idea(self) -> None:
        form = self.page("/ideas/new/", "page /ideas/new/")
        data = {**self.idea(), "csrfmiddlewaretoken": csrf_token(form)}
        self.post_form("/ideas/new/", "submit idea (form)", data, expect_location="/initiatives/")

    @task(1)
    def move(self) -> None:
        initiative, to = self.next_move()
        path = f"/initiatives/{initiative['id']}/"
        form = self.page(path, "page /initiatives/[id]/")
        data = {"to": to, "note": "", "csrfmiddlewaretoken": csrf_token(form)}
        name = "resume (form)" if initiative["held"] else "hold (form)"
        if self.post_form(f"{path}move/", name, data, expect_location=path):
            initiative["held"] = not initiative["held"]


class Integration(Person):
    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.headers = {"Authorization": f"Token {self.me['token']}"}

    def api(self, method: str, path: str, name: str, expect: int, **kwargs) -> bool:
        with self.client.request(
            method, path, name=name, headers=self.headers, allow_redirects=False,
            catch_response=True, timeout=TIMEOUT, **kwargs,
        ) as response:  # fmt: skip
            if response.status_code != expect:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return False
        return True

    @task(1)
    def me(self) -> None:
        self.api("GET", "/api/me/", "GET /api/me/", 200)

    @task(3)
    def initiatives(self) -> None:
        if random.random() < 0.5:
            stage = random.choice(list(STAGE_PAGES))
            page = random.randint(1, STAGE_PAGES[stage])
            self.api("GET", f"/api/initiatives/?stage={stage}&page={page}",
                     "GET /api/initiatives/?stage=[s]&page=[n]", 200)  # fmt: skip
        else:
            page = random.randint(1, PAGES)
            self.api("GET", f"/api/initiatives/?page={page}", "GET /api/initiatives/?page=[n]", 200)

    @task(2)
    def initiative(self) -> None:
        pk = random.choice(BROWSE)
        self.api("GET", f"/api/initiatives/{pk}/", "GET /api/initiatives/[id]/", 200)

    @task(1)
    def backlog(self) -> None:
        self.api("GET", "/api/backlog/", "GET /api/backlog/", 200)

    @task(1)
    def matrix(self) -> None:
        self.api("GET", "/api/matrix/", "GET /api/matrix/", 200)

    @task(1)
    def submit_idea(self) -> None:
        self.api("POST", "/api/initiatives/", "POST /api/initiatives/", 201, json=self.idea())

    @task(4)
    def measurement(self) -> None:
        target = random.choice(self.me["targets"])
        observed_at = FIRST_READING + dt.timedelta(seconds=next(_clock))
        baseline = target["baseline"] if target["baseline"] is not None else 50.0
        body = {"target": target["id"], "observed_at": observed_at.isoformat()}
        if target["proportion"]:
            body |= {"value": min(1.0, max(0.0, random.gauss(baseline, 0.02))), "sample_size": 200}
        else:
            body |= {"value": random.gauss(baseline, abs(baseline) * 0.05 + 0.1)}
        self.api("POST", "/api/measurements/", "POST /api/measurements/", 201, json=body)

    @task(1)
    def move(self) -> None:
        initiative, to = self.next_move()
        name = "POST transition resume" if initiative["held"] else "POST transition hold"
        path = f"/api/initiatives/{initiative['id']}/transition/"
        if self.api("POST", path, name, 200, json={"to": to}):
            initiative["held"] = not initiative["held"]
