"""Scale data and benchmarks. They run on PostgreSQL only, in a database of their own
(`improvement_bench` unless told otherwise), never in the one DATABASE_URL names.

    python -m bench.generate --initiatives 1000     # just the data set
    python -m bench.results_bench                   # data set + results benchmark
"""
