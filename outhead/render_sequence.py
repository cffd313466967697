"""The scaffold for sequences: ``--features X.npy --sequence``, one target row per example.

The features are (n, steps, features) or (n, steps) (:mod:`outhead.sequence_arrays`); the head
is the target's recommendation, decided as for any target (:func:`outhead.render.plan_head`).
The body is chosen from the number of steps (:func:`sequence_block`): a small GRU for short
sequences, Conv1D blocks with GlobalMaxPooling1D for longer ones. The text comes from
``train_sequence.py.jinja``, which imports the head's pieces from ``_common.py.jinja``. Neither
TensorFlow nor pandas is imported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from outhead.errors import TemplateError, UsageError
from outhead.recommend import Recommendation
from outhead.render import (
    FeatureSpec,
    HeadPlan,
    ScaffoldOptions,
    _environment,
    _evidence,
    _positive_value,
    _warnings,
    data_path,
    plan_head,
)
from outhead.sequence_arrays import SequenceArray, describe_sequence_array
from outhead.stats import MISSING_TOKENS, Source

TEMPLATE_NAME = "train_sequence.py.jinja"
#: Sequences of at most this many steps get a GRU; longer ones Conv1D blocks.
GRU_MAX_STEPS = 32
#: At most this many Conv1D blocks (filters 32, 64, 128).
MAX_BLOCKS = 3
#: A block halves the steps; another is added while the halved length stays at least this.
MIN_STEPS = 8


def sequence_block(steps: int) -> str:
    """``"gru"`` for sequences of at most GRU_MAX_STEPS steps, else ``"conv"``.

    A GRU reads the steps one after another, so its cost grows with the length and cannot be
    spread over the steps; for a few dozen steps it is cheap and sees the whole order. Longer
    sequences get Conv1D blocks, which read every window of steps at once.
    """
    return "gru" if steps <= GRU_MAX_STEPS else "conv"


def conv_blocks(steps: int) -> int:
    """Conv1D blocks: one, then one more per halving while the steps stay >= MIN_STEPS."""
    blocks, length = 1, steps
    while blocks < MAX_BLOCKS and length // 2 >= MIN_STEPS:
        blocks, length = blocks + 1, length // 2
    return blocks


def block_reason(sequences: SequenceArray) -> str:
    """Why the script has its block, one sentence for the header and the note."""
    steps = sequences.steps
    if sequence_block(steps) == "gru":
        return (
            f"{steps} steps (at most {GRU_MAX_STEPS}): a GRU of 32 units reads them in order, "
            "which is cheap for short sequences and keeps where in the sequence things happen"
        )
    blocks = conv_blocks(steps)
    return (
        f"{steps} steps (more than {GRU_MAX_STEPS}): {blocks} Conv1D block"
        f"{'s' if blocks > 1 else ''} read every window of steps at once (a GRU would step "
        "through them one by one), then GlobalMaxPooling1D keeps each filter's strongest match"
    )


def render_sequence_script(
    recommendation: Recommendation,
    *,
    sequences: SequenceArray,
    target_source: Source,
    options: ScaffoldOptions | None = None,
    script_dir: str | None = None,
) -> str:
    """Render the training script for sequences and the recommended head.

    Raises:
        UsageError: an option that does not apply, or a head the script cannot encode.
        TemplateError: the template is missing or fails to render.
    """
    options = options or ScaffoldOptions()
    plan = plan_head(recommendation, options)
    layout = recommendation.layout
    evidence, reading = _evidence(recommendation)
    enc = plan.encoding
    target_path = data_path(target_source.path, script_dir)
    sequences_path = data_path(sequences.path, script_dir)
    context: dict[str, Any] = {
        "rec": recommendation,
        "layout": layout,
        "plan": plan,
        "enc": enc,
        "regression": enc in ("standardize", "bounded"),
        "sigmoid_out": plan.probabilities == "sigmoid",
        "evidence": evidence,
        "reading": reading,
        "warnings": _warnings(recommendation, plan),
        "task": layout.task.value,
        "classes": list(layout.classes) if layout.classes is not None else None,
        "opt": options,
        "table": False,
        "positive_value": _positive_value(layout.indicator_values),
        "string_classes": bool(layout.classes)
        and all(isinstance(c, str) for c in layout.classes or ()),
        "sequences": sequences,
        "block": sequence_block(sequences.steps),
        "block_reason": block_reason(sequences),
        "gru_max_steps": GRU_MAX_STEPS,
        "max_blocks": MAX_BLOCKS,
        "min_steps": MIN_STEPS,
        "target": target_source,
        "target_path": target_path,
        "sequences_path": sequences_path,
        "target_columns": list(target_source.columns),
        "missing_tokens": list(MISSING_TOKENS),
        "label_tokens": sorted(
            {t for c in getattr(layout.stats, "columns", ()) for t in c.label_tokens}
        ),
        "script_relative": script_dir is not None
        and (target_path.relative_to_script or sequences_path.relative_to_script),
    }
    import jinja2

    try:
        text: str = _environment().get_template(TEMPLATE_NAME).render(context)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{TEMPLATE_NAME}: {exc}") from exc
    return text


def scaffold_sequence_array(
    recommend_target: Callable[[], tuple[Recommendation, Source]],
    features_path: str | None,
    *,
    target_path: str,
    features_key: str | None,
    options: ScaffoldOptions,
    script_dir: str | None,
    drop: Sequence[str] = (),
    per_step: bool = False,
) -> tuple[str, Recommendation, HeadPlan, Source, FeatureSpec, tuple[str, ...]]:
    """Render the sequence script for ``--features X.npy --sequence`` and the target's head.

    Returns:
        script, recommendation, plan, target source, features, notes (as
        :class:`outhead.scaffold.ScaffoldResult` is made).

    Raises:
        UsageError: no features array, --per-step or a per-step target, ``--drop``, a table or
            an array of another rank, counts that differ.
        FormatError: values that are not finite numbers.
        OutheadError: anything ``outhead inspect`` refuses about the target.
    """
    per_step_hint = (
        "--sequence trains one target row per example; for one label per step use --per-step "
        "instead of --sequence"
    )
    if per_step:
        raise UsageError(per_step_hint, path=target_path)
    if features_path is None:
        raise UsageError(
            "--sequence reads the features from an array: --features X.npy of shape "
            "(n, steps, features)"
        )
    if drop:
        raise UsageError("--drop names columns; a sequence array has none", path=features_path)
    sequences = describe_sequence_array(features_path, key=features_key)
    recommendation, source = recommend_target()
    if recommendation.layout.is_map:
        raise UsageError(per_step_hint, path=source.path)
    n_target = recommendation.layout.n_rows
    if sequences.n_examples != n_target:
        raise UsageError(
            f"{features_path} has {sequences.n_examples} sequences and {source.path} has "
            f"{n_target} rows: sequence i must be described by row i of the target"
        )
    script = render_sequence_script(
        recommendation,
        sequences=sequences,
        target_source=source,
        options=options,
        script_dir=script_dir,
    )
    plan = plan_head(recommendation, options)
    shape = ", ".join(str(s) for s in sequences.shape)
    notes = [
        f"{features_path}: {sequences.n_examples} sequences of {sequences.steps} steps, "
        f"{sequences.features} feature{'s' if sequences.features > 1 else ''} per step "
        f"(({shape}), {sequences.dtype}); {block_reason(sequences)}",
    ]
    if options.stream:
        notes.append("--stream applies to tables; the sequence script holds the training rows")
    notes.extend(plan.notes)
    features = FeatureSpec(
        Source(
            path=features_path,
            format="npz" if sequences.key is not None else "npy",
            columns=(),
            all_columns=(),
            key=sequences.key,
        )
    )
    return script, recommendation, plan, source, features, tuple(notes)
