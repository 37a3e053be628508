"""Party codes and the normalisation of the names past results and polls use for them.

Names vary between years in the source data (`Conservative` / `Conservative Party`, `Liberal Democrat` /
`Liberal Democrats`). `PARTIES` are the parties the projection engine models (its arrays, the `share_<P>`
columns of `targeting project`); results also keep the code a party stood under that year (`BRX`, `RUK`, and
Northern Ireland's parties), and `LINEAGE` says which modelled party each one continues, so that swing
across years is measured against the party whose voters it inherited: UKIP (to 2017) → the Brexit Party
(2019, `BRX`) → Reform UK (2024, `RUK`) is one line, modelled as `UKIP`.
"""

from __future__ import annotations

from collections.abc import Iterator

PARTIES: tuple[str, ...] = ("CON", "LAB", "LD", "SNP", "PC", "GRN", "UKIP", "OTH", "SPK")
INDEX: dict[str, int] = {code: i for i, code in enumerate(PARTIES)}
LABELS: dict[str, str] = {
    "CON": "Conservative",
    "LAB": "Labour",
    "LD": "Liberal Democrat",
    "SNP": "SNP",
    "PC": "Plaid Cymru",
    "GRN": "Green",
    "UKIP": "UKIP / Brexit / Reform",
    "OTH": "Other",
    "SPK": "Speaker",
    "BRX": "Brexit Party",
    "RUK": "Reform UK",
    "DUP": "DUP",
    "SF": "Sinn Féin",
    "SDLP": "SDLP",
    "UUP": "UUP",
    "APNI": "Alliance",
}
COLOURS: dict[str, str] = {
    "CON": "#0087dc",
    "LAB": "#e4003b",
    "LD": "#faa61a",
    "SNP": "#b8a200",
    "PC": "#005b54",
    "GRN": "#02a95b",
    "UKIP": "#12b6cf",
    "OTH": "#999999",
    "SPK": "#444444",
    "BRX": "#12b6cf",
    "RUK": "#12b6cf",
    "DUP": "#d46a4c",
    "SF": "#326760",
    "SDLP": "#2aa82c",
    "UUP": "#48a5ee",
    "APNI": "#f6cb2f",
}

# A party code as results record it → the modelled party (in PARTIES) it continues. Codes not listed are their
# own line (CON, LAB, …); Northern Ireland's parties do not stand in Great Britain and are modelled as OTH.
LINEAGE: dict[str, str] = {
    "BRX": "UKIP",  # the Brexit Party (2019) took UKIP's voters
    "RUK": "UKIP",  # and renamed itself Reform UK (2021)
    "DUP": "OTH",
    "SF": "OTH",
    "SDLP": "OTH",
    "UUP": "OTH",
    "APNI": "OTH",
}
# What the UKIP line was called at each general election, for pages that show results by year.
UKIP_LINE_NAMES: dict[int, tuple[str, str]] = {2019: ("BRX", "Brexit Party"), 2024: ("RUK", "Reform UK")}


def lineage(code: str) -> str:
    """The modelled party (one of PARTIES) that a result's party code continues: BRX and RUK → UKIP."""
    return LINEAGE.get(code, code)


def code_for_year(code: str, year: int) -> str:
    """The code a modelled party stood under at one election: UKIP's line is BRX in 2019 and RUK from 2024."""
    if lineage(code) != "UKIP":
        return code
    for since, (name, _label) in sorted(UKIP_LINE_NAMES.items(), reverse=True):
        if year >= since:
            return name
    return "UKIP"


def label_for_year(code: str, year: int) -> str:
    """A party's name at one election (UKIP's line: UKIP to 2017, Brexit Party 2019, Reform UK from 2024)."""
    if code == "UKIP":
        named = code_for_year(code, year)
        return "UKIP" if named == "UKIP" else LABELS[named]
    return LABELS.get(code, code)


NI_PARTIES = {"sdlp", "dup", "sinn fein", "sf", "uup", "uu", "alliance", "ukup"}
_NAMES: dict[str, str] = {
    "con": "CON",
    "conservative": "CON",
    "conservative party": "CON",
    "conservatives": "CON",
    "lab": "LAB",
    "labour": "LAB",
    "labour party": "LAB",
    "labour co-operative": "LAB",
    "ld": "LD",
    "lib dem": "LD",
    "lib dems": "LD",
    "liberal democrat": "LD",
    "liberal democrats": "LD",
    "snp": "SNP",
    "scottish national party": "SNP",
    "pc": "PC",
    "plaid cymru": "PC",
    "grn": "GRN",
    "green": "GRN",
    "green party": "GRN",
    "greens": "GRN",
    "ukip": "UKIP",
    "brexit": "UKIP",
    "brexit party": "UKIP",
    "bxp": "UKIP",
    "brx": "UKIP",
    "reform": "UKIP",
    "reform uk": "UKIP",
    "ref": "UKIP",
    "ruk": "UKIP",
    "oth": "OTH",
    "other": "OTH",
    "others": "OTH",
    "spk": "SPK",
    "speaker": "SPK",
}


class UnknownParty(ValueError):
    pass


def normalise_party(name: str, nation: str = "") -> str:
    """The modelled party (one of PARTIES) for a name as written in results, polls or `--shares`; the Brexit
    Party and Reform UK (`BRX`, `RUK`) give UKIP, their lineage. Raises UnknownParty for anything unrecognised."""
    key = " ".join(name.strip().lower().replace("_", " ").split())
    if key in _NAMES:
        return _NAMES[key]
    if key == "pc/snp":
        # The results file pools the two nationalist parties under one label in some years.
        return "SNP" if nation == "Scotland" else "PC"
    if key in NI_PARTIES:
        return "OTH"
    raise UnknownParty(f"unknown party {name!r} (known: {', '.join(PARTIES)} or their usual names)")


def _pairs(text: str, item_sep: str, key_sep: str, what: str, form: str) -> Iterator[tuple[str, str]]:
    """`a=1,b=2` → ("a", "1"), ("b", "2"); blank items skipped, an item without the separator refused."""
    for part in text.split(item_sep):
        part = part.strip()
        if not part:
            continue
        if key_sep not in part:
            raise ValueError(f"{what}: {part!r} is not {form}")
        key, value = part.split(key_sep, 1)
        yield key.strip(), value


def share_value(text: str) -> float:
    """A vote share as written in a file or on the command line ('38', '38%', '0.38'), not yet scaled."""
    value = text.strip().rstrip("%").strip()
    try:
        share = float(value)
    except ValueError as exc:
        raise ValueError(f"share {value!r} is not a number") from exc
    if share < 0:
        raise ValueError(f"share {value!r} is negative")
    return share


def parse_shares(text: str, what: str = "--shares") -> dict[str, float]:
    """`"CON=0.38,LAB=0.32"` → {"CON": 0.38, "LAB": 0.32}; percentages (38) are accepted and divided by 100."""
    shares: dict[str, float] = {}
    for name, value in _pairs(text, ",", "=", what, "PARTY=SHARE"):
        code = normalise_party(name)
        try:
            share = share_value(value)
        except ValueError as exc:
            raise ValueError(f"{what}: {name.strip()} {exc}") from exc
        shares[code] = shares.get(code, 0.0) + share
    if not shares:
        raise ValueError(f"{what}: no shares given")
    total = sum(shares.values())
    if total > 1.5:  # written as percentages
        shares = {k: v / 100 for k, v in shares.items()}
        total /= 100
    if total > 1.0001:
        raise ValueError(f"{what}: shares add up to {total:.3f}, more than 1")
    return shares


def parse_nation_shares(text: str) -> dict[str, dict[str, float]]:
    """`"Scotland:SNP=0.37,CON=0.29;Wales:LAB=0.49"` → {"Scotland": {...}, "Wales": {...}}."""
    out: dict[str, dict[str, float]] = {}
    for nation, shares in _pairs(text, ";", ":", "--nation-shares", "NATION:PARTY=SHARE,…"):
        nation = nation.title()
        if nation not in ("England", "Scotland", "Wales"):
            raise ValueError(f"--nation-shares: {nation!r} is not England, Scotland or Wales")
        out[nation] = parse_shares(shares, f"--nation-shares {nation}")
    return out
