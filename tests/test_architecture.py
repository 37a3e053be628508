"""The shape of the code: which app may import which, as `docs/architecture.md` declares it.

The layers live in one place, the fenced `layers` block of docs/architecture.md; this test reads that block, so
the document and the rule cannot drift apart. Every import in the project's own code counts — a module-level one
or one inside a function — because a dependency hidden in a function body is still a dependency.
"""

from __future__ import annotations

import ast
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "groundswell"
DOC = ROOT / "docs" / "architecture.md"


def declared_layers() -> list[set[str]]:
    """The layers block of docs/architecture.md, lowest first: one line per layer, `N  name name …`."""
    text = DOC.read_text()
    match = re.search(r"```text layers\n(.*?)```", text, re.S)
    assert match, "docs/architecture.md has no ```text layers block"
    layers: list[set[str]] = []
    for line in match.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        number, *names = line.split()
        assert int(number) == len(layers), f"layer numbers must count up from 0: {line!r}"
        layers.append(set(names))
    return layers


def layer_of() -> dict[str, int]:
    return {name: number for number, names in enumerate(declared_layers()) for name in names}


def component(path: Path) -> str:
    """`groundswell/phonebank/views/caller.py` → `phonebank`; `groundswell/web.py` → `web`."""
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def is_project_code(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    return "tests" not in parts and "migrations" not in parts


def project_imports() -> dict[str, dict[str, list[str]]]:
    """component → imported component → the places (`file:line`) that import it."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        if not is_project_code(path):
            continue
        source = component(path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == "groundswell" and len(parts) > 1 and parts[1] != source:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    graph[source][parts[1]].append(where)
    return graph


def test_every_app_and_top_level_module_has_a_layer():
    layers = layer_of()
    components = {component(p) for p in PACKAGE.rglob("*.py") if is_project_code(p)} - {"__init__"}
    missing = sorted(components - layers.keys())
    assert not missing, f"add these to the layers block in docs/architecture.md: {missing}"
    installed = {app.split(".")[1] for app in settings.INSTALLED_APPS if app.startswith("groundswell.")}
    assert installed <= layers.keys(), sorted(installed - layers.keys())
    stale = sorted(layers.keys() - components)
    assert not stale, f"docs/architecture.md names components that do not exist: {stale}"


def test_no_app_imports_a_higher_layer():
    layers = layer_of()
    upward = [
        f"{source} (layer {layers[source]}) imports {target} (layer {layers[target]}) at {where}"
        for source, targets in project_imports().items()
        for target, places in targets.items()
        if target in layers and source in layers and layers[target] > layers[source]
        for where in places
    ]
    assert not upward, "imports that run back up the layers:\n" + "\n".join(upward)


def test_apps_within_a_layer_do_not_import_in_a_loop():
    """Same-layer imports are allowed one way; a loop between apps means one of them wants splitting.

    people/accounts/audit are the kernel (a person's roles, the audit of reading a person) and may loop.
    """
    kernel = {"people", "accounts", "audit"}
    graph = project_imports()
    loops = sorted(
        f"{a} <-> {b} ({graph[a][b][0]} / {graph[b][a][0]})"
        for a in graph
        for b in graph[a]
        if a < b and a in graph.get(b, {}) and not {a, b} <= kernel
    )
    assert not loops, "\n".join(loops)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports() -> dict[str, set[str]]:
    """Project module → the project modules it imports (relative imports resolved; `from pkg import mod` counts mod)."""
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py") if is_project_code(p)}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                candidates = [module] + [f"{module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            graph[name] |= {c for c in candidates if c in paths and c != name}
    return graph


def test_no_module_imports_itself_round_a_loop():
    """A loop between modules (a.py imports b.py imports a.py) hides which one is the rule; break it by moving
    the shared piece down. Counts imports inside functions too, so a loop cannot hide behind a local import."""
    graph = module_imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    loops: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not loops, "modules that import each other in a loop:\n" + "\n".join(" <-> ".join(c) for c in loops)


def readmes() -> list[Path]:
    """Every README in the repository, without walking the virtualenv, var/ or .git."""
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if not d.startswith(".") and d not in {"var", "node_modules"}]
        found += [Path(directory, f).relative_to(ROOT) for f in files if f == "README.md"]
    return sorted(found)


@pytest.mark.parametrize("readme", readmes(), ids=str)
def test_readmes_name_no_paths_outside_the_repository(readme):
    text = (ROOT / readme).read_text()
    outside = re.findall(r"(?<![\w.])(?:/work/|/home/|/Users/|/tmp/|\.\./shared)\S*", text)
    assert not outside, f"{readme} names paths outside the repository: {outside}"
