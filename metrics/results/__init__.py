"""Realized results, computed from data. `samples` reads every eligible target's before
and after samples (and control-stage series) in a fixed number of statements;
`figures` turns them into improvement, progress, Welch's test and the status, for many
targets at once; `compute` is the job's service, `compute_results()`, adding the control
charts and saving the rows; `postgresql` and `pgarrays` are PostgreSQL's fast path for
reading the samples and writing the rows (the ORM path serves every other database,
with `sqlite` giving SQLite PostgreSQL's VAR_SAMP); `sustainment` is the backsliding
watch after completion. The statistics themselves are metrics.stats (pure, no Django).
"""
