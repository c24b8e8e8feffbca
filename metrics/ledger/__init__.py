"""The quarterly ledger: one row per initiative and quarter with the primary target's
figures over that quarter and a computed benefit. `rollup` writes the rows from the data
(and locks a quarter); `review` is what reviewers do to them — validate a benefit, mark
rows reviewed, queue a recomputation, close the quarter; `reports` compares estimated
with validated benefits; `exports` writes the rows as CSV or XLSX. A closed quarter is
never rewritten.
"""
