from __future__ import annotations

import textwrap

from nniannot.transformer import TransformResult, transform


def run(source: str, module: str = "train") -> TransformResult:
    """Transform dedented source text."""
    return transform(textwrap.dedent(source), module=module)
