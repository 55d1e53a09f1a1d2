"""The load plan as pure data: parents first, cycles cut (at a nullable FK when there is one,
else held), self refs apart."""

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


def test_cycle_without_nullable_fk_is_held_at_the_fewest_children_per_parent() -> None:
    """store.manager_staff_id -> staff and staff.store_id -> store, both NOT NULL: the store's
    manager is cut (1 store per manager, 10 staff per store) and held, not filled."""
    store = Table("store", (Column("id", INT, False), Column("manager_id", INT, False)),
                  PrimaryKey(("id",)), (ForeignKey(("manager_id",), "staff", ("id",)),), row_count=2)
    staff = Table("staff", (Column("id", INT, False), Column("store_id", INT, False)),
                  PrimaryKey(("id",)), (ForeignKey(("store_id",), "store", ("id",)),), row_count=20)
    plan = build_plan(Schema("postgres", "public", (staff, store)))
    assert [e.label for e in plan.cut] == ["store(manager_id) -> staff(id)"]
    assert plan.held == plan.cut and plan.filled == ()
    assert plan.order == ("store", "staff")
    assert plan.to_dict()["cut_loading"] == {"store(manager_id) -> staff(id)": "held"}


def test_three_table_not_null_cycle_is_held() -> None:
    a = _table("a", (ForeignKey(("b_id",), "b", ("id",)),), nullable=False)
    b = _table("b", (ForeignKey(("c_id",), "c", ("id",)),), nullable=False)
    c = _table("c", (ForeignKey(("a_id",), "a", ("id",)),), nullable=False)
    plan = build_plan(Schema("postgres", "public", (a, b, c)))
    assert [e.label for e in plan.held] == ["a(b_id) -> b(id)"]
    assert plan.order == ("a", "c", "b")


def test_a_nullable_fk_without_row_key_is_held_not_filled() -> None:
    """No key to find the rows again for an UPDATE: the nullable FK is held instead."""
    log = Table("log", (Column("a_id", INT, True), Column("note", INT, True)), None,
                (ForeignKey(("a_id",), "a", ("id",)),))
    a = _table("a", (ForeignKey(("log_note",), "log", ("note",)),), nullable=False)
    plan = build_plan(Schema("postgres", "public", (a, log)))
    assert len(plan.cut) == 1 and plan.held == plan.cut


def test_cycle_through_keys_is_a_clear_error() -> None:
    """Every FK of the cycle is part of its table's primary key: nothing can wait."""
    a = Table("a", (Column("b_id", INT, False),), PrimaryKey(("b_id",)),
              (ForeignKey(("b_id",), "b", ("a_id",)),))
    b = Table("b", (Column("a_id", INT, False),), PrimaryKey(("a_id",)),
              (ForeignKey(("a_id",), "a", ("b_id",)),))
    with pytest.raises(SchemaError, match="cycle that cannot be broken"):
        build_plan(Schema("postgres", "public", (a, b)))
