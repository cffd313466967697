"""Rendering: from a recommendation to a runnable Keras 3 training script.

:func:`render_script` is pure: it takes the recommendation, where the target and the features
come from, and the training options, and returns the text of ``train.py``. The text comes from
the Jinja template ``train.py.jinja`` (``templates/`` in a source checkout, ``outhead/templates``
inside the wheel) and is byte-stable: the same inputs always give the same bytes.

Every value that comes from the data (paths, column names, class names) enters the script through
:func:`py_literal` (the ``py`` filter) or :func:`comment_text` (the ``comment`` filter), never as
pasted text, so a hostile column name stays a harmless string.
"""

from __future__ import annotations

import ast
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from outhead.errors import TemplateError, UsageError
from outhead.layout import LayoutKind, Task
from outhead.recommend import Decision, Head, MetricSpec, Recommendation, logit_metric, recommend
from outhead.stats import MISSING_TOKENS, Source
from outhead.text_features import TextPlan

TEMPLATE_NAME = "train.py.jinja"

Encoding = Literal[
    "standardize", "bounded", "binary", "index", "one-hot", "matrix", "label-sets"
]
"""How the script turns the target file into the array the model trains on:

* ``standardize``: regression targets, scaled to mean 0 / std 1 (reported back in their units);
* ``bounded``: one column in [0, 1], kept as is (the sigmoid output covers it);
* ``binary``: two labels mapped to 0/1, one sigmoid unit;
* ``index``: labels mapped to 0..K-1 (sparse categorical; also binary with ``--two-node``);
* ``one-hot``: labels mapped to 0..K-1, then one-hot rows (``--loss focal``:
  CategoricalFocalCrossentropy has no sparse form);
* ``matrix``: one-hot, multi-hot or probability columns, kept (indicator pairs mapped to 0/1);
* ``label-sets``: one text column of label sets (``Kr|Xe``) turned into a multi-hot matrix.
"""

_LITERAL_WIDTH = 72
"""Literals longer than this are written one item per line (the script stays within 100 columns)."""


@dataclass(frozen=True)
class ScaffoldOptions:
    """How the generated script trains (its defaults; the script's flags override some)."""

    hidden: tuple[int, ...] = (64, 32)
    """Units of the hidden ``Dense(relu)`` layers, in order; empty for a linear model."""
    epochs: int = 100
    """Upper bound on epochs; early stopping usually ends training sooner."""
    batch_size: int = 32
    validation_split: float = 0.2
    """Fraction of the rows held out to watch the validation loss (early stopping)."""
    test_split: float = 0.2
    """Fraction of the rows held out for the final test scores in ``metrics.json``."""
    seed: int = 42
    patience: int = 10
    """Epochs without a better validation loss before early stopping."""
    two_node: bool = False
    """Binary label vectors: two softmax units on one-hot labels instead of one sigmoid unit."""
    from_logits: bool = False
    """Linear output with ``from_logits=True`` losses and logit-reading metrics."""
    distribute: bool = False
    """Data-parallel training with ``keras.distribution`` on the JAX backend (one process on
    every local device, or several processes described by ``KERAS_DISTRIBUTION_*``)."""
    stream: bool = False
    """Read the table in chunks on every pass (flat memory) instead of loading it once."""
    output_dir: str = "outhead_run"
    loss: Literal["default", "focal"] = "default"
    """``focal``: the focal form of the classification loss (``--loss focal``)."""

    def __post_init__(self) -> None:
        if self.loss not in ("default", "focal"):
            raise UsageError(f"--loss takes default or focal, not {self.loss!r}")
        if any(u < 1 for u in self.hidden):
            raise UsageError("hidden layer sizes must be positive integers")
        if self.epochs < 1 or self.batch_size < 1 or self.patience < 1:
            raise UsageError("epochs, batch size and patience must be at least 1")
        for name in ("validation_split", "test_split"):
            value = getattr(self, name)
            if not 0.0 < value < 0.5:
                raise UsageError(
                    f"{name.replace('_', ' ')} must be above 0 and below 0.5, got {value}"
                )


@dataclass(frozen=True)
class FeatureSpec:
    """Where the features come from.

    Either a separate file whose every column is a feature (``columns`` is None) or some of its
    columns (``columns`` listed, the rest ``dropped``), or the target's own table
    (``in_target_file``), with the feature columns listed.
    """

    source: Source
    columns: tuple[str, ...] | None = None
    in_target_file: bool = False
    dropped: tuple[str, ...] = ()
    """Columns left out on purpose (``--drop``, a row index), for the header."""
    text: TextPlan = field(default_factory=TextPlan)
    """Feature columns read as free text, or as categories (``--text``, ``--categorical``)."""


@dataclass(frozen=True)
class HeadPlan:
    """The head the script builds: the recommendation's, with the options applied by
    :func:`outhead.recommend.recommend` (``--two-node``, ``--from-logits``)."""

    head: Head
    metrics: tuple[MetricSpec, ...]
    encoding: Encoding
    decision: Decision
    threshold: float | None
    """The probability threshold of threshold decisions (the script applies the sigmoid to
    logits before comparing)."""
    class_weight: bool
    """Weight the classes (single-label classes that are imbalanced)."""
    stratify: bool
    """Split train/validation/test per class."""
    dropped_metrics: tuple[str, ...] = field(default=())
    """Metrics of the recommendation left out because they cannot read logits."""
    metric_code: tuple[str, ...] = field(default=())
    """The metrics as Keras source, each named (``keras.metrics.AUC(name="auc")``)."""
    notes: tuple[str, ...] = field(default=())
    """Options that did not apply to this head and were ignored, one sentence each."""

    @property
    def units(self) -> int:
        return self.head.units

    @property
    def activation(self) -> str:
        return self.head.activation

    @property
    def loss_class(self) -> str:
        return self.head.loss_class

    @property
    def from_logits(self) -> bool:
        return self.head.from_logits

    @property
    def probabilities(self) -> str | None:
        """``sigmoid`` or ``softmax``: how the outputs (or, with from_logits, the logits the
        loss reads) become probabilities; None for a regression head."""
        return self.head.probabilities

    def layer_code(self) -> str:
        """The output layer as Keras source: ``keras.layers.Dense(6, activation="softmax")``."""
        return self.head.layer_code()

    def loss_code(self) -> str:
        """The loss object as Keras source, e.g. ``keras.losses.BinaryCrossentropy()``."""
        return self.head.loss_code()


def plan_head(recommendation: Recommendation, options: ScaffoldOptions) -> HeadPlan:
    """The head the script builds: the recommendation, with the options applied by recommend.

    Args:
        recommendation: what ``outhead inspect`` recommends for the target.
        options: ``two_node`` and ``from_logits`` change the head (when the recommendation was
            made without them); the rest is ignored here.

    Returns:
        The plan: units, activation, loss, metrics, target encoding and decision rule.

    Options that do not apply (``--two-node`` on a non-binary target, ``--from-logits`` on a
    regression head) are ignored with a note, as ``outhead inspect`` does.

    Raises:
        UsageError: a layout the script cannot encode.
    """
    rec, metrics, dropped, notes = _apply_options(recommendation, options)
    head = rec.head
    encoding = _encoding(rec)
    decision = rec.decision
    threshold = rec.threshold if decision in ("threshold", "per-label-threshold") else None
    if threshold is not None and head.from_logits:
        # A logit threshold (0.0) from the recommendation; the script compares probabilities.
        threshold = 1.0 / (1.0 + math.exp(-threshold))
    elif decision in ("threshold", "per-label-threshold") and threshold is None:
        threshold = 0.5

    # Pasted into the script as code: they must be plain names, never text from the data.
    identifier(head.activation)
    identifier(head.loss_class)
    for metric in metrics:
        identifier(metric.cls)
        for key, _ in metric.args:
            identifier(key)
    single_label = encoding in ("binary", "index", "one-hot") or (
        rec.layout.kind is LayoutKind.ONE_HOT
    )
    return HeadPlan(
        head=head,
        metrics=metrics,
        encoding=encoding,
        decision=decision,
        threshold=threshold,
        # Keras 3 turns class_weight into sample weights through the argmax of a 2-D target,
        # which is wrong for multi-hot and soft labels, so only single-label classes get it.
        class_weight=single_label and bool(recommendation.class_weight),
        stratify=single_label,
        dropped_metrics=dropped,
        metric_code=tuple(m.code(named=True, literal=py_literal) for m in metrics),
        notes=tuple(notes),
    )


def _two_softmax(head: Head) -> bool:
    return head.units == 2 and head.probabilities == "softmax"


def _apply_options(
    rec: Recommendation, options: ScaffoldOptions
) -> tuple[Recommendation, tuple[MetricSpec, ...], tuple[str, ...], list[str]]:
    """The recommendation remade by :func:`recommend` with options it was not made with.

    Returns the recommendation, its metrics (the given ones, made to read logits when
    ``--from-logits`` changed the head), the metrics left out, and a note per option that does
    not apply.
    """
    two_node = options.two_node and not _two_softmax(rec.head)
    from_logits = options.from_logits and not rec.head.from_logits
    focal = options.loss == "focal" and "Focal" not in rec.head.loss_class
    if not (two_node or from_logits or focal):
        return rec, rec.metrics, (), []
    task = rec.layout.task
    remade = recommend(
        rec.layout,
        from_logits=options.from_logits or rec.head.from_logits,
        two_node=options.two_node,
        focal=options.loss == "focal",
    )
    notes: list[str] = []
    if focal and "Focal" not in remade.head.loss_class:
        notes.append(f"--loss focal applies to classification heads, not to {task.value}")
    if two_node and not _two_softmax(remade.head):
        notes.append(f"--two-node applies to binary label vectors; this target is {task.value}")
    if from_logits and not remade.head.from_logits:
        notes.append(f"--from-logits applies to classification heads, not to {task.value}")
    metrics: tuple[MetricSpec, ...] = rec.metrics
    dropped: tuple[str, ...] = ()
    if (two_node and _two_softmax(remade.head)) or (focal and "Focal" in remade.head.loss_class):
        metrics = remade.metrics
    elif remade.head.from_logits and not rec.head.from_logits:
        kept = [(m, logit_metric(m)) for m in rec.metrics]
        metrics = tuple(m for _, m in kept if m is not None)
        dropped = tuple(m.cls for m, on_logits in kept if on_logits is None)
    return remade, metrics, dropped, notes


def _encoding(recommendation: Recommendation) -> Encoding:
    layout = recommendation.layout
    head = recommendation.head
    if layout.task is Task.REGRESSION:
        return "standardize"
    if layout.task is Task.BOUNDED_REGRESSION:
        return "bounded"
    if layout.kind is LayoutKind.LABEL_SETS:
        return "label-sets"
    if layout.kind in (LayoutKind.ONE_HOT, LayoutKind.MULTI_HOT, LayoutKind.PROBABILITIES):
        return "matrix"
    if layout.kind is LayoutKind.LABEL_VECTOR and layout.classes:
        if head.loss_class == "SparseCategoricalCrossentropy":
            return "index"
        if head.loss_class == "CategoricalFocalCrossentropy":
            return "one-hot"
        if head.units == 1 and len(layout.classes) == 2:
            return "binary"
    raise UsageError(
        f"scaffold cannot encode a {layout.kind.value} target for a {layout.task.value} head "
        f"with {head.units} unit(s) and {head.loss_class}"
    )


# --- the two filters through which data enters the script ---------------------------------------


def py_literal(value: Any, indent: int = 0) -> str:
    """A Python literal for ``value`` that evaluates back to exactly ``value``.

    Strings become ``repr`` strings, containers are built item by item (one item per line when
    the literal would be long), and the result is checked with :func:`ast.literal_eval`, so no
    value can ever become code.

    Args:
        value: None, a bool, int, finite float, str, or a list/tuple/dict of those (dict keys:
            str, int, float or bool).
        indent: the column the literal's own line starts at, for multi-line containers.

    Returns:
        Python source text.

    Raises:
        TemplateError: the value has another type, or a float that is not finite.
    """
    text = _literal(value, indent)
    try:
        round_trip = ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:  # pragma: no cover - _literal only builds literals
        raise TemplateError(f"cannot write {value!r} as a Python literal") from exc
    if round_trip != value:
        raise TemplateError(f"cannot write {value!r} as a Python literal")
    return text


def _literal(value: Any, indent: int) -> str:
    if isinstance(value, str):
        text = repr(value)
        # The script's own strings use double quotes; repr picks single ones. When the text has
        # no quote of either kind, swapping the delimiters changes nothing else.
        if text.startswith("'") and '"' not in value:
            text = f'"{text[1:-1]}"'
        return text
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TemplateError(f"cannot write the number {value!r} into the script")
        return repr(value)
    if isinstance(value, dict):
        items = [f"{_key(k)}: {_literal(v, indent + 4)}" for k, v in value.items()]
        return _wrap("{", items, "}", indent, trailing_single=False)
    if isinstance(value, list | tuple):
        items = [_literal(v, indent + 4) for v in value]
        opener, closer = ("[", "]") if isinstance(value, list) else ("(", ")")
        return _wrap(opener, items, closer, indent, trailing_single=isinstance(value, tuple))
    raise TemplateError(f"cannot write a {type(value).__name__} into the script")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _literal(key, 0)
    if isinstance(key, bool | int) or (isinstance(key, float) and math.isfinite(key)):
        return repr(key)
    raise TemplateError(f"cannot write a dictionary key of type {type(key).__name__}")


def _wrap(opener: str, items: list[str], closer: str, indent: int, *, trailing_single: bool) -> str:
    one_line = ", ".join(items)
    if trailing_single and len(items) == 1:
        one_line += ","
    if "\n" not in one_line and indent + len(one_line) + 2 <= _LITERAL_WIDTH:
        return f"{opener}{one_line}{closer}"
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{item},\n" for item in items)
    return f"{opener}\n{body}{' ' * indent}{closer}"


def comment_text(value: Any) -> str:
    """Text safe to put after ``#`` on one line: line breaks and control characters escaped.

    Args:
        value: anything; it is turned into ``str`` first.

    Returns:
        The text with every non-printable character written as its escape (``\\n``).
    """
    text = str(value)
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def identifier(value: Any) -> str:
    """A name that is pasted as code (a Keras class, a keyword): checked to be an identifier.

    Raises:
        TemplateError: the value is not a plain Python identifier.
    """
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise TemplateError(f"not a Python identifier: {value!r}")
    return value


# --- the environment ------------------------------------------------------------------------------


def templates_dir() -> Any:
    """Where the templates are: ``outhead/templates`` if installed, else the repo's ``templates/``.

    Returns:
        A :class:`importlib.resources.abc.Traversable` (a :class:`~pathlib.Path` in a checkout).

    Raises:
        TemplateError: neither location holds the template.
    """
    packaged = resources.files("outhead") / "templates"
    if (packaged / TEMPLATE_NAME).is_file():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if (checkout / TEMPLATE_NAME).is_file():
        return checkout
    raise TemplateError(
        f"template {TEMPLATE_NAME} not found (looked in outhead/templates and {checkout})"
    )


#: The columns a script's line may take (ruff's E501, as the tests lint the scripts).
LINE_LENGTH = 100


def path_comment(path: Any) -> str:
    """A data path for the line ``#   PATH`` of a script's header, lint-clean however long.

    A path that fits stays as it is. ruff's E501 exempts a long line only when it ends with a
    URL, so a longer absolute path is written as its ``file://`` URL (the same file; a space is
    ``%20``), and a longer relative one gets ``# noqa: E501``.
    """
    text = comment_text(path)
    if len("#   " + text) <= LINE_LENGTH:
        return text
    if os.path.isabs(text):
        return Path(text).as_uri()
    return f"{text}  # noqa: E501"


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    folder = templates_dir()

    def load(name: str) -> str:
        return (folder / name).read_text(encoding="utf-8")

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(load),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # the output is Python, not HTML; values go through `py` instead
    )
    filters: dict[str, Callable[..., str]] = {
        "py": py_literal,
        "comment": comment_text,
        "path_comment": path_comment,
        "ident": identifier,
    }
    env.filters.update(filters)
    return env


def render_script(
    recommendation: Recommendation,
    *,
    target_source: Source,
    features: FeatureSpec,
    options: ScaffoldOptions | None = None,
    script_dir: str | None = None,
) -> str:
    """Render the training script for a recommendation.

    Args:
        recommendation: the recommended head (from :func:`outhead.recommend.recommend`).
        target_source: how the target was read (path, format, columns, header, delimiter, key).
        features: where the features are read from.
        options: training options; defaults to :class:`ScaffoldOptions` ().
        script_dir: the folder the script is written to: relative data paths are written
            relative to it and resolved from the script's own location when it runs. None (the
            script goes to stdout): they stay relative to the current directory. Absolute paths
            stay absolute either way.

    Returns:
        The script's text, ending with a newline.

    Raises:
        UsageError: an option that does not apply to this head (see :func:`plan_head`), or a
            target read from standard input (the script must read it again).
        TemplateError: the template is missing or fails to render.
    """
    options = options or ScaffoldOptions()
    if options.stream:
        check_streamable(target_source, features, options)
    check_text_options(features, options)
    if target_source.path == "-" or features.source.path == "-":
        raise UsageError("scaffold needs files it can read again: '-' (standard input) won't do")
    plan = plan_head(recommendation, options)
    layout = recommendation.layout
    target_path = data_path(target_source.path, script_dir)
    features_path = data_path(features.source.path, script_dir)
    evidence, reading = _evidence(recommendation)
    context = {
        "target_path": target_path,
        "features_path": features_path,
        "script_relative": script_dir is not None
        and (target_path.relative_to_script or features_path.relative_to_script),
        "evidence": evidence,
        "reading": reading,
        "warnings": _warnings(recommendation, plan),
        "rec": recommendation,
        "layout": layout,
        "plan": plan,
        "target": target_source,
        "target_columns": list(target_source.columns),
        "features": features,
        "feature_columns": list(features.columns) if features.columns is not None else None,
        "text_columns": list(features.text.text),
        "categorical_columns": list(features.text.categorical),
        "opt": options,
        "classes": list(layout.classes) if layout.classes is not None else None,
        "positive_value": _positive_value(layout.indicator_values),
        "task": layout.task.value,
        "missing_tokens": list(MISSING_TOKENS),
        "label_tokens": sorted(
            {t for c in getattr(layout.stats, "columns", ()) for t in c.label_tokens}
        ),
        "string_classes": bool(layout.classes)
        and all(isinstance(c, str) for c in layout.classes or ()),
    }
    import jinja2

    try:
        text: str = _environment().get_template(TEMPLATE_NAME).render(context)
    except jinja2.TemplateError as exc:
        raise TemplateError(f"{TEMPLATE_NAME}: {exc}") from exc
    return text


def check_streamable(
    target_source: Source, features: FeatureSpec, options: ScaffoldOptions
) -> None:
    """Refuse what a ``--stream`` script cannot read in chunks, again on every pass.

    Raises:
        UsageError: standard input, an NPZ archive, target and features in separate files, or
            ``--distribute`` too.
    """
    if target_source.path == "-":
        raise UsageError(
            "--stream reads the table again on every pass: '-' (standard input) won't do; "
            "save it to a file"
        )
    if target_source.format == "npz":
        raise UsageError(
            "--stream reads in chunks, which an .npz archive does not allow (it has no row "
            "count to read ahead of loading an array); save the table as .npy, CSV or Parquet",
            path=target_source.path,
        )
    if not features.in_target_file:
        raise UsageError(
            "--stream reads one table holding the target and the features: pass the table "
            "with --target COLUMN, not --features FILE"
        )
    if options.distribute:
        raise UsageError(
            "--stream and --distribute do not go together yet: --distribute shards a table "
            "held in memory; drop one of them"
        )


def check_text_options(features: FeatureSpec, options: ScaffoldOptions) -> None:
    """Refuse the options a script with free-text columns cannot honour (yet).

    ``--stream``: a text column's vocabulary (its most frequent words over every training
    row) would take a pass of its own over the table, and word counts that grow with it; the
    chunked survey only keeps bounded state. ``--distribute``: it trains on JAX, where the
    TextVectorization layer of the saved model cannot run (it is TensorFlow code).

    Raises:
        UsageError: one line naming the text column and the way out.
    """
    if not features.text.text:
        return
    name = features.text.text[0]
    for flag, why in (
        (
            options.stream,
            "--stream cannot read free text yet: the vocabulary of its words needs every "
            "training row counted before training, which the chunked survey does not keep",
        ),
        (
            options.distribute,
            "--distribute cannot read free text: it trains on JAX, where TextVectorization "
            "(TensorFlow code) cannot run",
        ),
    ):
        if flag:
            raise UsageError(
                f"{why}; column {name!r} is free text: drop the option, or pass "
                f"--categorical {name} (or --drop {name})"
            )


@dataclass(frozen=True)
class DataPath:
    """A data path as the script writes it: ``code`` is the Python expression of its default."""

    code: str
    relative_to_script: bool


def data_path(path: str, script_dir: str | None) -> DataPath:
    """Where the script finds a data file, whatever directory it is run from.

    Absolute paths stay as given. Relative ones stay relative to the current directory when
    ``script_dir`` is None (stdout), else become relative to ``script_dir``, as
    ``str(SCRIPT_DIR / "...")`` (``SCRIPT_DIR`` is the script's folder at run time). The text
    holds no machine-specific prefix, so the same layout renders the same bytes anywhere.
    """
    if script_dir is None or os.path.isabs(path):
        return DataPath(_long_literal(py_literal(path)), False)
    try:
        relative = os.path.relpath(os.path.realpath(path), os.path.realpath(script_dir))
    except ValueError:  # pragma: no cover - another drive (Windows): keep the absolute path
        return DataPath(_long_literal(py_literal(os.path.realpath(path))), False)
    literal = py_literal(Path(relative).as_posix())
    if len(literal) > _MAX_PATH_LITERAL:
        return DataPath(f"str(SCRIPT_DIR.joinpath{_long_literal(literal)})", True)
    return DataPath(f"str(SCRIPT_DIR / {literal})", True)


#: A path literal longer than this goes on a line of its own (``NAME = (`` newline, the
#: literal, ``)``): ruff's E501 exempts a line that is one word, so the script stays
#: lint-clean however long the path (``VALIDATION_DIR = `` takes 17 of the 100 columns;
#: ``str(SCRIPT_DIR.joinpath(`` 25).
_MAX_PATH_LITERAL = 80


def _long_literal(literal: str) -> str:
    """``literal``, parenthesized on a line of its own when it is too long for one line (and
    marked ``# noqa: E501`` when it holds a space, which E501 does not exempt)."""
    if len(literal) <= _MAX_PATH_LITERAL:
        return literal
    noqa = "  # noqa: E501" if " " in literal and len(literal) + 4 > LINE_LENGTH else ""
    return f"(\n    {literal}{noqa}\n)"


def _warnings(recommendation: Recommendation, plan: HeadPlan) -> list[str]:
    """outhead's warnings for the script's header, as they apply to the script.

    Missing cells of label sets are not missing targets for the script: they are rows with no
    label, which it encodes as all zeros and keeps.
    """
    out = []
    for diagnostic in recommendation.diagnostics:
        if diagnostic.severity != "warning":
            continue
        if plan.encoding == "label-sets" and diagnostic.code == "missing-values":
            stats = recommendation.layout.stats
            n = sum(c.n_missing for c in stats.columns) if stats is not None else None
            cells = f"{n} empty target cells" if n is not None else "empty target cells"
            out.append(f"{cells}: rows with no label, which the script encodes as all zeros")
            continue
        out.append(diagnostic.message)
    return out


def _evidence(recommendation: Recommendation) -> tuple[list[str], list[str]]:
    """The layout evidence for the script's header, and how the file was read (facts only).

    The reading notes (``layout.reading``) name outhead's options (``pass --no-header if it is
    data``), which the script does not have: the header keeps their facts (the notes' messages,
    without the hints), apart from the evidence. Evidence lines that repeat a reading note (as
    layouts built before ``layout.reading`` existed did) are left out of the evidence.
    """
    layout = recommendation.layout
    stats = layout.stats
    notes = [n for n in stats.notes if n.severity == "note"] if stats is not None else []
    worded = {f"{n.message}; {n.fix}" if n.fix else n.message for n in notes}
    evidence = [line for line in layout.evidence if line not in worded]
    return evidence, [n.message for n in notes]


def _positive_value(pair: tuple[float, float] | None) -> int | float:
    if pair is None:
        return 1
    positive = pair[1]
    return int(positive) if float(positive).is_integer() else positive
