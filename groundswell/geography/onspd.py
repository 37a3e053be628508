"""Streaming import of the ONS Postcode Directory (ONSPD) CSV into the Postcode table.

The directory has ~2.7 million rows and its column names change between releases (pcon → pcon24cd,
osward → wd25cd, ...), so columns are found by pattern. The fast path never builds ORM objects: rows
go straight from the csv reader to PostgreSQL COPY or to SQLite executemany, inside one transaction
so a failed import leaves the previous data untouched.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from tqdm import tqdm

from .models import POSTCODE_COLUMNS, Postcode
from .postcodes import InvalidPostcode, normalise_postcode

# ONSPD codes missing coordinates as latitude 99.999999 / longitude 0.000000.
_NO_LATITUDE = 99.999999
_CODE_MAX = 12
_BATCH = 20_000  # SQLite rows per executemany; also how often the progress bar moves
_SQLITE_CACHE_KIB = 256 * 1024  # page cache while importing (see _write_sqlite)

# (field, exact names in order of preference, pattern for release-stamped names, description)
_COLUMNS: list[tuple[str, tuple[str, ...], str | None]] = [
    ("postcode", ("pcds", "pcd", "pcd7", "pcd8", "pcd2"), None),
    ("lat", ("lat", "latitude"), None),
    ("long", ("long", "lon", "longitude"), None),
    ("constituency", ("pcon",), r"pcon(\d*)cd"),
    ("ward", ("osward",), r"wd(\d*)cd"),
    ("local_authority", ("oslaua",), r"lad(\d*)cd"),
    ("country", ("ctry",), r"ctry(\d*)cd"),
    ("region", ("rgn",), r"rgn(\d*)cd"),
    ("terminated", ("doterm",), None),
]
_REQUIRED = ("postcode", "lat", "long", "constituency", "ward")


class PostcodeImportError(ValueError):
    pass


@dataclass
class ColumnMap:
    """Which header (and its position) supplies each field; None for an optional field the file lacks."""

    names: dict[str, str | None]
    positions: dict[str, int | None]
    width: int  # number of fields in the header, which every row must match


@dataclass
class PostcodeImportReport:
    source: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    missing_coordinates: int = 0
    terminated: int = 0
    columns: dict[str, str | None] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        used = ", ".join(f"{k}={v}" for k, v in self.columns.items() if v)
        return (
            f"{self.rows} postcodes from {self.source}: {self.inserted} new, {self.updated} changed, "
            f"{self.unchanged} unchanged; {self.missing_coordinates} without coordinates, "
            f"{self.terminated} terminated; {self.seconds:.1f}s ({self.rows_per_second:,.0f} rows/s). "
            f"Columns: {used}"
        )


def _describe(field_name: str) -> str:
    for name, exact, pattern in _COLUMNS:
        if name == field_name:
            options = list(exact) + ([pattern.replace(r"(\d*)", "NN")] if pattern else [])
            return f"{field_name} ({' or '.join(options)})"
    return field_name


def detect_columns(header: list[str], source: str = "the file") -> ColumnMap:
    """Map fields to columns by name; raise PostcodeImportError naming what is missing and what was found."""
    cleaned = [h.strip().strip('"').lower() for h in header]
    names: dict[str, str | None] = {}
    positions: dict[str, int | None] = {}
    for name, exact, pattern in _COLUMNS:
        choice: int | None = next((cleaned.index(e) for e in exact if e in cleaned), None)
        if choice is None and pattern:
            regex = re.compile(rf"^{pattern}$")
            matches = [(i, m) for i, h in enumerate(cleaned) if (m := regex.match(h))]
            if matches:
                # Several releases side by side (pcon10cd, pcon24cd): take the newest.
                choice = max(matches, key=lambda im: int(im[1].group(1) or -1))[0]
        names[name] = cleaned[choice] if choice is not None else None
        positions[name] = choice
    missing = [n for n in _REQUIRED if positions[n] is None]
    if missing:
        shown = ", ".join(h for h in cleaned if h) or "(nothing)"
        raise PostcodeImportError(
            f"{source}: not an ONS Postcode Directory file: missing required column(s) "
            f"{'; '.join(_describe(m) for m in missing)}. Found: {shown}"
        )
    return ColumnMap(names=names, positions=positions, width=len(header))


def _clean_code(value: str) -> str:
    value = value.strip()
    # ONS "pseudo codes" such as E99999999 mean "none": store blank so lookups fall back to coordinates.
    return "" if value.endswith("99999999") else value


def _rows(
    reader: Any, columns: ColumnMap, source: str, report: PostcodeImportReport, tick: Callable[[], None]
) -> Iterator[tuple]:
    """Yield (postcode, lat, lon, constituency, ward, lad, country, region, terminated) tuples, checking each row."""
    order = ("postcode", "lat", "long", "constituency", "ward", "local_authority", "country", "region", "terminated")
    width = columns.width
    # Optional columns the file lacks read from an extra blank field appended to each row.
    pad = any(columns.positions[name] is None for name in order)
    get = itemgetter(*(columns.positions[name] if columns.positions[name] is not None else width for name in order))
    normalise = normalise_postcode
    missing = terminated = 0
    count = 0
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if len(row) != width:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line, e.g. at the end of the file
                raise PostcodeImportError(
                    f"{source}, line {line}: expected {width} fields like the header, found {len(row)}"
                )
            if pad:
                row.append("")
            pc, lat_text, lon_text, con, ward, lad, country, region, term = get(row)
            try:
                pc = normalise(pc)
            except InvalidPostcode as exc:
                raise PostcodeImportError(f"{source}, line {line}: {exc}") from None
            if lat_text and lon_text:
                try:
                    lat = float(lat_text)
                    lon = float(lon_text)
                except ValueError:
                    raise PostcodeImportError(
                        f"{source}, line {line}: coordinates {lat_text!r},{lon_text!r} are not numbers"
                    ) from None
                if lat == _NO_LATITUDE:
                    lat = lon = None
                    missing += 1
                elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise PostcodeImportError(f"{source}, line {line}: {lat},{lon} is not a latitude,longitude")
            else:
                lat = lon = None
                missing += 1
            if con:
                con = _clean_code(con)
            if ward:
                ward = _clean_code(ward)
            if lad:
                lad = _clean_code(lad)
            if term:
                term = term.strip()
                terminated += 1
            country, region = country.strip(), region.strip()
            if (
                len(con) > _CODE_MAX
                or len(ward) > _CODE_MAX
                or len(lad) > _CODE_MAX
                or len(country) > _CODE_MAX
                or len(region) > _CODE_MAX
                or len(term) > 6
            ):
                raise PostcodeImportError(f"{source}, line {line}: a code is too long to be an ONS code")
            if "\x00" in con + ward + lad + country + region + term:  # PostgreSQL cannot store NUL in text
                raise PostcodeImportError(f"{source}, line {line}: contains a NUL character (the file is damaged)")
            count += 1
            if count % _BATCH == 0:
                tick()
            yield (pc, lat, lon, con, ward, lad, country, region, term)
    except csv.Error as exc:
        raise PostcodeImportError(f"{source}, line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError:
        raise PostcodeImportError(f"{source}, near line {line + 1}: not UTF-8 text") from None
    report.rows = count
    report.missing_coordinates = missing
    report.terminated = terminated


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    append = batch.append
    for row in rows:
        append(row)
        if len(batch) >= size:
            yield batch
            batch = []
            append = batch.append
    if batch:
        yield batch


def _count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(Postcode._meta.db_table)}")
        return cursor.fetchone()[0]


def _write_sqlite(rows: Iterator[tuple]) -> int:
    """Upsert through the raw sqlite3 connection (Django's cursor wrapper costs ~30% at this volume)."""
    table = connection.ops.quote_name(Postcode._meta.db_table)
    columns = ", ".join(POSTCODE_COLUMNS)
    data = POSTCODE_COLUMNS[1:]
    changed = " OR ".join(f"{table}.{f} IS NOT excluded.{f}" for f in data) + f" OR {table}.synthetic"
    sql = (
        f"INSERT INTO {table} ({columns}, synthetic) VALUES ({', '.join('?' * len(POSTCODE_COLUMNS))}, 0) "
        f"ON CONFLICT(postcode) DO UPDATE SET {', '.join(f'{f} = excluded.{f}' for f in data)}, synthetic = 0 "
        f"WHERE {changed}"  # leave identical rows alone so a re-import of the same file writes little
    )
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    # Postcodes arrive in file order, not key order, so each insert touches random pages of the
    # primary-key and code indexes. With SQLite's default 2 MB page cache that thrashes once the
    # table outgrows it; a larger cache for the length of the import keeps the rate steady.
    previous_cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
    affected = 0
    try:
        for batch in _batches(rows, _BATCH):
            cursor.executemany(sql, batch)
            affected += cursor.rowcount
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(previous_cache)}")
        cursor.close()
    return affected


def _write_postgresql(rows: Iterator[tuple]) -> int:
    """COPY into a temporary staging table, then one INSERT ... ON CONFLICT into the real one."""
    table = connection.ops.quote_name(Postcode._meta.db_table)
    columns = ", ".join(POSTCODE_COLUMNS)
    data = POSTCODE_COLUMNS[1:]
    with connection.cursor() as cursor:
        # Room to sort the staged rows for DISTINCT ON in memory; SET LOCAL ends with the transaction.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("DROP TABLE IF EXISTS geography_postcode_staging")
        cursor.execute(
            "CREATE TEMPORARY TABLE geography_postcode_staging (line bigint, postcode text, "
            "latitude double precision, longitude double precision, constituency_code text, ward_code text, "
            "local_authority_code text, country_code text, region_code text, terminated text) ON COMMIT DROP"
        )
        raw = cursor.connection  # the psycopg 3 connection under Django's wrapper
        with raw.cursor() as pg, pg.copy(f"COPY geography_postcode_staging (line, {columns}) FROM STDIN") as copy:
            for line, row in enumerate(rows):
                copy.write_row((line, *row))
        cursor.execute(
            # DISTINCT ON keeps the last row for a postcode that appears twice, as SQLite's upsert does;
            # a second conflict on one row in a single INSERT would otherwise be an error.
            f"INSERT INTO {table} ({columns}, synthetic) "
            f"SELECT DISTINCT ON (postcode) {columns}, false FROM geography_postcode_staging "
            f"ORDER BY postcode, line DESC "
            f"ON CONFLICT (postcode) DO UPDATE SET {', '.join(f'{f} = EXCLUDED.{f}' for f in data)}, synthetic = false "
            f"WHERE ({', '.join(f'{table}.{f}' for f in data)}, {table}.synthetic) "
            f"IS DISTINCT FROM ({', '.join(f'EXCLUDED.{f}' for f in data)}, false)"
        )
        affected = cursor.rowcount
        cursor.execute("DROP TABLE geography_postcode_staging")
    return affected


def import_postcodes(path: str | Path, progress: bool = False) -> PostcodeImportReport:
    """Import (or re-import, updating in place) an ONSPD CSV, all or nothing."""
    path = Path(path)
    source = path.name
    started = time.perf_counter()
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise PostcodeImportError(f"{path}: no such file") from None
    if size == 0:
        raise PostcodeImportError(f"{source} is empty (0 bytes); expected the ONS Postcode Directory CSV")
    report = PostcodeImportReport(source=source)
    with open(path, "rb") as binary:
        # utf-8-sig drops the byte-order mark Excel and some ONS downloads start with.
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise PostcodeImportError(f"{source}, line 1: cannot read the header ({exc})") from None
        if not header or not any(h.strip() for h in header):
            raise PostcodeImportError(f"{source}: the first line is blank; expected the ONSPD header (pcds, ...)")
        columns = detect_columns(header, source)
        report.columns = columns.names
        bar = tqdm(total=size, unit="B", unit_scale=True, desc="postcodes", file=sys.stderr, disable=not progress)
        done = 0

        def tick() -> None:
            nonlocal done
            # The binary position runs a buffer ahead of the csv reader: close enough for a progress bar.
            position = binary.tell()
            bar.update(position - done)
            done = position

        try:
            with transaction.atomic():
                before = _count()
                rows = _rows(reader, columns, source, report, tick)
                if connection.vendor == "postgresql":
                    affected = _write_postgresql(rows)
                else:
                    affected = _write_sqlite(rows)
                after = _count()
        finally:
            bar.update(size - done)
            bar.close()
    report.inserted = after - before
    report.updated = max(affected - report.inserted, 0)
    report.unchanged = max(report.rows - affected, 0)
    report.seconds = time.perf_counter() - started
    return report
