"""One head decision: ``outhead check`` passes the head that ``outhead inspect`` recommends.

On every sample target (through the CLI, with --strict), on every hand-built layout and on any
layout Hypothesis draws (through the library), in each form recommend offers (--from-logits,
--two-node) and under --task forcing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from typer.testing import CliRunner

import tests.layouts as hand_built
from outhead.check import DeclaredHead, check_head
from outhead.check.rules.common import recommended_head
from outhead.cli import app
from outhead.errors import OutheadError
from outhead.layout import Layout, LayoutKind, Task, infer_layout
from outhead.reading import scan_target
from outhead.recommend import Recommendation, recommend
from tests.conftest import SAMPLE_DATA
from tests.test_checking import layouts
from tests.test_sample_data import PAIRS, TABLE_TARGETS

TARGETS = sorted({t for t, _ in PAIRS})
OPTIONS = ([], ["--from-logits"], ["--two-node"], ["--from-logits", "--two-node"])


#: Labels that must be mapped first: to 0..K-1 for a sparse loss, to 0/1 for a binary one.
_MAPPING = ("OH203", "OH307")


def _failing(findings: list[dict[str, Any]], *layer_codes: str) -> list[dict[str, Any]]:
    """The findings that fail ``--strict``, but a label mapping whose fix keeps the head.

    Integer labels that are not 0..K-1 (``1..6``, ``1/2``) get the recommended head together
    with a ``label-mapping`` note (the script maps them); check, which sees the raw labels, says
    the same thing as an error whose fix maps the labels and keeps that head.
    """
    return [
        f
        for f in findings
        if f["severity"] != "note"
        and not (f["code"] in _MAPPING and any(code in f["fix"] for code in layer_codes))
    ]


def _columns(target: str) -> list[str]:
    return ["--column", TABLE_TARGETS[target]] if target in TABLE_TARGETS else []


def _head_options(doc: dict[str, Any]) -> list[str]:
    """``outhead check`` options declaring the head of an ``inspect --json`` document."""
    args = ["--units", str(doc["units"]), "--activation", doc["activation"], "--loss", doc["loss"]]
    if doc["from_logits"]:
        args.append("--from-logits")
    for metric in doc["metric_objects"]:
        args += ["--metric", metric["code"]]
    if doc["class_weight"]:
        args.append("--class-weight")
    return args


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: " ".join(o) or "default")
@pytest.mark.parametrize("target", TARGETS)
def test_check_passes_the_head_inspect_recommends(target: str, options: list[str]) -> None:
    runner = CliRunner()
    path = str(SAMPLE_DATA / target)
    inspected = runner.invoke(app, ["inspect", path, *_columns(target), "--json", *options])
    assert inspected.exit_code == 0, inspected.output
    doc = json.loads(inspected.stdout)
    checked = runner.invoke(
        app,
        ["check", path, *_columns(target), *_head_options(doc), "--strict", "--format", "json"],
    )
    report = json.loads(checked.stdout)
    layer = "Dense({}{})".format(
        doc["units"], "" if doc["activation"] == "linear" else f', activation="{doc["activation"]}"'
    )
    failing = _failing(report["findings"], layer)
    assert not failing, failing
    if all(f["severity"] == "note" for f in report["findings"]):
        assert checked.exit_code == 0
    else:  # the OH203 above
        assert {"label-mapping"} <= {w["code"] for w in doc["warnings"]}


def _declared(rec: Recommendation) -> DeclaredHead:
    head = rec.head
    return DeclaredHead(
        units=head.units,
        activation=head.activation,
        loss=head.loss,
        from_logits=head.from_logits,
        metrics=tuple(m.code() for m in rec.metrics),
        class_weight=bool(rec.class_weight),
    )


def _assert_passes(layout: Layout, from_logits: bool = False, two_node: bool = False) -> None:
    rec = recommend(layout, from_logits=from_logits, two_node=two_node)
    findings = [f.to_dict() for f in check_head(layout, _declared(rec))]
    failing = _failing(findings, rec.head.layer_code(), rec.head.layer_code(bare_linear=True))
    assert not failing, (layout.kind, layout.task, rec.head, failing)
    # The fix check quotes is recommend's head.
    assert recommended_head(layout, logits=rec.head.from_logits) == recommend(
        layout, from_logits=rec.head.from_logits
    ).head


@pytest.mark.parametrize(
    ("from_logits", "two_node"), [(False, False), (True, False), (False, True)]
)
@pytest.mark.parametrize("target", TARGETS)
def test_check_passes_the_head_of_every_forced_task(
    target: str, from_logits: bool, two_node: bool
) -> None:
    columns = [TABLE_TARGETS[target]] if target in TABLE_TARGETS else None
    stats = scan_target(str(SAMPLE_DATA / target), columns=columns)
    checked = 0
    for task in Task:
        try:
            layout = infer_layout(stats, task=task)
        except OutheadError:
            continue  # the data cannot be read as that task
        if any(d.code == "task-forced" for d in layout.diagnostics):
            # inspect warns that the data says otherwise (values outside [0, 1] for a
            # sigmoid...): check saying so too is agreement.
            continue
        checked += 1
        _assert_passes(layout, from_logits, two_node)
    assert checked >= 1


HAND_BUILT = {
    name: value for name, value in vars(hand_built).items() if isinstance(value, Layout)
}


@pytest.mark.parametrize("name", sorted(HAND_BUILT))
def test_check_passes_the_head_of_every_hand_built_layout(name: str) -> None:
    for from_logits in (False, True):
        for two_node in (False, True):
            _assert_passes(HAND_BUILT[name], from_logits, two_node)


@settings(max_examples=200, deadline=None)
@given(layouts())
def test_check_passes_the_head_of_any_layout(layout: Layout) -> None:
    _assert_passes(layout)
    _assert_passes(layout, from_logits=True)


def test_a_two_class_vector_read_as_multiclass_gets_two_softmax_units_in_both() -> None:
    """inspect --task multiclass and check agreed on nothing here before: one decision now."""
    layout = infer_layout(
        scan_target(str(SAMPLE_DATA / "machine_failure.csv")), task=Task.MULTICLASS
    )
    assert layout.kind == LayoutKind.LABEL_VECTOR
    head = recommend(layout).head
    assert (head.units, head.activation, head.loss_class) == (
        2,
        "softmax",
        "SparseCategoricalCrossentropy",
    )
    assert recommended_head(layout) == head
