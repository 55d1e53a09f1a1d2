"""What key inference returns: every key considered, with its score and evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Query = Callable[[str], list[tuple[Any, ...]]]
#: Renders ``table`` as a qualified, quoted SQL name; ``quote`` quotes one identifier.
Qualify = Callable[[str], str]
Quote = Callable[[str], str]

DEFAULT_THRESHOLD = 0.6


@dataclass(frozen=True)
class InferredKey:
    """One inferred key: ``kind`` is ``primary``, ``unique`` or ``foreign`` (then ``ref_*``
    are set)."""

    kind: str
    table: str
    columns: tuple[str, ...]
    score: float
    evidence: dict[str, Any]
    ref_table: str | None = None
    ref_columns: tuple[str, ...] | None = None

    def label(self) -> str:
        own = f"{self.table}({', '.join(self.columns)})"
        if self.kind != "foreign":
            return own if self.kind == "primary" else f"{self.kind} {own}"
        return f"{own} -> {self.ref_table}({', '.join(self.ref_columns or ())})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "table": self.table, "columns": list(self.columns),
                               "score": round(self.score, 3), "evidence": self.evidence}
        if self.kind == "foreign":
            out.update(ref_table=self.ref_table, ref_columns=list(self.ref_columns or ()))
        return out


@dataclass
class Inference:
    """Every key considered (used or not), how long it took and how many data queries ran."""

    keys: list[InferredKey] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    seconds: float = 0.0
    queries: int = 0
    candidates: int = 0

    def accepted(self) -> list[InferredKey]:
        return [k for k in self.keys if k.score >= self.threshold]

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "seconds": round(self.seconds, 3),
                "data_queries": self.queries, "candidates": self.candidates,
                "keys": [k.to_dict() | {"used": k.score >= self.threshold} for k in self.keys]}
