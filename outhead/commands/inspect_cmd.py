"""``outhead inspect``: infer the layout of a target file and recommend the output layer."""

from __future__ import annotations

from typing import Annotated

import typer

from outhead.commands.common import (
    ColumnOpt,
    HeaderOpt,
    JsonOpt,
    KeyOpt,
    PerStepOpt,
    ReportFormat,
    SepOpt,
    TaskOpt,
    column_hint,
    handle_errors,
    print_json,
)


def inspect(
    target: Annotated[
        str,
        typer.Argument(
            metavar="TARGET",
            help="Target file: CSV, TSV, NPY, NPZ, Parquet (or a directory of Parquet files), "
            "or a folder of images with one folder per class; '-' reads CSV from standard input.",
            show_default=False,
        ),
    ],
    column: ColumnOpt = None,
    key: KeyOpt = None,
    header: HeaderOpt = None,
    sep: SepOpt = None,
    task: TaskOpt = None,
    per_step: PerStepOpt = False,
    from_logits: Annotated[
        bool,
        typer.Option(
            "--from-logits",
            help="Recommend the numerically stable form: linear output, loss with "
            "from_logits=True, metrics that read logits.",
        ),
    ] = False,
    two_node: Annotated[
        bool,
        typer.Option("--two-node", help="Binary label vector: recommend 2 softmax units."),
    ] = False,
    output_format: Annotated[
        ReportFormat,
        typer.Option(
            "--format", metavar="FORMAT", help="human (Rich) or json (one JSON object on stdout)."
        ),
    ] = ReportFormat.human,
    outputs: Annotated[
        bool,
        typer.Option(
            "--outputs",
            help="Each --column is its own output (one named head each, one compile call "
            "with a loss per output), even when all are numeric. Without it, numeric columns "
            "are one matrix target and columns of mixed kinds are several outputs.",
        ),
    ] = False,
    as_json: JsonOpt = False,
    width: Annotated[
        int | None, typer.Option("--width", help="Wrap human output at this width.", hidden=True)
    ] = None,
) -> None:
    """Infer the layout of a target file and recommend the output layer.

    Prints the file summary, the layout with its evidence, the recommended head (units,
    activation, loss, explicit metrics, how to turn outputs into labels), the Keras code, the
    alternatives, class counts and warnings. Several outputs (--outputs, or columns of mixed
    kinds): one block per output and the one compile call with a loss weight per output.
    Exit codes: 0 done, 2 bad input.
    """
    json_out = as_json or output_format == ReportFormat.json
    with handle_errors(as_json=json_out):
        from outhead.multi import MultiRecommendation, inspect_targets
        from outhead.output.human import progress_bar
        from outhead.reading import ReadOptions

        read = ReadOptions(
            columns=tuple(column) if column else None, key=key, header=header, sep=sep,
            per_step=per_step,
        )
        with progress_bar(not json_out, f"reading {target}") as progress, column_hint(
            "--column COLUMN picks the target columns"
        ):
            rec = inspect_targets(
                target,
                read,
                outputs=outputs,
                task=task.value if task else None,
                from_logits=from_logits,
                two_node=two_node,
                progress=progress,
            )
        if json_out:
            print_json(rec.to_dict())
            return
        from outhead.output.human import print_report, render_inspect

        if isinstance(rec, MultiRecommendation):
            from outhead.output.human_multi import render_outputs

            print_report(render_outputs(rec), width=width)
            return
        print_report(render_inspect(rec), width=width)
