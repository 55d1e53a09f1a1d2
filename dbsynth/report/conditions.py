"""``--fail-on 'privacy.audit.risk > 0.2'``: a condition on a numeric figure of the report JSON."""

from __future__ import annotations

import operator
import re
from typing import Any, Callable

from dbsynth.errors import UsageError

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt}
_PATTERN = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*(>=|<=|==|>|<)\s*(-?[0-9.eE+-]+)\s*$")


def figure(report: dict[str, Any], path: str) -> float:
    """The number at a dotted path; a missing or non-numeric one is a usage error."""
    node: Any = report
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise UsageError(f"--fail-on: no figure {path!r} in the report (at {part!r})")
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise UsageError(f"--fail-on: {path!r} is not a number")
    return float(node)


def failed(report: dict[str, Any], conditions: list[str]) -> list[str]:
    """The conditions that hold, each as 'path op value (is actual)'."""
    out = []
    for text in conditions:
        match = _PATTERN.match(text)
        if match is None:
            raise UsageError(f"--fail-on wants PATH OP NUMBER (ops > >= < <= ==), got {text!r}")
        path, op, value = match.groups()
        try:
            limit = float(value)
        except ValueError:
            raise UsageError(f"--fail-on: {value!r} is not a number") from None
        actual = figure(report, path)
        if OPERATORS[op](actual, limit):
            out.append(f"{path} {op} {value} (is {actual:.4g})")
    return out
