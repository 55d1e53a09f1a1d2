"""``--fail-on`` conditions, parsed without a report (milliseconds)."""

from __future__ import annotations

import pytest


def test_fail_on_limit_must_be_a_finite_number() -> None:
    """A gate on NaN never holds (every comparison with NaN is false): a typo that silently
    passes every pipeline. Before: 'nan' and 'inf' parsed as limits."""
    from dbsynth.errors import UsageError
    from dbsynth.report.conditions import failed, parse

    for text in ("privacy.audit.risk > nan", "privacy.audit.risk < inf", "summary.overall >= -inf"):
        with pytest.raises(UsageError, match="not a number"):
            parse([text])
    assert failed({"privacy": {"audit": {"risk": 0.5}}}, parse(["privacy.audit.risk > 1e-1"]))
