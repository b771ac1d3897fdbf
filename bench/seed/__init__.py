"""A large, realistic MSP for benchmarks: `bench/run.py` builds one per scale; by hand,
`python bench/seed --agents 250 --clients 1000 --years 2` (see bench/README.md).

Deterministic: one seeded random stream, consumed in a fixed order, and a fixed end date give
the same rows every time. Fast: rows are written with explicit ids through `executemany` on
SQLite and COPY on PostgreSQL (`writer.py`), bypassing the ORM and the services (so no audit
rows), one transaction per week of work.

Time is generated week by week for every agent (`weeks.py`); each week's submissions are
written at once, and its entries wait in their month's bucket until the month is complete.
Then the month is invoiced when old enough (`invoices.py`), and invoices, lines, ledger rows,
entries and actions are written parent first, so every foreign key and check constraint holds
at every commit. People and clients come first (`people.py`, `clients.py`); `seeder.py` runs
it all.

A model that gains a column with a default or null needs no change here (`Writer` fills
columns it is not given from the field's default). Nothing in `src/` imports this package.
"""
