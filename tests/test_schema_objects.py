"""Schema objects without a database: selection (never half created), creation order,
schema-name rewriting, translation of indexes and views across engines."""

from __future__ import annotations

from dbsynth.dialects import get_dialect
from dbsynth.schema.model import Column, Schema, SqlType, Table
from dbsynth.schema.objects import SchemaObject, creation_order, select_objects
from dbsynth.writer.objects import object_statements, requalify, translate_object


def view(name: str, *deps: str, dialect: str = "postgres") -> SchemaObject:
    return SchemaObject("view", name, f"CREATE VIEW {name} AS SELECT 1", dialect, deps)


def test_objects_on_tables_outside_the_selection_are_skipped_with_what_needs_them() -> None:
    objects = (view("a", "t"), view("b", "a"), view("c", "u"), view("d", "c", "t"),
               SchemaObject("comment", "t", "COMMENT ON TABLE t IS 'x'", "postgres", ("t",), "t"))
    kept, notes = select_objects(objects, {"t"})
    assert [o.name for o in kept] == ["a", "b", "t"]
    assert len(notes) == 2 and "u, outside the selected tables" in notes[0]


def test_creation_order_puts_dependencies_first_whatever_the_kind() -> None:
    fn = SchemaObject("function", "f(integer)", "CREATE FUNCTION f…", "postgres")
    trigger = SchemaObject("trigger", "t.tr", "CREATE TRIGGER …", "postgres", ("t", "f(integer)"), "t")
    index = SchemaObject("index", "i", "CREATE INDEX i ON mv (x)", "postgres", ("mv",), "mv")
    mv = SchemaObject("materialized view", "mv", "CREATE MATERIALIZED VIEW mv …", "postgres", ("v2",))
    order = creation_order((trigger, index, mv, view("v2", "v1", "f(integer)"), view("v1", "t"), fn))
    names = [o.name for o in order]
    assert names.index("f(integer)") < names.index("v2") and names.index("v1") < names.index("v2")
    assert names.index("v2") < names.index("mv") < names.index("i")
    assert names[-1] == "t.tr"


def test_schema_name_rewritten_quoted_or_not_never_inside_other_names() -> None:
    sql = 'SELECT public.f(x), "public".t.a, mypublic.t, public_x.y FROM public."T"'
    assert requalify(sql, "public", "staging") == (
        'SELECT "staging".f(x), "staging".t.a, mypublic.t, public_x.y FROM "staging"."T"')
    assert requalify(sql, "public", "public") == sql


def test_functions_and_triggers_are_listed_not_portable_and_so_are_their_dependents() -> None:
    table = Table("t", (Column("x", SqlType("integer")),))
    fn = SchemaObject("function", "f(integer)", "CREATE FUNCTION f…", "postgres")
    schema = Schema("postgres", "public", (table,), objects=(
        fn, view("v", "t", "f(integer)"), view("w", "t"),
        SchemaObject("index", "i", "CREATE INDEX i ON public.t USING btree (x)", "postgres",
                     ("t",), "t")))
    statements, left_out = object_statements(schema, get_dialect("duckdb"), "main")
    assert [s.obj.name for s in statements] == ["w", "i"] and all(s.tried for s in statements)
    assert {n.obj.name: n.reason for n in left_out} == {
        "f(integer)": "a postgres function is not portable to duckdb",
        "v": "it needs f(integer), not created"}
    same, none_left = object_statements(schema, get_dialect("postgres"), "public")
    assert none_left == [] and not any(s.tried for s in same)
    assert same[0].sql == "SET LOCAL check_function_bodies = off"


def test_index_translation_keeps_what_the_target_can_hold() -> None:
    def to(target: str, sql: str, schema: str = "main") -> tuple[str | None, str]:
        return translate_object(SchemaObject("index", "i", sql, "postgres"), get_dialect(target), schema)

    assert to("duckdb", "CREATE INDEX i ON public.t USING btree (lower((name)::text))") == (
        'CREATE INDEX "i" ON "main"."t"((LOWER(CAST(("name") AS TEXT))))', "")
    assert to("sqlite", "CREATE INDEX i ON public.t USING btree (a) WHERE (a > 1)")[0] == (
        'CREATE INDEX "main"."i" ON "t"("a") WHERE ("a" > 1)')
    assert to("duckdb", "CREATE INDEX i ON public.t USING btree (a) WHERE (a > 1)")[1] == (
        "duckdb has no partial indexes (WHERE …)")
    assert to("duckdb", "CREATE INDEX i ON public.t USING gist (a)")[1] == (
        "index method gist has no counterpart in duckdb")


def test_a_table_named_as_its_schema_keeps_its_column_references() -> None:
    """PostgreSQL qualifies columns by their table (``shop.id``) and relations by their schema
    (``shop.shop``): where a table is named as its schema, only the schema is rewritten."""
    table = Table("shop", (Column("id", SqlType("integer")), Column("name", SqlType("text"))))
    sql = ("CREATE OR REPLACE VIEW shop.v AS\n SELECT shop.id, shop.name, shop.f(shop.id)"
           " FROM shop.shop WHERE shop.id > 0")
    schema = Schema("postgres", "shop", (table,), objects=(
        SchemaObject("function", "f(integer)", "CREATE FUNCTION shop.f(integer) …", "postgres"),
        SchemaObject("view", "v", sql, "postgres", ("shop", "f(integer)"))))
    statements, _ = object_statements(schema, get_dialect("postgres"), "staging")
    assert [s.sql for s in statements if s.obj.name == "v"] == [
        'CREATE OR REPLACE VIEW "staging".v AS\n SELECT shop.id, shop.name, "staging".f(shop.id)'
        ' FROM "staging".shop WHERE shop.id > 0']
