"""What each block computes and how a person builds one by dragging, for the palette's and the
stack's tooltips (the catalog says what a block is; this says how to use it in the window)."""

from __future__ import annotations

import html

BLOCK_HELP: dict[str, tuple[str, str]] = {
    "Residual": (
        "output = input + f(input)",
        "Drop it on the stack, then drag layers onto it: they become f. The shortcut lets deep "
        "stacks train (ResNet units); when f changes the size, a 1x1 projection is added.",
    ),
    "Branches": (
        "output = merge(f1(input), f2(input), …)",
        "Drop it on the stack, then drag layers into each branch; Add branch (Ctrl+B) adds "
        "one. An empty branch passes the input through: a wide-and-deep model is an empty "
        "branch beside an MLP; an Inception module is convolutions of different sizes side by "
        "side.",
    ),
    "Skip": (
        "output = merge(input, f(input))",
        "Drop it on the stack, then drag layers onto it: they become f. Nested Skip blocks "
        "make a U-Net's long skips (each level's input joined to what comes back up).",
    ),
    "Repeat": (
        "output = f(f(…f(input)))  (count copies)",
        "Drop it on the stack, then drag one unit onto it (a Residual block, an attention "
        "block); count sets how many copies run one after another, each with its own weights.",
    ),
}
"""Per block type: what it computes as a formula, and how to build it by dragging."""


def block_help_html(type_name: str) -> str:
    """Return the formula and the how-to of block ``type_name`` as tooltip HTML ("" for
    a plain layer)."""
    known = BLOCK_HELP.get(type_name)
    if known is None:
        return ""
    formula, how = known
    return f"<br><tt>{html.escape(formula)}</tt><br><i>How:</i> {html.escape(how)}"


def block_help_text(type_name: str) -> str:
    """Return the same as plain text, for tooltips that are not HTML ("" for a plain
    layer)."""
    known = BLOCK_HELP.get(type_name)
    return f"\n{known[0]}\nHow: {known[1]}" if known else ""
