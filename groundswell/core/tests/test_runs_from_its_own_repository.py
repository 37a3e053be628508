"""Nothing the app needs lives outside its repository: the open data ships in data/, found through
settings.DATA_DIR (env GROUNDSWELL_DATA), and no code, build file or doc points at a folder beside the checkout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from groundswell.core.demo import BOUNDARY_FILES, HEX_FILE

REPO = Path(settings.REPO_DIR)
# Paths that only exist beside one workspace: the old ../shared/data folder and its setting, in any spelling.
OUTSIDE = re.compile(
    r"\.\./shared|/work/shared|GROUNDSWELL_SHARED_DATA|SHARED_DATA_DIR|parent\s*/\s*[\"']shared[\"']",
)
CHECKED_SUFFIXES = {".py", ".toml", ".cfg", ".ini", ".sh", ".yml", ".yaml", ".md"}
CHECKED_NAMES = {"Makefile", "run"}  # run: .ci/run
MAX_TRACKED_BYTES = 5_000_000


def _tracked_files() -> list[Path]:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout (e.g. an installed copy): nothing tracked to check")
    names = (
        subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    return [REPO / name for name in names if name]


def test_no_tracked_code_or_doc_reaches_outside_the_repository():
    this_file = Path(__file__).resolve()
    offenders = []
    for path in _tracked_files():
        if path.resolve() == this_file or not path.is_file():
            continue
        if path.suffix not in CHECKED_SUFFIXES and path.name not in CHECKED_NAMES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == [], "files pointing outside the repository:\n" + "\n".join(offenders)


def test_the_data_folder_defaults_to_the_repositorys_own():
    env = {k: v for k, v in os.environ.items() if k != "GROUNDSWELL_DATA"}
    code = "from groundswell.settings import base; print(base.DATA_DIR)"
    default = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert Path(default.stdout.strip()) == REPO / "data"
    env["GROUNDSWELL_DATA"] = "/srv/groundswell-data"
    chosen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert chosen.stdout.strip() == "/srv/groundswell-data"


def test_the_demo_boundaries_ship_in_the_data_folder(data_dir: Path):
    for filename in [name for name, _level, _set in BOUNDARY_FILES] + [HEX_FILE]:
        assert (data_dir / "boundaries" / filename).is_file(), filename


def test_every_shipped_data_file_is_described_and_small(data_dir: Path):
    """SOURCES.md says where each file came from and under which licence; no file is too big for git."""
    sources = (data_dir / "SOURCES.md").read_text(encoding="utf-8")
    # Every `quoted` name, by its last part; a family written once (census2011_*_2010_boundaries.csv,
    # hoc_ge{2010,2015}_by_constituency.csv) stands for every name it matches.
    named = [token.rsplit("/", 1)[-1] for token in re.findall(r"`([^`\s]+)`", sources)]
    patterns = [re.compile(_glob_to_regex(name)) for name in named]
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert len(files) > 30
    for path in files:
        assert path.stat().st_size < MAX_TRACKED_BYTES, f"{path.name} is over 5 MB: keep large data out of git"
        if path.name == "SOURCES.md":
            continue
        where = path.relative_to(data_dir)
        assert any(p.fullmatch(path.name) for p in patterns), f"data/{where} is not described in data/SOURCES.md"


def _glob_to_regex(name: str) -> str:
    """`a_*_b.csv` and `a{1,2}.csv` as regular expressions; anything else matches only itself."""
    parts = re.split(r"(\*|\{[^}]*\})", name)
    out = []
    for part in parts:
        if part == "*":
            out.append(".*")
        elif part.startswith("{") and part.endswith("}"):
            out.append("(?:" + "|".join(re.escape(x) for x in part[1:-1].split(",")) + ")")
        else:
            out.append(re.escape(part))
    return "".join(out)
