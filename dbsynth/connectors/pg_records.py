"""PostgreSQL record and array literals for COPY: how a composite value (modelled as a JSON
object of its attributes, in their order) and arrays are written back.

A composite's JSON alone does not say how an attribute is spelled: ``to_json`` gives a
``jsonb`` attribute's object and a nested composite's alike. The *shape* — read from the
target's catalog, where the types exist before the load — says which attributes are JSON
(written as JSON text) and which are records (or arrays of them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Union

#: attribute name -> "json" (written as JSON text), a nested shape (a composite type, or an
#: array of one), or None (written as its text)
Shape = dict[str, Union["Shape", str, None]]

Query = Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]

_COLUMN_TYPE = """
SELECT CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END,
       CASE WHEN t.typcategory = 'A' THEN et.typtype ELSE t.typtype END
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type et ON et.oid = t.typelem
WHERE a.attrelid = %s::regclass AND a.attname = %s"""

_ATTRIBUTES = """
SELECT a.attname, t.typname, t.typtype, t.oid, et.typtype, et.oid
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
WHERE a.attrelid = (SELECT typrelid FROM pg_type WHERE oid = %s)
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum"""

#: nesting followed when reading a shape (a type cannot contain itself; this bounds a
#: pathological catalog, not a real one)
_MAX_DEPTH = 16


def column_shape(query: Query, relation: str, column: str) -> Shape | None:
    """The shape of a composite column (or an array of one) of ``relation`` (qualified,
    quoted), from the target's catalog; None where the target declares the column otherwise
    (json: the type is not there, e.g. a row type of a table in a schema not copied), so its
    values are written as the JSON they are modelled as."""
    rows = query(_COLUMN_TYPE, (relation, column))
    if not rows or rows[0][1] != "c":
        return None
    return type_shape(query, int(rows[0][0]))


def type_shape(query: Query, type_oid: int, depth: int = 0) -> Shape:
    """The shape of the composite type ``type_oid``, nested types followed."""
    shape: Shape = {}
    for name, typname, typtype, oid, element_type, element_oid in query(_ATTRIBUTES, (type_oid,)):
        if typname in ("json", "jsonb"):
            shape[name] = "json"
        elif depth < _MAX_DEPTH and (typtype == "c" or element_type == "c"):
            shape[name] = type_shape(query, int(oid if typtype == "c" else element_oid), depth + 1)
        else:
            shape[name] = None
    return shape


def composite_text(value: Any, shape: Shape | None = None) -> str | None:
    """A JSON object (or its text) of a composite's attributes, in their order, as the
    record literal COPY reads: ``("1 Main St",Springfield,)`` (an empty field is NULL); a
    JSON list of such objects (an array of a composite type) as an array of them."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    parsed = json.loads(value) if isinstance(value, str) else value
    if isinstance(parsed, list):
        return array_literal(parsed, shape)
    return record_literal(parsed, shape) if isinstance(parsed, dict) else None


def record_literal(attributes: dict[str, Any], shape: Shape | None = None) -> str:
    fields = []
    for name, item in attributes.items():
        sub = (shape or {}).get(name)
        nested = sub if isinstance(sub, dict) else None
        if item is None:
            fields.append("")
            continue
        if sub == "json":
            text = json.dumps(item, ensure_ascii=False, default=str)
        elif isinstance(item, dict):
            text = record_literal(item, nested)
        elif isinstance(item, list):
            text = array_literal(item, nested) or ""
        elif isinstance(item, bool):
            text = "t" if item else "f"
        else:
            text = str(item)
        fields.append('"' + text.replace("\\", "\\\\").replace('"', '""') + '"')
    return "(" + ",".join(fields) + ")"


def array_literal(value: Any, shape: Shape | None = None) -> str | None:
    """A list (nested for a multi-dimensional array; DuckDB gives numpy arrays) as an
    array literal: ``{"1","2"}``, ``{{"a"},{"b"}}``; JSON objects in it are records."""
    if not _is_sequence(value) and _is_missing(value):
        return None
    items = []
    for item in list(value):
        if item is None:
            items.append("NULL")
        elif _is_sequence(item):
            items.append(array_literal(item, shape) or "NULL")
        else:
            text = record_literal(item, shape) if isinstance(item, dict) else str(item)
            text = text.replace("\\", "\\\\").replace('"', '\\"')
            items.append(f'"{text}"')
    return "{" + ",".join(items) + "}"


def _is_sequence(value: Any) -> bool:
    """A list, tuple or numpy array (checked by name: numpy is not imported for it)."""
    return isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray"


def _is_missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA (by name: pandas is not imported for it)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and math.isnan(value)

