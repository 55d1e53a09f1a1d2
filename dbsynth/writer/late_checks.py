"""CHECKs calling a function the copy carries: added after the functions exist.

A CHECK such as ``is_positive(total)`` cannot be declared with its table: the function is
created after the load, with the other schema objects. Where the target engine can add a
CHECK without checking the rows already there (``NOT VALID``), such a CHECK becomes two
schema objects created after the functions: the constraint, ``NOT VALID``, so the
application's own writes are checked from then on, and its validation, tried, so it is a
plain validated CHECK when the generated rows satisfy it (dbsynth cannot evaluate the
function on them) and a note says so when they do not.
"""

from __future__ import annotations

from dbsynth.dialects import Dialect, qualified, quote_ident
from dbsynth.schema.model import CheckConstraint, Schema, Table
from dbsynth.schema.objects import SchemaObject


def copied_functions_called(check: CheckConstraint, schema: Schema, caps: Dialect
                            ) -> tuple[str, ...]:
    """The names (``f(integer)``) of the source's functions this CHECK calls that are
    copied to a ``caps`` target (same engine only), or ``()``."""
    from sqlglot import exp  # lazy: needed only for CHECKs

    from dbsynth.writer.ddl import parse_check

    if check.dialect != caps.name or caps.add_check_not_valid is None:
        return ()
    functions: dict[str, list[str]] = {}
    for obj in schema.objects:
        if obj.kind == "function" and obj.dialect == caps.name:
            base = obj.name.split("(", 1)[0].rsplit(".", 1)[-1].lower()
            functions.setdefault(base, []).append(obj.name)
    tree = parse_check(check)
    if tree is None or not functions:
        return ()
    called = {str(call.name).rsplit(".", 1)[-1].lower() for call in tree.find_all(exp.Anonymous)}
    return tuple(name for base in sorted(called & functions.keys()) for name in functions[base])


def late_check_objects(table: Table, check: CheckConstraint, index: int, schema: Schema,
                       caps: Dialect, functions: tuple[str, ...]) -> list[SchemaObject]:
    """The two objects adding ``check`` to ``table`` after ``functions`` are created."""
    assert caps.add_check_not_valid is not None
    name = check.name or f"{table.name}_check{index}"
    target = qualified(schema.name, table.name)
    label = f"{name} on {table.name}"
    add = caps.add_check_not_valid.format(table=target, name=quote_ident(name),
                                          expression=check.expression)
    validate = f"ALTER TABLE {target} VALIDATE CONSTRAINT {quote_ident(name)}"
    return [SchemaObject("check", label, add, caps.name, (table.name, *functions), table.name),
            SchemaObject("check validation", label, validate, caps.name, (label,), table.name)]
