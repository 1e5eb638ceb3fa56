"""The package's folders are its layers; a module may import only from its own layer or the layers below it.

    core → ingest → query → analyses → story → export → app → cli, bench (and the pages, the router)

`core` knows nothing of the others; `ingest` turns files into a stored version; `query` reads a version with DuckDB;
`analyses` compute frames and numbers; `story` turns them into blocks (charts, narrative, chapters); `export` writes
blocks as files; `app` is the Streamlit layer. Only `app` (and the page scripts above it) may import streamlit.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "basstory"
LAYERS: tuple[str, ...] = ("core", "ingest", "query", "analyses", "story", "export", "app")
TOP = len(LAYERS)  # cli, bench, __main__: may import anything


def layer_of(module: str) -> int:
    """Rank of a dotted module name under basstory (`basstory.query.filters` -> 2); TOP for top-level modules."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return TOP


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every `import basstory...` / `from basstory... import` in a file, nested ones too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "basstory":
            if node.module == "basstory":
                found += [(node.lineno, f"basstory.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "basstory"]
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def dotted(path: Path) -> str:
    return ".".join(("basstory", *path.relative_to(PACKAGE).with_suffix("").parts))


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_down(path: Path) -> None:
    own = layer_of(dotted(path))
    upward = [f"line {line}: {module} ({LAYERS[layer_of(module)] if layer_of(module) < TOP else 'top'})"
              for line, module in imported_modules(path) if layer_of(module) > own]
    assert not upward, f"{dotted(path)} ({LAYERS[own] if own < TOP else 'top'}) reaches up: " + "; ".join(upward)


@pytest.mark.parametrize("path", [p for p in modules() if layer_of(dotted(p)) < LAYERS.index("app")],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_app_layer_imports_streamlit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    assert not [n for n in names if n.split(".")[0] == "streamlit"], f"{dotted(path)} imports streamlit"


def test_every_module_is_in_a_layer_or_is_an_entry_point() -> None:
    top_level = {p.name for p in PACKAGE.glob("*.py")}
    assert top_level <= {"__init__.py", "__main__.py", "cli.py", "bench.py"}, top_level


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from basstory.app import ui\nimport basstory.story.blocks\n")
    assert [layer_of(m) for _, m in imported_modules(bad)] == [LAYERS.index("app"), LAYERS.index("story")]
    assert layer_of("basstory.core.schema") < layer_of("basstory.query.filters") < layer_of("basstory.cli")
