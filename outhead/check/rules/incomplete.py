"""OH0xx: what could not be checked, and how to say it where the head was declared."""

from __future__ import annotations

from collections.abc import Sequence

from outhead.check.rules.common import HeadCtx, Hit


def head_incomplete(c: HeadCtx) -> list[Hit]:
    """OH001: the head does not give its units, activation or loss: rules were skipped."""
    head = c.head
    missing = [
        w for w, v in (("units", c.units), ("activation", c.act), ("loss", c.family)) if v is None
    ]
    if not missing:
        return []
    words = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    pronoun = "it" if len(missing) == 1 else "them"
    skipped = f"the rules that need {pronoun} were skipped"
    declared_in = head.declared_in if head.from_model else head.source
    in_config = bool(declared_in) and declared_in != "command line"
    if head.from_model:
        model = head.source or "the saved model"
        if missing == ["loss"]:
            message = (
                f"the saved model {model} has no compiled loss (it was saved without compile()): "
                f"{skipped}"
            )
        else:
            message = f"the saved model {model} does not give its {words}: {skipped}"
        if in_config:
            fix = (
                f"add head = {{ {', '.join(f'{m} = ...' for m in missing)} }} next to model in "
                f"{declared_in}"
            )
        else:
            fix = f"pass {_options(missing)} alongside --model"
        return [Hit(message, fix)]
    message = f"the head declares no {words}: {skipped}"
    if in_config:
        fix = f"add {words} to the head of this target in {declared_in} (or a model)"
    else:
        fix = f"pass {_options(missing)} (or --model)"
    return [Hit(message, fix)]


def _options(fields: Sequence[str]) -> str:
    opts = [f"--{f}" for f in fields]
    return opts[0] if len(opts) == 1 else ", ".join(opts[:-1]) + " and " + opts[-1]
