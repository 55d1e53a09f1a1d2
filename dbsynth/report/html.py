"""The report as one self-contained HTML page.

Design: the page must open anywhere, offline, years later — attached to a ticket, mailed,
archived next to the synthetic database. So it carries everything inside itself: inline
CSS, no scripts, no fonts or images to fetch, and every plot drawn here as inline SVG by a
few small helpers (a grouped-bar chart for histograms, child counts and categories, and a
heatmap for correlations) instead of a plotting library, which would add a dependency and
usually a JavaScript runtime or base64 PNGs that cannot be inspected or searched.

The input is the plain, JSON-able dict of :func:`dbsynth.report.build.build_report`, which
may come back from a JSON file written by another version. Hence rendering is lenient:
every section tolerates a missing or ``None`` part (it shows "not computed"), every number
may be ``None`` or NaN (it shows "–"), and every string taken from the dict — table and
column names come from someone else's database — goes through :func:`html.escape`.

The order follows the reader's questions: the summary scores first (is the copy good?),
then fidelity per table, relationships, detection, ML utility, privacy and integrity (why,
and where is it weak?). Score elements carry ``data-score`` so tools can read the page back.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

REAL_COLOUR = "#3b6fb6"
SYNTHETIC_COLOUR = "#e08a2e"
DASH = "–"

# key, label, rule, hint: the summary cards, in reading order.
_SUMMARY: list[tuple[str, str, str, str]] = [
    ("overall", "Overall quality", "score", "higher is better"),
    ("column_shapes", "Column shapes", "score", "higher is better"),
    ("column_pair_trends", "Column pair trends", "score", "higher is better"),
    ("cardinality", "Cardinality", "score", "higher is better"),
    ("intertable_trends", "Intertable trends", "score", "higher is better"),
    ("detection_auc", "Detection AUC (tables)", "auc", "0.5 is best"),
    ("detection_auc_parent", "Detection AUC (parents)", "auc", "0.5 is best"),
    ("utility_gap", "ML utility gap", "gap", "real − synthetic, lower is better"),
    ("exact_copy_share", "Exact copies", "copies", "share of rows; real data's own rate below"),
    ("privacy_risk", "Privacy risk", "risk", "0 = no measurable risk, 1 = all disclosed"),
    ("dcr_closer_to_training", "DCR closer to training", "auc", "0.5 is best"),
]

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#222;
 max-width:1180px;margin:0 auto;padding:24px 28px 60px;line-height:1.45;background:#fff}
h1{margin:0 0 4px;font-size:26px}h2{margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid #ddd;
 font-size:20px}h3{margin:24px 0 8px;font-size:16px}
.meta{color:#555;font-size:13px;margin:0 0 8px}.meta code{background:#f4f4f4;padding:1px 4px;border-radius:3px}
nav{font-size:13px;margin:8px 0 0}nav a{margin-right:12px;color:#3b6fb6;text-decoration:none}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 12px;background:#fafafa}
.card .label{font-size:12px;color:#555}.card .big{font-size:30px;font-weight:600;display:block}
.card .hint{font-size:11px;color:#888}
.good{color:#1a7f37}.fair{color:#b26a00}.poor{color:#c62828}.na{color:#888}
.note{color:#888;font-style:italic}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f2f2f2}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.worst td{background:#fdecea}tr.worst td:first-child{border-left:3px solid #c62828}
td.bad{color:#c62828;font-weight:600}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px}
figure{margin:0;border:1px solid #eee;border-radius:4px;padding:6px}
figcaption{font-size:12px;color:#444;margin-bottom:2px}
svg.plot{max-width:100%;height:auto;display:block}
details summary{cursor:pointer;font-size:13px;color:#444}
.ok{color:#1a7f37;font-weight:600}.failed{color:#c62828;font-weight:600}
"""


def render_html(report: dict[str, Any]) -> str:
    """The whole page; each section renders on its own so one missing part never hides the rest."""
    report = report if isinstance(report, dict) else {}
    worst = {(str(w.get("table")), str(w.get("column"))) for w in _dicts(report.get("worst_columns"))}
    sections = [
        ("summary", "Summary", _summary(report.get("summary"), report.get("worst_columns"))),
        ("fidelity", "Fidelity", _fidelity(report.get("tables"), worst)),
        ("relationships", "Relationships", _relationships(report.get("relationships"))),
        ("detection", "Detection", _detection(report.get("tables"), report.get("relationships"),
                                              report.get("summary"))),
        ("utility", "ML utility", _utility(report.get("utility"))),
        ("privacy", "Privacy", _privacy(report.get("privacy"))),
        ("integrity", "Integrity", _integrity(report.get("integrity"))),
    ]
    if _dicts(report.get("casts")):
        sections.insert(1, ("casts", "Types read", _casts(report.get("casts"))))
    title = _e(report.get("title") or "dbsynth report")
    nav = "".join(f'<a href="#{key}">{name}</a>' for key, name, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{name}</h2>{content}</section>' for key, name, content in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{title}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>{title}</h1>{_meta(report)}<nav>{nav}</nav></header>{body}</body></html>\n")


# ---------------------------------------------------------------- values and small pieces


def _e(value: Any) -> str:
    """Escaped text of anything from the dict: names come from foreign databases."""
    return html.escape(str(value), quote=True)


def _num(value: Any) -> float | None:
    """A finite float, or None for None, NaN, infinities, booleans and non-numbers alike."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fmt(value: Any, digits: int = 3) -> str:
    """Scores with fixed decimals so columns of them line up; "–" when missing."""
    number = _num(value)
    return DASH if number is None else f"{number:.{digits}f}"


def _count(value: Any) -> str:
    """Row counts with thousands separators; "–" when missing."""
    number = _num(value)
    return DASH if number is None else f"{int(round(number)):,}"


def _dicts(value: Any) -> list[dict[str, Any]]:
    """Only the dict items of a list that may be missing or hold junk."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _grade(value: Any, rule: str) -> str:
    """CSS class of a value's colour hint; each rule says where "good" lies for that measure."""
    v = _num(value)
    if v is None:
        return "na"
    if rule == "score":  # 0–1, higher is better
        return "good" if v >= 0.8 else "fair" if v >= 0.6 else "poor"
    if rule == "auc":  # 0.5 means the classifier cannot tell real from synthetic
        return "good" if v <= 0.6 else "fair" if v <= 0.75 else "poor"
    if rule == "gap":  # real metric minus synthetic metric
        return "good" if v <= 0.05 else "fair" if v <= 0.15 else "poor"
    if rule == "copies":  # share of synthetic rows copied verbatim, beyond the real data's own rate
        return "good" if v <= 0.01 else "fair" if v <= 0.05 else "poor"
    if rule == "risk":  # privacy.audit.risk: 0 no measurable risk, 1 everything disclosed
        return "good" if v <= 0.05 else "fair" if v <= 0.2 else "poor"
    return ""


def _beyond(share: Any, natural: Any) -> float | None:
    """A copy share less the real data's own repeat rate (the share itself without one)."""
    v, n = _num(share), _num(natural)
    return None if v is None else max(0.0, v - (n or 0.0))


def _copies(share: Any, natural: Any, digits: int = 3) -> str:
    """A copy share coloured by how far it exceeds the natural rate, never by itself."""
    v, excess = _num(share), _beyond(share, natural)
    data = "" if v is None else f"{v:.6g}"
    return f'<span class="score {_grade(excess, "copies")}" data-score="{data}">{_fmt(v, digits)}</span>'


def _score(value: Any, rule: str = "score", digits: int = 3) -> str:
    """A score element with its colour hint and machine-readable ``data-score``."""
    v = _num(value)
    data = "" if v is None else f"{v:.6g}"
    return f'<span class="score {_grade(v, rule)}" data-score="{data}">{_fmt(v, digits)}</span>'


def _not_computed(what: str = "") -> str:
    """The note shown instead of a missing section or part."""
    return f'<p class="note">{_e(what) + " " if what else ""}not computed</p>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], row_classes: Sequence[str] = (),
           numeric: Sequence[int] = (), bad: frozenset[tuple[int, int]] = frozenset()) -> str:
    """An HTML table from cells that are already HTML (callers escape): numeric columns
    right-aligned so figures line up, ``bad`` (row, column) cells in red, rows classed."""
    def cell(tag: str, r: int, i: int, content: str) -> str:
        css = " ".join(c for c in ("num" if i in numeric else "", "bad" if (r, i) in bad else "") if c)
        return f'<{tag} class="{css}">{content}</{tag}>' if css else f"<{tag}>{content}</{tag}>"

    head = "".join(cell("th", -1, i, _e(h)) for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        css = row_classes[r] if r < len(row_classes) else ""
        attr = f' class="{css}"' if css else ""
        body.append(f"<tr{attr}>" + "".join(cell("td", r, i, c) for i, c in enumerate(row)) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _meta(report: dict[str, Any]) -> str:
    """Source, target (already password-masked upstream) and when/how the report was made."""
    seconds, sample = _num(report.get("seconds")), report.get("sample_rows")
    parts = [f"source <code>{_e(report.get('source', DASH))}</code>",
             f"target <code>{_e(report.get('target', DASH))}</code>"]
    when = [f"created {_e(report.get('created') or DASH)}"]
    if seconds is not None:
        when.append(f"in {seconds:.1f} s")
    when.append(f"sample {_count(sample)} rows per table" if _num(sample) is not None else "whole tables")
    return f'<p class="meta">{" → ".join(parts)}</p><p class="meta">{", ".join(when)}</p>'


# ---------------------------------------------------------------- sections


def _summary(summary: Any, worst_columns: Any) -> str:
    """Big numbers first: the answer to "is the copy good?" before any detail."""
    if not isinstance(summary, dict):
        return _not_computed("Summary")
    def value(key: str, rule: str) -> str:
        if rule == "copies":
            return _copies(summary.get(key), summary.get("natural_copy_share"))
        return _score(summary.get(key), rule)

    def note(key: str, hint: str) -> str:
        if key == "exact_copy_share":
            return f"share of rows; real data's own rate {_fmt(summary.get('natural_copy_share'))}"
        return hint

    cards = [f'<div class="card"><span class="label">{label}</span><span class="big">{value(key, rule)}'
             f'</span><span class="hint">{note(key, hint)}</span></div>' for key, label, rule, hint in _SUMMARY]
    ok = summary.get("integrity_ok")
    state = ('<span class="ok">OK</span>' if ok is True else '<span class="failed">FAILED</span>' if ok is False
             else f'<span class="na">{DASH}</span>')
    cards.append(f'<div class="card"><span class="label">Integrity</span><span class="big">{state}</span>'
                 f'<span class="hint">keys, uniques, not-nulls</span></div>')
    worst = _dicts(worst_columns)
    names = [f"{_e(w.get('table'))}.{_e(w.get('column'))} {_score(w.get('score'))}" for w in worst]
    weakest = f"<p>Weakest columns: {', '.join(names)}</p>" if names else ""
    return f'<div class="cards">{"".join(cards)}</div>{weakest}'


def _casts(casts: Any) -> str:
    """Columns the copy holds with other types than the source's: how the report read them."""
    rows = [[_e(c.get("table")), _e(c.get("column")), _e(c.get("written")), _e(c.get("source")),
             "cast to the source's type" if c.get("how") == "cast" else "compared as text"]
            for c in _dicts(casts)]
    return ('<p class="meta">The copy holds these columns with other types than the source.</p>'
            + _table(["table", "column", "written as", "source type", "read"], rows))


def _fidelity(tables: Any, worst: set[tuple[str, str]]) -> str:
    """Per table: scores (worst columns marked), pair trends, then the distributions behind them."""
    if not isinstance(tables, dict) or not tables:
        return _not_computed("Fidelity")
    return "".join(_fidelity_table(str(name), t if isinstance(t, dict) else {}, worst) for name, t in tables.items())


def _fidelity_table(name: str, table: dict[str, Any], worst: set[tuple[str, str]]) -> str:
    """One table's block: the numbers first, then the plots that explain them."""
    rows = table.get("rows") if isinstance(table.get("rows"), dict) else {}
    head = (f"<h3>{_e(name)}</h3><p class=\"meta\">rows: real {_count(rows.get('real'))}, "
            f"synthetic {_count(rows.get('synthetic'))}; detection AUC {_score(table.get('detection_auc'), 'auc')}</p>")
    plots = table.get("plots") if isinstance(table.get("plots"), dict) else {}
    return (head + _column_scores(name, table.get("column_shapes"), worst) + _not_scored(table.get("not_scored"))
            + _pair_trends(table.get("column_pair_trends")) + _column_plots(name, plots.get("columns"))
            + _correlation(name, plots.get("correlation")))


def _column_scores(table: str, shapes: Any, worst: set[tuple[str, str]]) -> str:
    """Column shape scores in schema order (easier to scan than sorted); the report's worst columns marked."""
    if not isinstance(shapes, dict) or not shapes:
        return _not_computed("Column shapes")
    rows, classes = [], []
    for column, shape in shapes.items():
        shape = shape if isinstance(shape, dict) else {}
        rows.append([_e(column), _e(shape.get("metric", DASH)), _score(shape.get("score"))])
        classes.append("worst" if (table, str(column)) in worst else "")
    return _table(["column", "metric", "score"], rows, classes, numeric=[2])


def _not_scored(skipped: Any) -> str:
    """Columns left out of scoring (keys, free text…) so their absence is not a surprise."""
    if not isinstance(skipped, dict) or not skipped:
        return ""
    items = ", ".join(f"{_e(c)} ({_e(why)})" for c, why in skipped.items())
    return f'<p class="meta">Not scored: {items}</p>'


def _pair_trends(pairs: Any) -> str:
    """Pair trends folded away: there are many and they matter mostly when the score is low."""
    pairs = _dicts(pairs)
    if not pairs:
        return ""
    rows = [[_e(" × ".join(str(c) for c in p.get("columns") or [])), _e(p.get("metric", DASH)),
             _fmt(p.get("real")), _fmt(p.get("synthetic")), _score(p.get("score"))] for p in pairs]
    table = _table(["columns", "metric", "real", "synthetic", "score"], rows, numeric=[2, 3, 4])
    return f"<details><summary>Column pair trends ({len(pairs)})</summary>{table}</details>"


def _column_plots(table: str, columns: Any) -> str:
    """One figure per column: histogram for numbers and dates, bars for categories."""
    if not isinstance(columns, dict) or not columns:
        return ""
    figures = []
    for column, plot in columns.items():
        plot = plot if isinstance(plot, dict) else {}
        label = f"{table}.{column}"
        if plot.get("kind") == "categorical":
            svg = _category_bars(f"{label}: real vs synthetic category shares",
                                 plot.get("categories") or [], plot.get("real") or [], plot.get("synthetic") or [])
        else:
            svg = _histogram(f"{label}: real vs synthetic {plot.get('kind') or 'numeric'} histogram",
                             plot.get("edges") or [], plot.get("real") or [], plot.get("synthetic") or [])
        figures.append(f"<figure><figcaption>{_e(column)} <span class=\"na\">({_e(plot.get('kind', DASH))})"
                       f"</span></figcaption>{svg}</figure>")
    return f'<div class="plots">{"".join(figures)}</div>'


def _correlation(table: str, corr: Any) -> str:
    """Real and synthetic correlation matrices side by side: the same colours mean the same trend."""
    if not isinstance(corr, dict) or not corr.get("columns"):
        return ""
    columns = [str(c) for c in corr["columns"]]
    figures = "".join(
        f"<figure><figcaption>{side} correlations (blue −1, white 0, red +1)</figcaption>"
        f"{_heatmap(f'{table}: {side} correlation matrix', columns, corr.get(side) or [])}</figure>"
        for side in ("real", "synthetic"))
    return f'<div class="plots">{figures}</div>'


def _relationships(relationships: Any) -> str:
    """Per foreign key: does each parent get about as many children as in the real data?"""
    rels = _dicts(relationships)
    if not rels:
        return _not_computed("Relationships")
    return "".join(_relationship(r) for r in rels)


def _relationship(rel: dict[str, Any]) -> str:
    """One foreign key: scores, child-count distribution, then the parent–child pair trends."""
    columns = ", ".join(str(c) for c in rel.get("columns") or [])
    name = f"{rel.get('child', DASH)}({columns}) → {rel.get('parent', DASH)}"
    head = (f"<h3>{_e(name)}</h3><p class=\"meta\">cardinality {_score(rel.get('cardinality'))}; "
            f"parent detection AUC {_score(rel.get('detection_auc'), 'auc')}</p>")
    counts = rel.get("child_counts") if isinstance(rel.get("child_counts"), dict) else {}
    plot = (_grouped_bars(f"{name}: children per parent, real vs synthetic", [str(v) for v in counts["values"]],
                          counts.get("real") or [], counts.get("synthetic") or [], x_title="children per parent")
            if counts.get("values") else _not_computed("Child counts"))
    trends = _dicts(rel.get("intertable_trends"))
    table = _table(["columns", "metric", "score"],
                   [[_e(" × ".join(str(c) for c in t.get("columns") or [])), _e(t.get("metric", DASH)),
                     _score(t.get("score"))] for t in trends], numeric=[2]) if trends else ""
    return f'{head}<div class="plots"><figure><figcaption>children per parent</figcaption>{plot}</figure></div>{table}'


def _detection(tables: Any, relationships: Any, summary: Any) -> str:
    """Classifier two-sample tests in one table: an AUC near 0.5 means real and synthetic look
    alike; each with its 95% interval and the rows it stands on, small tables not judged."""
    judged = [(_e(name), "table", t.get("detection")) for name, t in
              (tables.items() if isinstance(tables, dict) else []) if isinstance(t, dict)]
    judged += [(_e(f"{r.get('child')} → {r.get('parent')}"), "parent with its children", r.get("detection"))
               for r in _dicts(relationships)]
    if not judged:
        return _not_computed("Detection")
    rows = [[name, what, *_detection_cells(detail)] for name, what, detail in judged]
    summary = summary if isinstance(summary, dict) else {}
    intro = ("<p>A classifier tries to tell real rows from synthetic ones; the ROC AUC is 0.5 when it cannot "
             f"(green ≤ 0.6, amber ≤ 0.75). Mean over tables {_score(summary.get('detection_auc'), 'auc')}, "
             f"over parents {_score(summary.get('detection_auc_parent'), 'auc')}. An interval that holds 0.5 "
             "means the classifier did no better than chance; tables with too few rows are not judged.</p>")
    return intro + _table(["what", "rows judged", "AUC", "95% interval", "rows per side", "verdict"], rows,
                          numeric=[2, 4])


def _detection_cells(detail: Any) -> list[str]:
    """AUC, interval, rows and verdict of one comparison (dashes where none was made)."""
    if not isinstance(detail, dict):
        return [_score(None, "auc"), DASH, DASH, _e("not computed")]
    ci = detail.get("ci") if isinstance(detail.get("ci"), list) and len(detail["ci"]) == 2 else None
    interval = f"{_fmt(ci[0])} – {_fmt(ci[1])}" if ci else DASH
    return [_score(detail.get("auc"), "auc"), interval, _count(detail.get("rows_per_side")),
            _e(detail.get("verdict") or DASH)]


def _utility(utility: Any) -> str:
    """Train on real vs train on synthetic, both tested on held-out real rows, metric by metric."""
    if not isinstance(utility, dict):
        return _not_computed("ML utility")
    real = utility.get("real") if isinstance(utility.get("real"), dict) else {}
    synthetic = utility.get("synthetic") if isinstance(utility.get("synthetic"), dict) else {}
    metrics = list(real) + [m for m in synthetic if m not in real]
    rows = [[_e(m), _fmt(real.get(m)), _fmt(synthetic.get(m)), _fmt(_diff(real.get(m), synthetic.get(m)))]
            for m in metrics]
    intro = (f"<p>Predict <code>{_e(utility.get('target', DASH))}</code> ({_e(utility.get('task', DASH))}, "
             f"{_e(utility.get('model', DASH))}); trained on {_count(utility.get('train_rows'))} rows, tested on "
             f"{_count(utility.get('test_rows'))} held-out real rows. Gap {_score(utility.get('gap'), 'gap')}.</p>")
    table = (_table(["metric", "trained on real", "trained on synthetic", "difference"], rows, numeric=[1, 2, 3])
             if rows else _not_computed("Metrics"))
    return intro + table


def _diff(real: Any, synthetic: Any) -> float | None:
    """Real minus synthetic, or None when either is missing."""
    r, s = _num(real), _num(synthetic)
    return None if r is None or s is None else r - s


def _privacy(privacy: Any) -> str:
    """The audit's risk first, then verbatim copies beside the real data's own repeat rate,
    distances to closest record, and copied personal values."""
    if not isinstance(privacy, dict):
        return _not_computed("Privacy")
    copies = (f"<p>Exact copies of real rows: {_count(privacy.get('exact_copies'))} of "
              f"{_count(privacy.get('compared_rows'))} compared "
              f"(share {_copies(privacy.get('exact_copy_share'), privacy.get('natural_copy_share'), 4)}; "
              f"the real data repeats its own rows at {_fmt(privacy.get('natural_copy_share'), 4)} between "
              "two random halves, so only copies beyond that rate are a leak).</p>")
    return (_audit(privacy.get("audit")) + copies + _copy_table(privacy.get("tables"))
            + _dcr(privacy.get("dcr")) + _pii(privacy.get("pii_columns")))


_AUDIT_TEXT = (
    "<p>The privacy risk is one figure between 0 (no measurable risk) and 1 (everything disclosed), "
    "<code>privacy.audit.risk</code> in the JSON. It is the highest risk measured. Today that is the "
    "share of synthetic rows that reproduce a real row <em>beyond the natural rate</em>: real data "
    "repeats some rows by nature (two patients with the same age and ward), measured here as the share "
    "of one random half of the real rows found in the other half. A table whose copy share is at that "
    "rate scores 0; a verbatim copy of the source scores 1; a copy with a tenth of its rows copied "
    "about 0.1. With a control set, the attacks below count too. Gate a pipeline on it with <code>dbsynth report … --fail-on 'privacy.audit.risk &gt; "
    "0.2'</code>.</p>")


def _audit(audit: Any) -> str:
    """The audit: its headline risk in plain words, and the tables behind it."""
    if not isinstance(audit, dict):
        return _not_computed("Privacy audit")
    tables = audit.get("tables") if isinstance(audit.get("tables"), dict) else {}
    rows = [[_e(t), _fmt(a.get("reproduced_share"), 4), _fmt(a.get("natural_share"), 4),
             _score(a.get("risk"), "risk")] for t, a in tables.items() if isinstance(a, dict)]
    head = (f"<h3>Audit: risk {_score(audit.get('risk'), 'risk')}</h3>"
            f"<p class=\"meta\">method: {_e(audit.get('method', DASH))}</p>" + _AUDIT_TEXT)
    return head + (_table(["table", "synthetic rows reproducing a real row", "natural rate", "risk"],
                          rows, numeric=[1, 2, 3]) if rows else _not_computed("Per-table risks")) \
        + _attacks(audit.get("attacks"))


_ATTACKS = [
    ("singling_out", "Singling out",
     "Can the copy pick out one real person? Predicates that isolate one synthetic row are tried on the "
     "real rows; the share that isolate a trained-on row, beyond chance."),
    ("linkability", "Linkability",
     "Can two halves of a person's record be joined through the copy? Success when a real row's nearest "
     "synthetic row is the same by either half of its columns."),
    ("inference", "Attribute inference",
     "Knowing all but one column of a person, can the copy reveal the last? Guessed from the nearest "
     "synthetic row; the worst column."),
    ("membership", "Membership inference",
     "Can one tell whether a person was in the training data? By their distance to the nearest synthetic "
     "row: risk 2 × (AUC − 0.5)."),
]


def _attacks(attacks: Any) -> str:
    """Attack risks against the control set, per table and per entity, each explained."""
    if not isinstance(attacks, dict):
        return ('<p class="meta">No control set: attack-based risks need real rows the model never saw '
                "(<code>dbsynth synth --audit</code>, or <code>train --holdout 0.2 --control FILE</code> "
                "then <code>report --control FILE</code>).</p>")
    subjects = [(f"entity ({_e(attacks.get('entity_table'))} with its children)", attacks.get("entity"))]
    tables = attacks.get("tables") if isinstance(attacks.get("tables"), dict) else {}
    subjects += [(f"table {_e(t)}", a) for t, a in tables.items()]
    rows = []
    for label, found in subjects:
        if not isinstance(found, dict):
            rows.append([label] + [_e("too few rows to judge")] + [DASH] * (len(_ATTACKS) - 1))
            continue
        rows.append([label] + [_risk_cell(found.get(key)) for key, _, _ in _ATTACKS])
    share = _num(attacks.get("control_share"))
    intro = (f"<p>Trained on {_fmt(1 - share if share is not None else None, 2)} of the entities; the others "
             "are the control set. Each risk is the attack's success on trained-on rows beyond its success on "
             "control rows, (attack − control) / (1 − control), with its 95% interval; 0 = no measurable risk. "
             "A risk whose interval holds 0 does not count in the headline.</p>")
    explained = "".join(f"<li><b>{name}</b>: {text}</li>" for _, name, text in _ATTACKS)
    return (f"<h3>Attacks against a control set</h3>{intro}<ul>{explained}</ul>"
            + _table(["attacked"] + [name for _, name, _ in _ATTACKS], rows, numeric=[1, 2, 3, 4]))


def _risk_cell(found: Any) -> str:
    if not isinstance(found, dict):
        return _e("not judged")
    ci = found.get("risk_ci") or found.get("ci")
    interval = f" ({_fmt(ci[0], 2)}–{_fmt(ci[1], 2)})" if isinstance(ci, list) and len(ci) == 2 else ""
    return _score(found.get("risk"), "risk") + interval


def _copy_table(tables: Any) -> str:
    """Per table: copies, their share, the natural share; red only beyond the natural rate."""
    items = [(t, p) for t, p in (tables.items() if isinstance(tables, dict) else [])
             if isinstance(p, dict) and p.get("exact_copy_share") is not None]
    if not items:
        return ""
    rows = [[_e(t), _count(p.get("exact_copies")), _copies(p.get("exact_copy_share"), p.get("natural_copy_share"), 4),
             _fmt(p.get("natural_copy_share"), 4) if p.get("natural_copy_share") is not None
             else _e("too few rows to judge")] for t, p in items]
    return _table(["table", "exact copies", "share", "natural rate"], rows, numeric=[1, 2, 3])


def _dcr(dcr: Any) -> str:
    """Distance to closest record: synthetic rows should be no closer to training rows than holdout rows are."""
    if not isinstance(dcr, dict):
        return _not_computed("Distance to closest record")
    where = f" (table {_e(dcr['table'])})" if dcr.get("table") is not None else ""
    rows = [["share of synthetic rows closer to training than to holdout",
             _score(dcr.get("closer_to_training_share"), "auc")],
            ["median distance, synthetic → training", _fmt(dcr.get("median_synthetic"))],
            ["median distance, holdout → training", _fmt(dcr.get("median_holdout"))]]
    return f"<h3>Distance to closest record{where}</h3>" + _table(["measure", "value"], rows, numeric=[1])


def _pii(columns: Any) -> str:
    """Personal columns whose real values reappear in the copy; any copy is shown in red."""
    items = _dicts(columns)
    if not items:
        return '<p class="meta">No personal columns checked.</p>'
    rows = [[_e(c.get("table", DASH)), _e(c.get("column", DASH)), _count(c.get("copied_values")),
             _count(c.get("checked"))] for c in items]
    bad = frozenset((r, 2) for r, c in enumerate(items) if _num(c.get("copied_values")))
    return "<h3>Personal data</h3>" + _table(["table", "column", "copied values", "checked"], rows,
                                              numeric=[2, 3], bad=bad)


def _integrity(integrity: Any) -> str:
    """The target's own constraints counted by SQL: row counts per table and violations per check."""
    if not isinstance(integrity, dict):
        return _not_computed("Integrity")
    ok = integrity.get("ok")
    state = ('<p class="ok">All checks passed.</p>' if ok is True else
             '<p class="failed">Integrity violations found.</p>' if ok is False else _not_computed("Overall state"))
    return state + _row_counts(integrity) + _checks(integrity.get("checks"))


def _row_counts(integrity: dict[str, Any]) -> str:
    """Rows per table against ``scale × source``; a table off by more than 10% in red."""
    counts = integrity.get("row_counts") if isinstance(integrity.get("row_counts"), dict) else {}
    items = [(t, c) for t, c in counts.items() if isinstance(c, dict)]
    if not items:
        return ""
    scale = integrity.get("scale") if isinstance(integrity.get("scale"), dict) else {}
    how = " (estimated from the row counts)" if scale.get("estimated") else ""
    intro = f'<p class="meta">Expected rows: source × scale {_fmt(scale.get("value"))}{how}.</p>' if scale else ""
    rows = [[_e(t), _count(c.get("real")), _count(c.get("expected")), _count(c.get("synthetic")),
             "off by more than 10%" if c.get("off") else ""] for t, c in items]
    bad = frozenset((r, 3) for r, (_, c) in enumerate(items) if c.get("off"))
    return intro + _table(["table", "real rows", "expected", "synthetic rows", ""], rows, numeric=[1, 2, 3], bad=bad)


def _checks(checks: Any) -> str:
    """Every check with its violation count; non-zero counts in red."""
    items = _dicts(checks)
    if not items:
        return '<p class="meta">No individual checks listed.</p>'
    rows = [[_e(c.get("check", DASH)), _e(c.get("table", DASH)), _e(c.get("detail", "")),
             _count(c.get("violations"))] for c in items]
    bad = frozenset((r, 3) for r, c in enumerate(items) if _num(c.get("violations")))
    return _table(["check", "table", "detail", "violations"], rows, numeric=[3], bad=bad)


# ---------------------------------------------------------------- SVG helpers


def _svg(title: str, width: float, height: float, content: str) -> str:
    """An inline SVG with its accessible ``<title>`` (also the browser's tooltip)."""
    return (f'<svg class="plot" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" font-family="sans-serif" font-size="10">'
            f"<title>{_e(title)}</title>{content}</svg>")


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    """Escaped SVG text at a point."""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="#333"{extra}>{_e(text)}</text>'


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> str:
    """A bar; ``tip`` becomes a hover tooltip with the exact value."""
    inner = f"<title>{_e(tip)}</title>" if tip else ""
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
            f'fill="{fill}">{inner}</rect>')


def _legend(x: float, y: float) -> str:
    """The real/synthetic key shared by every comparison plot."""
    return (_rect(x, y - 8, 10, 10, REAL_COLOUR) + _text(x + 14, y, "real")
            + _rect(x + 50, y - 8, 10, 10, SYNTHETIC_COLOUR) + _text(x + 64, y, "synthetic"))


def _shares(values: Sequence[Any], n: int) -> list[float]:
    """``n`` plottable shares: missing or junk entries count as 0 so a bad value cannot break a plot."""
    out = [_num(v) or 0.0 for v in list(values)[:n]]
    return out + [0.0] * (n - len(out))


def _short(value: Any) -> str:
    """Axis label of an edge: compact numbers, dates and other strings as given (truncated)."""
    number = _num(value)
    if number is None or isinstance(value, str):
        return _clip(str(value), 12)
    if 1e4 <= abs(number) < 1e9:  # amounts, ids, populations: whole numbers read better than 1.007e+04
        return f"{number:,.0f}"
    return f"{number:.4g}"


def _clip(text: str, n: int) -> str:
    """Long labels shortened with an ellipsis so they fit the plot margin."""
    return text if len(text) <= n else text[: n - 1] + "…"


def _no_data(title: str) -> str:
    """A plot frame saying there is nothing to draw, so every column still gets its figure."""
    return _svg(title, 360, 60, _text(180, 34, "no values to plot", "middle"))


def _histogram(title: str, edges: Sequence[Any], real: Sequence[Any], synthetic: Sequence[Any]) -> str:
    """Histogram of shares per bin, real and synthetic bars side by side; edges label the bin bounds."""
    bins = len(edges) - 1
    if bins < 1:
        return _no_data(title)
    ticks = sorted({0, bins // 2, bins})
    return _grouped_bars(title, [f"{_short(edges[i])} – {_short(edges[i + 1])}" for i in range(bins)], real,
                         synthetic, edge_ticks=[(i, _short(edges[i])) for i in ticks])


def _grouped_bars(title: str, labels: Sequence[str], real: Sequence[Any], synthetic: Sequence[Any],
                  edge_ticks: Sequence[tuple[int, str]] | None = None, x_title: str = "") -> str:
    """Vertical paired bars per group; ticks at group centres, or at bin edges for histograms."""
    n = len(labels)
    if n == 0:
        return _no_data(title)
    r, s = _shares(real, n), _shares(synthetic, n)
    width, height, left, right, top, bottom = 360.0, 200.0, 36.0, 30.0, 22.0, 34.0
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(r + s + [1e-9])
    step = plot_w / n
    parts = [_axes(left, top, plot_w, plot_h, peak), _legend(left + 4, 12)]
    for i, label in enumerate(labels):
        x = left + i * step
        for j, (value, colour, side) in enumerate(((r[i], REAL_COLOUR, "real"), (s[i], SYNTHETIC_COLOUR, "synthetic"))):
            h = value / peak * plot_h
            parts.append(_rect(x + step * (0.1 + 0.4 * j), top + plot_h - h, step * 0.4, h, colour,
                               f"{label}: {side} {value:.3f}"))
    parts.append(_x_ticks(labels, edge_ticks, left, top + plot_h, step))
    if x_title:
        parts.append(_text(left + plot_w / 2, height - 3, x_title, "middle"))
    return _svg(title, width, height, "".join(parts))


def _axes(left: float, top: float, plot_w: float, plot_h: float, peak: float) -> str:
    """Baseline, a top gridline and the share scale (0 and the peak), enough to read magnitudes."""
    base = top + plot_h
    return (f'<line x1="{left:.1f}" y1="{base:.1f}" x2="{left + plot_w:.1f}" y2="{base:.1f}" stroke="#888"/>'
            f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left + plot_w:.1f}" y2="{top:.1f}" stroke="#eee"/>'
            + _text(left - 4, base + 3, "0", "end") + _text(left - 4, top + 3, f"{peak:.2g}", "end"))


def _x_ticks(labels: Sequence[str], edge_ticks: Sequence[tuple[int, str]] | None, left: float, base: float,
             step: float) -> str:
    """X labels: at chosen bin edges, or at every group centre when few enough to stay legible."""
    if edge_ticks is not None:
        return "".join(_text(left + i * step, base + 12, label, "middle") for i, label in edge_ticks)
    every = max(1, math.ceil(len(labels) / 16))
    return "".join(_text(left + (i + 0.5) * step, base + 12, _clip(label, 6), "middle")
                   for i, label in enumerate(labels) if i % every == 0)


def _category_bars(title: str, categories: Sequence[Any], real: Sequence[Any], synthetic: Sequence[Any]) -> str:
    """Horizontal paired bars per category, so long category names stay readable on the left."""
    n = len(categories)
    if n == 0:
        return _no_data(title)
    r, s = _shares(real, n), _shares(synthetic, n)
    width, left, top, row = 360.0, 110.0, 22.0, 20.0
    plot_w, height = width - left - 66, top + n * row + 8
    peak = max(r + s + [1e-9])
    parts = [_legend(left, 12)]
    for i, category in enumerate(categories):
        y = top + i * row
        parts.append(_text(left - 4, y + row / 2 + 3, _clip(str(category), 18), "end"))
        for j, (value, colour, side) in enumerate(((r[i], REAL_COLOUR, "real"), (s[i], SYNTHETIC_COLOUR, "synthetic"))):
            w = value / peak * plot_w
            parts.append(_rect(left, y + 2 + j * 8, w, 7, colour, f"{category}: {side} {value:.3f}"))
        parts.append(_text(left + plot_w + 4, y + row / 2 + 3, f"{r[i]:.2f}/{s[i]:.2f}"))
    parts.append(f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{top + n * row:.1f}" stroke="#888"/>')
    return _svg(title, width, height, "".join(parts))


def _heat_colour(value: float | None) -> str:
    """Diverging colour: blue for −1, white for 0, red for +1; grey when undefined."""
    if value is None:
        return "#d9d9d9"
    v = max(-1.0, min(1.0, value))
    target = (59, 111, 182) if v < 0 else (192, 57, 43)
    rgb = [round(255 + (c - 255) * abs(v)) for c in target]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _heatmap(title: str, columns: Sequence[str], matrix: Any) -> str:
    """Correlation matrix as coloured cells, values printed when the matrix is small enough to read."""
    n = len(columns)
    if n == 0:
        return _no_data(title)
    cell = max(12.0, min(36.0, 240.0 / n))
    longest = max(len(_clip(c, 14)) for c in columns)
    left, top = 100.0, 14.0 + longest * 4.2  # room for the labels rotated by 45°
    width, height = left + n * cell + 10, top + n * cell + 10
    parts = []
    rows = matrix if isinstance(matrix, list) else []
    for i in range(n):
        row = rows[i] if i < len(rows) and isinstance(rows[i], list) else []
        parts.append(_text(left - 4, top + (i + 0.5) * cell + 3, _clip(columns[i], 16), "end"))
        x, y = left + (i + 0.5) * cell, top - 4
        parts.append(_text(x, y, _clip(columns[i], 14), "start", f' transform="rotate(-45 {x:.1f} {y:.1f})"'))
        for j in range(n):
            parts.append(_heat_cell(left + j * cell, top + i * cell, cell, _num(row[j]) if j < len(row) else None,
                                    f"{columns[i]} × {columns[j]}", show=n <= 8))
    return _svg(title, width, height, "".join(parts))


def _heat_cell(x: float, y: float, size: float, value: float | None, pair: str, show: bool) -> str:
    """One coloured cell with its exact value as tooltip (and as text when ``show``)."""
    tip = f"{pair}: {DASH if value is None else f'{value:.3f}'}"
    cell = _rect(x, y, size - 1, size - 1, _heat_colour(value), tip)
    if not show or value is None:
        return cell
    colour = "#fff" if abs(value) > 0.6 else "#222"
    return cell + (f'<text x="{x + size / 2:.1f}" y="{y + size / 2 + 3:.1f}" text-anchor="middle" '
                   f'fill="{colour}" font-size="9">{value:.2f}</text>')

