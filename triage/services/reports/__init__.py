"""Manager reports (issue 10): aggregates from SQL, never identities.

- `definitions`: the figures' definitions and their version, the settings, date ranges;
- `timeliness`, `marac_performance`, `safelives_return`: one report each;
- `percentiles`: continuous percentiles in the database (PostgreSQL and SQLite alike);
- `suppression`: small counts as "<5" on screen and in files (never in JSON);
- `tables`, `exports`: the reports as rows, written as CSV or XLSX and audited;
- `charts`: accessible SVG charts rendered on the server;
- `working_hours`: the stored working hours of each offer, filled or refreshed.
"""
