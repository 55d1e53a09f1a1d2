"""Privacy audit: one risk figure, 0 = no measurable risk, 1 = everything disclosed.

Without a control set, the risk is the share of synthetic rows reproducing a real row
beyond the natural rate (the same share measured between two random halves of the real
data: rows that repeat by nature, such as a two-column lookup, are not a leak). Per table
``(share - natural) / (1 - natural)``, clipped at 0 (:class:`dbsynth.report.copies.CopyRate`);
the audit's risk is the worst table, so a verbatim copy scores 1 and a copy with a tenth of
its rows copied about 0.1. Tables with too few rows to measure a natural rate are not judged.
Attack-based risks (singling out, linkability, inference with a holdout) are not built yet.
"""

from __future__ import annotations

from typing import Any


def audit(privacy_tables: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The audit block of ``privacy``, from its per-table exact copies and natural rates."""
    tables = {t: {"reproduced_share": p["exact_copy_share"], "natural_share": p["natural_copy_share"],
                  "risk": p["copies_beyond_natural"]}
              for t, p in privacy_tables.items() if p.get("copies_beyond_natural") is not None}
    return {"risk": max((r["risk"] for r in tables.values()), default=0.0),
            "method": "reproduction beyond natural rate (no control set)", "tables": tables}
