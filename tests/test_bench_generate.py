"""The benchmark generator's raw INSERTs write every column a fresh database requires, so
`make bench` does not break the next time a model gains a NOT NULL field."""

from bench import generate


def test_it_writes_every_column_without_a_default():
    assert generate.missing_columns() == []


def test_it_names_a_required_column_it_does_not_write(monkeypatch):
    monkeypatch.setattr(
        generate, "TARGET_COLUMNS", tuple(c for c in generate.TARGET_COLUMNS if c != "metric_id")
    )

    assert generate.missing_columns() == ["metrics_target.metric_id"]


def test_it_leaves_a_column_with_a_database_default_to_the_database(monkeypatch):
    monkeypatch.setattr(
        generate,
        "TARGET_COLUMNS",
        tuple(c for c in generate.TARGET_COLUMNS if c != "latest_status"),
    )

    assert generate.missing_columns() == []
