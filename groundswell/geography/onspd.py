"""Importing postcode files into the Postcode table: the ONS Postcode Directory (ONSPD) CSV, and OS Code-Point
Open's lat/lon CSV (read in codepoint.py), told apart by the header; plain or gzipped.

The directory has ~2.7 million rows and its column names change between releases (pcon → pcon24cd,
osward → wd25cd, ...), so columns are found by pattern. The fast path never builds ORM objects: rows
go straight from the csv reader to PostgreSQL COPY or to SQLite executemany, inside one transaction
so a failed import leaves the previous data untouched. A Code-Point file has no constituencies: every row is
checked and placed in each boundary set's seats first (no database writes), then written the same way.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from tqdm import tqdm

from . import lookup
from .codepoint import assign_areas, codepoint_postcode_rows, is_codepoint_header, read_codepoint_rows
from .models import BOUNDARY_SETS, POSTCODE_COLUMNS, Postcode
from .postcodes import InvalidPostcode, PostcodeImportError, normalise_postcode

# ONSPD codes missing coordinates as latitude 99.999999 / longitude 0.000000.
_NO_LATITUDE = 99.999999
_CODE_MAX = 12
_BATCH = 20_000  # SQLite rows per executemany; also how often the progress bar moves
_SQLITE_CACHE_KIB = 256 * 1024  # page cache while importing (see _write_sqlite)
# A .gz cut short raises EOFError; damaged data zlib.error; a file that only starts like gzip BadGzipFile.
_DAMAGED_GZIP = (EOFError, zlib.error, gzip.BadGzipFile)

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


@dataclass
class ColumnMap:
    """Which header (and its position) supplies each field; None for an optional field the file lacks."""

    names: dict[str, str | None]
    positions: dict[str, int | None]
    width: int  # number of fields in the header, which every row must match
    constituency_set: str = "2010"  # the boundary set of the constituency column (pcon24cd: 2024)


@dataclass
class PostcodeImportReport:
    source: str
    layout: str = "ONSPD"  # or "Code-Point Open"
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    missing_coordinates: int = 0
    terminated: int = 0
    columns: dict[str, str | None] = field(default_factory=dict)
    # Code-Point Open: per boundary set, postcodes in no loaded seat, and coastal ones given the nearest seat.
    outside: dict[str, int] = field(default_factory=dict)
    snapped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    parse_s: float = 0.0  # reading and checking the rows (Code-Point: before any write)
    assign_s: float = 0.0  # point-in-polygon (Code-Point)
    write_s: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        if self.layout != "ONSPD":
            sets = "; ".join(
                (
                    f"{name} set: {self.outside[name]} in no loaded seat"
                    + (f", {self.snapped[name]} coastal given the nearest seat" if self.snapped.get(name) else "")
                )
                if name in self.outside
                else f"{name} set: no boundaries loaded (lookups place these postcodes once they are)"
                for name in BOUNDARY_SETS
            )
            return (
                f"{self.rows} postcodes from {self.source} ({self.layout}): {self.inserted} new, {self.updated} "
                f"changed, {self.unchanged} unchanged; {self.missing_coordinates} without coordinates; {sets}; "
                f"{self.seconds:.1f}s (read {self.parse_s:.1f}s, place {self.assign_s:.1f}s, "
                f"write {self.write_s:.1f}s; {self.rows_per_second:,.0f} rows/s)"
            )
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
    year = re.sub(r"\D", "", names["constituency"] or "")
    # ONSPD's plain `pcon` and every pcon column before the 2024 release describe the 2010 set.
    constituency_set = "2024" if year and 24 <= int(year) < 100 else "2010"
    return ColumnMap(names=names, positions=positions, width=len(header), constituency_set=constituency_set)


def _clean_code(value: str) -> str:
    value = value.strip()
    # ONS "pseudo codes" such as E99999999 mean "none": store blank so lookups fall back to coordinates.
    return "" if value.endswith("99999999") else value


def _rows(
    reader: Any, columns: ColumnMap, source: str, report: PostcodeImportReport, tick: Callable[[], None]
) -> Iterator[tuple]:
    """Yield rows in POSTCODE_COLUMNS order, checking each; the constituency also goes in its set's column."""
    order = ("postcode", "lat", "long", "constituency", "ward", "local_authority", "country", "region", "terminated")
    width = columns.width
    # Optional columns the file lacks read from an extra blank field appended to each row.
    pad = any(columns.positions[name] is None for name in order)
    get = itemgetter(*(columns.positions[name] if columns.positions[name] is not None else width for name in order))
    normalise = normalise_postcode
    in_2024 = columns.constituency_set == "2024"
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
            yield (pc, lat, lon, con, ward, lad, country, region, term, "" if in_2024 else con, con if in_2024 else "")
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
            "local_authority_code text, country_code text, region_code text, terminated text, "
            "constituency_code_2010 text, constituency_code_2024 text) ON COMMIT DROP"
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


class _Lines:
    """A text file's lines for the csv reader, remembering the last one: a file cut short mid-download ends
    part-way through a line, with no line break, and that row may still parse (a shortened ward code)."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.last = "\n"

    def __iter__(self) -> Iterator[str]:
        for line in self.text:
            self.last = line
            yield line

    def check_complete(self, source: str, line: int) -> None:
        if self.last.strip() and not self.last.endswith(("\n", "\r")):
            raise PostcodeImportError(
                f"{source}, line {line}: the file ends part-way through this line (no line break after it), so it "
                "looks cut short; download it again (or, if the line is complete, end the file with a line break)"
            )


def _write(rows: Iterator[tuple]) -> int:
    return _write_postgresql(rows) if connection.vendor == "postgresql" else _write_sqlite(rows)


def _import_onspd(
    reader: Any, header: list[str], lines: _Lines, source: str, report: PostcodeImportReport, tick: Callable
) -> tuple[int, int, int]:
    """Stream the checked rows into the table in one transaction: (count before, count after, rows written)."""
    columns = detect_columns(header, source)
    report.columns = columns.names
    with transaction.atomic():
        before = _count()
        affected = _write(_rows(reader, columns, source, report, tick))
        lines.check_complete(source, reader.line_num)  # inside the transaction: a cut-short file rolls back
        after = _count()
    return before, after, affected


def _import_codepoint(
    reader: Any, header: list[str], lines: _Lines, source: str, report: PostcodeImportReport, tick: Callable
) -> tuple[int, int, int]:
    """Check every row, place every point in each boundary set, then write all in one transaction."""
    report.layout = "Code-Point Open"
    started = time.perf_counter()
    rows = read_codepoint_rows(reader, header, source, tick, every=_BATCH)
    lines.check_complete(source, reader.line_num)
    report.rows, report.missing_coordinates = rows.rows, rows.missing_coordinates
    placed = time.perf_counter()
    report.parse_s = placed - started
    index = lookup.get_index()
    assignment = assign_areas(rows, index)
    report.outside = {name: count for name, count in assignment.outside.items() if len(index.sets[name])}
    report.snapped = assignment.snapped
    written = time.perf_counter()
    report.assign_s = written - placed
    with transaction.atomic():
        before = _count()
        affected = _write(codepoint_postcode_rows(rows, assignment, index.primary_set))
        after = _count()
    report.write_s = time.perf_counter() - written
    return before, after, affected


def import_postcodes(path: str | Path, progress: bool = False) -> PostcodeImportReport:
    """Import (or re-import, updating in place) an ONSPD or Code-Point Open CSV (plain or .gz), all or nothing."""
    path = Path(path)
    source = path.name
    started = time.perf_counter()
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise PostcodeImportError(f"{path}: no such file") from None
    except OSError as exc:
        raise PostcodeImportError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise PostcodeImportError(f"{source} is empty (0 bytes); expected a postcode CSV (ONSPD or Code-Point Open)")
    report = PostcodeImportReport(source=source)
    with open(path, "rb") as raw:
        # Read .gz directly (the all-GB Code-Point file is 26 MB gzipped, ~120 MB unpacked), found by its magic.
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        binary = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
        # utf-8-sig drops the byte-order mark Excel and some ONS downloads start with.
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        lines = _Lines(text)
        reader = csv.reader(lines)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise PostcodeImportError(f"{source}, line 1: cannot read the header ({exc})") from None
        except _DAMAGED_GZIP as exc:
            raise PostcodeImportError(f"{source}: not a readable gzip file ({exc})") from None
        if not header or not any(h.strip() for h in header):
            raise PostcodeImportError(
                f"{source}: the first line is blank; expected a header (ONSPD: pcds, ...; Code-Point: postcode, ...)"
            )
        layout = _import_codepoint if is_codepoint_header(header) else _import_onspd
        bar = tqdm(total=size, unit="B", unit_scale=True, desc="postcodes", file=sys.stderr, disable=not progress)
        done = 0

        def tick() -> None:
            nonlocal done
            # The file position runs a buffer ahead of the csv reader: close enough for a progress bar.
            position = raw.tell()
            bar.update(position - done)
            done = position

        try:
            before, after, affected = layout(reader, header, lines, source, report, tick)
        except csv.Error as exc:
            raise PostcodeImportError(f"{source}, line {reader.line_num}: {exc}") from None
        except UnicodeDecodeError:
            raise PostcodeImportError(f"{source}, near line {reader.line_num + 1}: not UTF-8 text") from None
        except _DAMAGED_GZIP as exc:
            raise PostcodeImportError(
                f"{source}, near line {reader.line_num + 1}: the gzip data is damaged or cut short ({exc})"
            ) from None
        finally:
            bar.update(size - done)
            bar.close()
    report.inserted = after - before
    report.updated = max(affected - report.inserted, 0)
    report.unchanged = max(report.rows - affected, 0)
    report.seconds = time.perf_counter() - started
    return report
