"""Bulk UPDATE by primary key, the counterpart of people/fastinsert.py's insert_rows.

Django's bulk_update builds one CASE WHEN per field per batch, which costs seconds for tens of thousands of
rows; a full re-import can touch every elector (register order, markers). Here: one prepared UPDATE run with
executemany on SQLite, and COPY into a temporary table + one UPDATE … FROM on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

# Value conversion is the same as for inserts; reuse it rather than keep a second copy in step.
from groundswell.people.fastinsert import _converter

CHUNK = 900  # ids per IN (...) list: under SQLite's bound-parameter limit on every build


def chunked(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """UPDATE rows given as (pk, value1, value2, …) tuples in `fields` order. Returns the number of rows."""
    if not rows:
        return 0
    columns = [model._meta.get_field(name) for name in fields]
    converters = [(i + 1, c) for i, c in enumerate(_converter(f) for f in columns) if c is not None]
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    quoted = [connection.ops.quote_name(f.column) for f in columns]

    def converted() -> Iterable[Sequence[Any]]:
        for row in rows:
            if converters:
                row = list(row)
                for i, convert in converters:
                    row[i] = convert(row[i])
            yield row

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            temp = f"_upd_{uuid.uuid4().hex[:12]}"
            types = ", ".join(
                f"{q} {f.db_type(connection).replace('serial', 'integer')}"
                for q, f in zip(quoted, columns, strict=True)
            )
            pk_type = "bigint"
            cursor.execute(f"CREATE TEMP TABLE {temp} (_pk {pk_type}, {types})")
            with cursor.copy(f"COPY {temp} (_pk, {', '.join(quoted)}) FROM STDIN") as copy:
                for row in converted():
                    copy.write_row(row)
            assignments = ", ".join(f"{q} = u.{q}" for q in quoted)
            cursor.execute(f"UPDATE {table} SET {assignments} FROM {temp} u WHERE {table}.{pk} = u._pk")  # noqa: S608
            cursor.execute(f"DROP TABLE {temp}")
        else:
            assignments = ", ".join(f"{q} = %s" for q in quoted)
            sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - names from model meta
            cursor.executemany(sql, [(*row[1:], row[0]) for row in converted()])
    return len(rows)
