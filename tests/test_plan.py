"""The load plan as pure data: parents first, cycles cut at a nullable FK, self refs apart."""

from __future__ import annotations

import pytest

from dbsynth.errors import SchemaError
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Column, ForeignKey, PrimaryKey, Schema, SqlType, Table

INT = SqlType("integer")


def _table(name: str, fks: tuple[ForeignKey, ...] = (), nullable: bool = True) -> Table:
    cols = [Column("id", INT, nullable=False)]
    cols += [Column(c, INT, nullable=nullable) for fk in fks for c in fk.columns]
    return Table(name, tuple(cols), PrimaryKey(("id",)), fks)


def test_parents_come_before_children() -> None:
    schema = Schema("postgres", "public", (
        _table("c", (ForeignKey(("b_id",), "b", ("id",)),)),
        _table("b", (ForeignKey(("a_id",), "a", ("id",)),)),
        _table("a"),
    ))
    plan = build_plan(schema)
    assert plan.order == ("a", "b", "c")
    assert plan.cut == ()


def test_cycle_is_cut_at_the_nullable_fk() -> None:
    dept = Table("department", (Column("id", INT, False), Column("head_id", INT, True)),
                 PrimaryKey(("id",)), (ForeignKey(("head_id",), "person", ("id",)),))
    person = Table("person", (Column("id", INT, False), Column("dept_id", INT, False)),
                   PrimaryKey(("id",)), (ForeignKey(("dept_id",), "department", ("id",)),))
    plan = build_plan(Schema("postgres", "public", (dept, person)))
    assert [e.label for e in plan.cut] == ["department(head_id) -> person(id)"]
    assert plan.order == ("department", "person")


def test_self_reference_does_not_block_order() -> None:
    emp = _table("employee", (ForeignKey(("boss_id",), "employee", ("id",)),))
    plan = build_plan(Schema("postgres", "public", (emp,)))
    assert plan.order == ("employee",)
    assert [e.table for e in plan.self_references] == ["employee"]


def test_cycle_without_nullable_fk_is_a_clear_error() -> None:
    a = _table("a", (ForeignKey(("b_id",), "b", ("id",)),), nullable=False)
    b = _table("b", (ForeignKey(("a_id",), "a", ("id",)),), nullable=False)
    with pytest.raises(SchemaError, match="no nullable key"):
        build_plan(Schema("postgres", "public", (a, b)))
