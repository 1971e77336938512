"""The same-machine baselines for `make bench`: the least a Flask + SQLAlchemy app can do
under the same gunicorn set-up, on the same database.

- `POST /insert`: parse the JSON body, insert one row, commit (the intake's floor);
- `GET /table`: render a 200-row Jinja table (the pages' floor); `/table?rows=N` renders N
  rows, the same-size baseline of a list page of N rows.

Run by bench.py as `gunicorn benchmarks.baseline_app:app` with BENCH_DATABASE_URL set.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, render_template_string, request
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, create_engine

metadata = MetaData()
rows = Table(
    "bench_baseline_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(50)),
    Column("body", JSON),
    Column("created_at", DateTime(timezone=True)),
)
TABLE = """<!doctype html><html lang="en"><head><title>Baseline</title></head><body>
<table><thead><tr><th>Reference</th><th>Received</th><th>Risk</th><th>Status</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.reference }}</td><td>{{ row.received }}</td>
<td>{{ row.risk }}</td><td>{{ row.status }}</td></tr>{% endfor %}</tbody></table></body></html>"""


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_pre_ping=False)
    metadata.create_all(engine)

    def listing(count: int) -> list[dict[str, str]]:
        return [
            {"reference": f"R{n:06d}", "received": "1 Dec 2026 09:00", "risk": "High",
             "status": "Due"}
            for n in range(count)
        ]  # fmt: skip

    @app.post("/insert")
    def insert():
        body = request.get_json()
        with engine.begin() as conn:
            conn.execute(
                rows.insert(),
                {
                    "reference": body.get("police_reference"),
                    "body": body,
                    "created_at": datetime.now(UTC),
                },
            )
        return {"ok": True}, 201

    @app.get("/table")
    def table():
        count = min(max(request.args.get("rows", 200, type=int), 1), 100_000)
        return render_template_string(TABLE, rows=listing(count))

    return app


app = create_app() if "BENCH_DATABASE_URL" in os.environ else None
