"""The shape of the code: no import cycle, no oversized module or function, one rule per code."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "outhead"
MAX_MODULE_LINES = 1000
MAX_FUNCTION_LINES = 120


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """The outhead modules ``name`` imports, at any depth of its code (lazy imports count)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1]])
                base = f"{base}.{node.module}" if node.module else base
            # ``from outhead.check import run`` imports the module outhead.check.run.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycle() -> list[str] | None:
    """One import cycle among outhead's modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(GRAPH):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_import_graph_is_read() -> None:
    assert "outhead.check.model" in GRAPH["outhead.check.config"]
    assert "outhead.check.model" in GRAPH["outhead.check.model_head"]
    assert "outhead.check.run" in GRAPH["outhead.check"]


def test_no_import_cycle() -> None:
    assert _cycle() is None, " -> ".join(_cycle() or [])


def test_the_check_model_is_a_leaf() -> None:
    assert not {m for m in GRAPH["outhead.check.model"] if m.startswith("outhead.check")}


def test_the_cycle_finder_finds_a_cycle() -> None:
    GRAPH["outhead.check.model"].add("outhead.check.config")
    try:
        assert _cycle() is not None
    finally:
        GRAPH["outhead.check.model"].discard("outhead.check.config")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_the_limit(name: str) -> None:
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines"


def test_no_function_over_the_limit() -> None:
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert not long


# --------------------------------------------------------------------------------------------
# The registry of finding codes
# --------------------------------------------------------------------------------------------


def test_each_code_has_one_rule_function_of_its_own() -> None:
    from outhead.check import RULES

    functions = [rule.check for rule in RULES.values()]
    assert len(set(functions)) == len(functions)
    for code, rule in RULES.items():
        assert rule.code == code
        assert rule.check.__module__.startswith("outhead.check.rules."), code
        assert inspect.getdoc(rule.check), f"{code}: {rule.check.__name__} has no docstring"
        assert inspect.getdoc(rule.check).startswith(f"{code}:"), code  # type: ignore[union-attr]


def test_every_code_runs_once_in_its_scope() -> None:
    from outhead.check import RULES
    from outhead.check.core import ORDER

    for scope, codes in ORDER.items():
        assert len(set(codes)) == len(codes)
        assert {c for c, r in RULES.items() if r.scope == scope} == set(codes), scope


def test_no_rule_module_makes_findings_itself() -> None:
    """Rules return hits; only the registry turns them into findings with a code."""
    for path in (PACKAGE / "check" / "rules").glob("*.py"):
        text = path.read_text()
        assert "Finding(" not in text, path.name
        assert not re.search(r'"OH\d{3}"', text), path.name


def _readme_findings() -> dict[str, tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("### Findings", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| (OH\d{3}) \| ([\w-]+) \| ([^|]+) \|", section, flags=re.M)
    return {code: (name, severity.strip()) for code, name, severity in rows}


def test_the_readme_table_of_findings_matches_the_registry() -> None:
    from outhead.check import RULES

    table = _readme_findings()
    assert list(table) == list(RULES), "README rows: one per code, in code order"
    for code, rule in RULES.items():
        name, severity = table[code]
        assert name == rule.name, code
        assert severity.split()[0] == rule.severity, code


# --------------------------------------------------------------------------------------------
# Reasons are data: no code reads meaning back out of outhead's own sentences
# --------------------------------------------------------------------------------------------

#: What reading a sentence for its meaning looks like: a word looked up in a message, a name
#: cut out of one, a flag swapped in the text.
SENTENCE_READING = (
    r"\bin (exc\.)?message\b",
    r"\.message\.(split|startswith|endswith|find)\(",
    r'replace\("--',
    r"re\.search\(pattern, line\)",
)


def test_no_code_reads_meaning_out_of_a_sentence() -> None:
    found = []
    for name, path in MODULES.items():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if any(re.search(p, line) for p in SENTENCE_READING):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found


def test_inference_tags_the_evidence_that_decides() -> None:
    from outhead.check.rules.target import decisive_evidence
    from outhead.layout import infer_layout
    from outhead.reading import scan_target
    from tests.test_sample_data import PAIRS, TABLE_TARGETS

    for target in sorted({t for t, _ in PAIRS}):
        columns = [TABLE_TARGETS[target]] if target in TABLE_TARGETS else None
        layout = infer_layout(scan_target(str(ROOT / "sample_data" / target), columns=columns))
        assert len(layout.evidence_roles) == len(layout.evidence), target
        tagged = {role for role in layout.evidence_roles if role is not None}
        assert "values" in tagged or "task" in tagged, target
        line = decisive_evidence(layout)
        assert line is not None
        role = layout.evidence_roles[layout.evidence.index(line)]
        assert role is not None, (target, line)
