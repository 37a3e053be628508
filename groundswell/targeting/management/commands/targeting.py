"""groundswell targeting SUBCOMMAND: results, polls, covariates, projections and backtests.

`load_results` loads the projection engine's results (the uk-politics package, 1997–2019 on their own
boundaries); `load_seat_results` loads what the seat pages show on both boundary sets (the Commons Library's
2010–2024 results with 2024's candidates, Rallings & Thrasher's 2019 notionals, notionals derived from the
population overlaps, and the overlaps themselves) from data/.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from groundswell.targeting import backtest as bt
from groundswell.targeting.covariates import CovariateImportError, import_covariates, load_shipped_covariates
from groundswell.targeting.engine import METHODS
from groundswell.targeting.hoc_results import SeatResultsError, load_seat_results
from groundswell.targeting.parties import PARTIES, UnknownParty
from groundswell.targeting.polls import PollImportError, import_polls, import_shipped_polls
from groundswell.targeting.results import (
    BOUNDARY_SETS,
    ELECTIONS,
    ResultsImportError,
    fought_on,
    load_results,
)
from groundswell.targeting.services import (
    ensure_results,
    parse_inputs,
    projection_set,
    run_projection,
    save_projection,
    seats_csv,
)


class Command(BaseCommand):
    help = "Targeting: load past results, import polls and covariates, project seats, run backtests."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        load = sub.add_parser("load_results", help="import 1997–2019 results from the uk-politics package")
        load.add_argument("--file", help="a TSV in the package's layout instead of the package's own")
        seats = sub.add_parser(
            "load_seat_results",
            help="load the seat pages' results: 2010–2024 (Commons Library), 2024 candidates, notionals on the "
            "2024 set (Rallings & Thrasher's 2019, 2010–2017 derived from population overlaps)",
        )
        seats.add_argument("--data", default=None, help="the data folder (default: settings.DATA_DIR)")
        polls = sub.add_parser("import_polls", help="import polls from a CSV (one row per poll)")
        polls.add_argument("file", nargs="?", help="a CSV (or --shipped)")
        polls.add_argument("--shipped", action="store_true", help="the shipped 1974–2024 polls in data/polls")
        cov = sub.add_parser("import_covariates", help="import constituency covariates from a CSV, by ONS code")
        cov.add_argument("file", nargs="?", help="a CSV (or --shipped)")
        cov.add_argument(
            "--shipped", action="store_true", help="Leave, census education/ethnicity/age/tenure for both sets"
        )
        project = sub.add_parser("project", help="project every GB seat from a base election to given shares")
        project.add_argument("--base", type=int, default=2019, choices=[y for y in ELECTIONS if y >= 2010])
        project.add_argument(
            "--set",
            dest="boundary_set",
            choices=BOUNDARY_SETS,
            default=None,
            help="boundary set the seats are keyed by (default: the one --base was fought on; "
            "--base 2019 --set 2024 starts from the notionals)",
        )
        project.add_argument("--shares", required=True, help='GB shares, e.g. "CON=0.38,LAB=0.32,LD=0.12"')
        project.add_argument("--nation-shares", default="", help='"Scotland:SNP=0.37,…;Wales:LAB=0.49,…"')
        project.add_argument("--method", choices=METHODS, default="model")
        project.add_argument("--sims", type=int, default=10_000)
        project.add_argument("--seed", type=int, default=None)
        project.add_argument("--known-shares", action="store_true", help="no national polling error")
        project.add_argument("--out", help="write the per-seat CSV here")
        project.add_argument("--save", action="store_true", help="save as the projection the pages show")
        project.add_argument("--label", default="")
        project.add_argument("--json", action="store_true")
        back = sub.add_parser("backtest", help="project a past election from the one before and score it")
        back.add_argument("--base", type=int, required=True)
        back.add_argument("--target", type=int, required=True)
        back.add_argument("--sims", type=int, default=10_000)
        back.add_argument("--seed", type=int, default=2017)
        back.add_argument("--json", action="store_true")

    def handle(self, *args, subcommand: str, **options) -> None:
        try:
            getattr(self, f"_{subcommand}")(**options)
        except (
            ResultsImportError,
            SeatResultsError,
            PollImportError,
            CovariateImportError,
            UnknownParty,
            ValueError,
        ) as exc:
            raise CommandError(str(exc)) from exc

    def _read(self, name: str) -> str:
        path = Path(name)
        if not path.exists():
            raise CommandError(f"{name}: no such file")
        data = path.read_bytes()
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise CommandError(f"{name}: line {line} is not UTF-8 text (byte 0x{data[exc.start]:02X})") from None

    def _load_results(self, file: str | None = None, **_) -> None:
        n = load_results(self._read(file) if file else None)
        self.stdout.write(f"Loaded {n} results (1997–2019, parties normalised).")

    def _load_seat_results(self, data: str | None = None, **_) -> None:
        self.stdout.write(load_seat_results(data).summary())

    def _import_polls(self, file: str | None, shipped: bool = False, **_) -> None:
        if shipped:
            created, replaced, parsed = import_shipped_polls()
            self.stdout.write(
                f"Imported {created + replaced} polls ({created} new, {replaced} replaced); skipped "
                f"{len(parsed.skipped)} rows (election results, areas other than GB/UK, shares far from 100%); "
                f"{parsed.merged} rows repeated a pollster's end date (the later kept)."
            )
            return
        if not file:
            raise CommandError("give a CSV file or --shipped")
        created, replaced = import_polls(self._read(file), source=Path(file).name)
        self.stdout.write(f"Imported {created + replaced} polls ({created} new, {replaced} replaced).")

    def _import_covariates(self, file: str | None, shipped: bool = False, **_) -> None:
        if shipped:
            counts = load_shipped_covariates()
            shown = ", ".join(f"{name} ({n} seats)" for name, n in counts.items())
            self.stdout.write(f"Loaded the shipped covariates for both boundary sets: {shown}.")
            return
        if not file:
            raise CommandError("give a CSV file or --shipped")
        values, names = import_covariates(self._read(file))
        self.stdout.write(f"Imported {values} values of {len(names)} covariates: {', '.join(names)}.")

    def _project(
        self,
        *,
        base: int,
        boundary_set: str | None,
        shares: str,
        nation_shares: str,
        method: str,
        sims: int,
        seed: int | None,
        known_shares: bool,
        out: str | None,
        save: bool,
        label: str,
        json: bool,
        **_,
    ) -> None:
        inputs = parse_inputs(shares, nation_shares)
        boundary_set = projection_set(base, boundary_set)
        ensure_results(boundary_set)
        started = time.perf_counter()
        with tqdm(total=sims, desc="simulating", unit="sim", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
            sim = run_projection(
                base,
                inputs,
                method,
                sims,
                seed,
                0.0 if known_shares else None,
                progress=bar.update,
                boundary_set=boundary_set,
            )
        seconds = time.perf_counter() - started
        if out:
            Path(out).write_text(seats_csv(sim), encoding="utf-8")
        saved = save_projection(sim, base, inputs, method, label=label, boundary_set=boundary_set) if save else None
        totals = sim.intervals()
        if json:
            payload = {
                "base": base,
                "boundary_set": boundary_set,
                "method": method,
                "sims": sims,
                "seed": seed,
                "seats": len(sim.codes),
                "excluded": "Northern Ireland (18 seats)",
                "seconds": round(seconds, 3),
                "totals": {p: totals[p] for p in PARTIES},
                "projection_id": saved.pk if saved else None,
            }
            self.stdout.write(_json_dumps(payload))
            return
        self.stdout.write(
            f"{len(sim.codes)} GB seats ({boundary_set} boundary set) from {base}"
            f"{' notional' if boundary_set != fought_on(base) else ''}, {method}, {sims} simulations ({seconds:.1f}s); "
            "Northern Ireland's 18 excluded"
        )
        self.stdout.write(f"{'party':<6}{'point':>7}{'median':>8}{'50% interval':>16}{'90% interval':>16}")
        for p in PARTIES:
            t = totals[p]
            if t["p95"] == 0 and t["point"] == 0:
                continue
            self.stdout.write(
                f"{p:<6}{t['point']:>7}{t['median']:>8.0f}{t['p25']:>8.0f}–{t['p75']:<7.0f}"
                f"{t['p5']:>8.0f}–{t['p95']:<7.0f}"
            )
        if out:
            self.stdout.write(f"Per-seat table written to {out}.")
        if saved:
            self.stdout.write(f"Saved as projection #{saved.pk}.")

    def _backtest(self, *, base: int, target: int, sims: int, seed: int, json: bool, **_) -> None:
        if base < 2010:
            raise CommandError("backtests start at 2010: earlier elections were fought on other boundaries")
        if target not in ELECTIONS or target <= base:
            raise CommandError(f"--target must be a general election after {base}")
        ensure_results(fought_on(target))
        the_plan = bt.plan(base, target)
        scores = bt.backtest(base, target, sims=sims, seed=seed, the_plan=the_plan)
        if json:
            payload = {
                "base": base,
                "target": target,
                "boundary_set": the_plan.boundary_set,
                "sims": sims,
                "used": the_plan.describe(),
                "scores": [s.as_dict() for s in scores],
            }
            self.stdout.write(_json_dumps(payload))
        else:
            self.stdout.write(bt.format_scores(base, target, scores, the_plan))


def _json_dumps(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)
