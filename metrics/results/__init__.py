"""Realized results, computed from data. `samples` reads every eligible target's before
and after samples (and control-stage series) in a fixed number of statements and
summarises them; `figures` turns them into the reference, improvement and its interval,
progress, the test and the status, for many targets at once; `compute` is the job's
service, `compute_results()`, adding the control charts and saving the rows;
`postgresql` and `pgarrays` are PostgreSQL's fast path for reading the samples and
writing the rows (the ORM path serves every other database); `sustainment` is the
backsliding watch after completion. The statistics themselves are metrics.stats (pure,
no Django).
"""
