"""Bulk writing for the synthetic data set: COPY on PostgreSQL (psycopg 3's `cursor.copy()`),
Core `insert()` with executemany in batches elsewhere; all in the caller's transaction.

Rows carry their own ids (the generator numbers them), so nothing is read back; the
PostgreSQL id sequences are moved past them at the end (`reset_sequences`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy.engine import Connection

BATCH = 5000


class BulkWriter:
    """Writes lists of row dicts into tables, fastest way the back end allows."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.written: dict[str, int] = {}

    def write(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.postgres:
            self._copy(table, rows)
        else:
            for start in range(0, len(rows), BATCH):
                self.connection.execute(insert(table), list(rows[start : start + BATCH]))
        self.written[table.name] = self.written.get(table.name, 0) + len(rows)

    def _copy(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        columns = list(rows[0])
        as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
        raw = self.connection.connection.driver_connection
        names = ", ".join(f'"{name}"' for name in columns)
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(
                    [
                        json.dumps(row[name], separators=(",", ":"))
                        if name in as_json and row[name] is not None
                        else row[name]
                        for name in columns
                    ]
                )

    def next_id(self, table: Table) -> int:
        return (self.connection.scalar(select(func.max(table.c.id))) or 0) + 1

    def reset_sequences(self, tables: Iterable[Table]) -> None:
        """PostgreSQL: the id sequences continue after the ids written here."""
        if not self.postgres:
            return
        for table in tables:
            after = self.next_id(table)
            self.connection.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n, false)"),
                {"t": table.name, "n": after},
            )
