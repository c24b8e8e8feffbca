"""Where a request's time goes, and which SQL it sends: the HTTP benchmark's tools for
an endpoint that misses a target (`bench.http_bench`). In process, after Django is set up.
"""

import collections
import contextlib
import cProfile
import pstats
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_CHARS = 100


def describe_sql(sql: str) -> str:
    """The statement's first SQL_CHARS characters and, when its FROM comes later (a long
    column list), the first SQL_CHARS from the FROM on: which table, joins and filter."""
    sql = " ".join(sql.split())
    at = main_from(sql)
    head = sql[:SQL_CHARS]
    if at > SQL_CHARS:
        return f"{head} … {sql[at + 1 : at + 1 + SQL_CHARS]}"
    return head


def main_from(sql: str) -> int:
    """Where the statement's own FROM is: outside parentheses and quotes (a subquery in
    the column list has one of its own), else the first FROM."""
    depth, quote = 0, ""
    for i, char in enumerate(sql):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and sql.startswith(" FROM ", i):
            return i
    return sql.find(" FROM ")


def profile(request: Callable[[], object], *, repeat: int = 10) -> dict:
    """Where the time of `request()` (one request through Django's test client) goes,
    per request over `repeat` runs after a warm-up one. Without the profiler: wall time,
    each statement's time (the slowest one explained), each template's render time. Then
    cProfile's own-time and project-cumulative tops (inflated by the profiler: compare
    them with each other)."""
    from django.db import connection

    request()
    statements: list[tuple[str, object, float]] = []

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((sql, params, (time.perf_counter() - start) * 1000))

    with connection.execute_wrapper(timer), template_times() as templates:
        start = time.perf_counter()
        for _ in range(repeat):
            request()
        wall = (time.perf_counter() - start) * 1000 / repeat
    per_sql: dict[str, list] = {}
    for sql, params, ms in statements:
        per_sql.setdefault(sql, [params, 0.0])[1] += ms / repeat
    slowest = sorted(per_sql.items(), key=lambda item: item[1][1], reverse=True)[:5]
    plan = []
    (sql, (params, ms)), *_ = slowest
    if ms >= 5 and sql.lstrip().upper().startswith("SELECT"):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = [row[0] for row in cursor.fetchall()]

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        request()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    rows = [(where(func), nc, tt * 1000 / repeat, ct * 1000 / repeat)
            for func, (_, nc, tt, ct, _) in stats.items()]  # fmt: skip
    project = [r for r in rows if not r[0].startswith(("site-packages", "python", "<", "bench/"))]
    return {
        "wall_ms": wall,
        "sql_ms": sum(ms for *_, ms in statements) / repeat,
        "slowest_sql": [{"ms": ms, "sql": describe_sql(sql)} for sql, (_, ms) in slowest],
        "plan": plan,
        "templates": [
            {"template": name, "renders": n // repeat, "ms": seconds * 1000 / repeat}
            for name, (n, seconds) in sorted(
                templates.items(), key=lambda item: item[1][1], reverse=True
            )[:8]
        ],
        "own_time": [
            {"function": f, "calls": nc // repeat, "own_ms": tt}
            for f, nc, tt, _ in sorted(rows, key=lambda r: r[2], reverse=True)[:10]
        ],
        "project_cumulative": [
            {"function": f, "calls": nc // repeat, "cumulative_ms": ct}
            for f, nc, _, ct in sorted(project, key=lambda r: r[3], reverse=True)[:10]
        ],
    }


@contextlib.contextmanager
def template_times():
    """{template name: [renders, seconds]}, inclusive of what it includes and of the SQL
    its lazy querysets run, while the block lasts."""
    from django.template.base import Template

    original = Template._render
    totals: dict[str, list] = collections.defaultdict(lambda: [0, 0.0])

    def timed(self, context):
        start = time.perf_counter()
        try:
            return original(self, context)
        finally:
            entry = totals[self.name or "<string>"]
            entry[0] += 1
            entry[1] += time.perf_counter() - start

    Template._render = timed
    try:
        yield totals
    finally:
        Template._render = original


def where(func: tuple) -> str:
    """`path:line(name)`, short: relative to the checkout, or from site-packages on."""
    filename, line, name = func
    if filename.startswith("~") or filename.startswith("<"):
        return f"<built-in>({name})"
    path = Path(filename)
    if "site-packages" in path.parts:
        short = "site-packages/" + "/".join(path.parts[path.parts.index("site-packages") + 1 :])
    elif path.is_relative_to(ROOT):
        short = str(path.relative_to(ROOT))
    else:
        short = f"python/{path.name}"
    return f"{short}:{line}({name})"
