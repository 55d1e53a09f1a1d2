"""``--fail-on 'privacy.audit.risk > 0.2'``: a condition on a numeric figure of the report JSON.

Conditions are parsed before the report is built (a typo costs no report run); their paths
can only be checked against the built report.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from typing import Any, Callable

from dbsynth.errors import UsageError

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt}
_PATTERN = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*(>=|<=|==|>|<)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Condition:
    path: str
    op: str
    limit: float
    text: str

    def holds(self, report: dict[str, Any]) -> bool:
        return OPERATORS[self.op](figure(report, self.path), self.limit)


def parse(texts: list[str]) -> list[Condition]:
    """Each ``PATH OP NUMBER``; bad syntax or a non-number is a usage error, named."""
    out = []
    for text in texts:
        match = _PATTERN.match(text)
        if match is None:
            raise UsageError(f"--fail-on wants PATH OP NUMBER (ops > >= < <= ==), got {text!r}")
        path, op, value = match.groups()
        try:
            limit = float(value)
        except ValueError:
            limit = math.nan
        if not math.isfinite(limit):  # a gate on NaN never holds: it would pass every run
            raise UsageError(f"--fail-on: {value!r} is not a number (in {text!r})")
        out.append(Condition(path, op, limit, f"{path} {op} {value}"))
    return out


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


def failed(report: dict[str, Any], conditions: list[Condition]) -> list[str]:
    """The conditions that hold, each as 'path op value (is actual)'."""
    return [f"{c.text} (is {figure(report, c.path):.4g})" for c in conditions if c.holds(report)]
