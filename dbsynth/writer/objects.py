"""Schema objects beyond tables, as statements for a target: the source's own definitions on
the same engine, sqlglot translations of indexes, views and comments on another.

When they run (``create_objects`` steps of the write plan, :mod:`dbsynth.writer.plan`):
extensions and domains before the tables (column types use them); everything else after the
rows are loaded and keyed: functions, then views in dependency order, materialized views
(so they hold the synthetic rows), indexes, then triggers — created after the load, so a
trigger never fires on the synthetic rows (an ``UPDATE … SET last_update`` trigger leaves
the generated values as they are) and fires on the application's own writes afterwards.

The source's definitions are replayed as they are, with its schema name rewritten to the
target's. A translated statement is *tried*: the engine's refusal (a function it lacks)
leaves that object out with the reason instead of failing the copy. Functions, triggers,
procedures, aggregates, domains, sequences, extensions and row-level security are not
carried across engines. Policies and grants are tried on the same engine too (the roles they
name may not exist on the target's server); grants are copied only when asked
(:func:`without_grants` strips them otherwise: roles differ between environments).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlglot import exp

from dbsynth.dialects import Dialect, get_dialect, qualified, quote_ident
from dbsynth.schema.model import Column, Schema, Table
from dbsynth.schema.objects import (
    DEPENDABLE_KINDS, WITH_TABLE_KINDS, SchemaObject, creation_order, select_objects,
)

#: kinds that sqlglot translates to another engine
TRANSLATED_KINDS = frozenset({"index", "view", "materialized view", "comment"})
#: kinds tried even on the same engine: a policy names roles, which differ between servers;
#: a CHECK's validation fails where the generated rows do not satisfy it (so may a
#: partition's own CHECK or UNIQUE: then it is left out with why, the copy goes on)
TRIED_KINDS = frozenset({"policy", "grant", "check validation", "constraint", "inheritance"})
#: kinds dropped before a replace and created again (a table's own go with the table)
DROPPED_KINDS = {"view": "VIEW", "materialized view": "MATERIALIZED VIEW"}


@dataclass(frozen=True)
class ObjectStatement:
    """One statement creating ``obj``; ``tried`` statements (translations) may be refused by
    the engine, which leaves the object out with the reason rather than failing the copy."""

    obj: SchemaObject
    sql: str
    tried: bool = False
    #: part of its table's CREATE TABLE (partitioning: see :func:`create_table_statements`)
    with_table: bool = False


@dataclass(frozen=True)
class NotCreated:
    obj: SchemaObject
    reason: str

    def note(self) -> str:
        return f"{self.obj.label} is not created in the target: {self.reason}"


#: runs a read-only query on the target; the engine's error (one line) or None
Probe = Callable[[str], "str | None"]


class ObjectSession(Protocol):
    capabilities: Dialect
    schema_name: str

    def execute(self, sql: str) -> None: ...

    def try_execute(self, sql: str) -> str | None: ...


def object_statements(schema: Schema, caps: Dialect, schema_name: str
                      ) -> tuple[list[ObjectStatement], list[NotCreated]]:
    """Statements creating the schema's objects in a ``caps`` target schema ``schema_name``,
    in an order that works, and the objects left out, each with why."""
    kept, _notes = select_objects(schema.objects, set(schema.table_names))
    have = set(schema.table_names) | {k.name for k in kept if k.kind in DEPENDABLE_KINDS}
    left_out = [NotCreated(o, "it depends on " + ", ".join(
        d for d in o.depends_on if d not in have)
        + ", outside the copied tables") for o in schema.objects if o not in kept]
    statements: list[ObjectStatement] = []
    relaxed = False
    missing: set[str] = set()  # dependable objects left out: what needs them is too
    names = qualifiable_names(schema)
    partitions = {o.name for o in schema.objects if o.kind == "partition"}
    for obj in creation_order(kept):
        sql, why, tried = _statement(obj, caps, schema.name, schema_name, names)
        on = _partition_of_index(obj, partitions) if obj.dialect != caps.name else None
        if on is not None:  # (rather than the engine's "no such table")
            sql, why = None, (f"it is on partition {on} of {obj.table}, one plain table in "
                              f"{caps.name}")
        lacking = [d for d in obj.depends_on if d in missing]
        if lacking and sql is not None:  # its own reason first (a trigger: not portable)
            sql, why = None, f"it needs {', '.join(lacking)}, not created"
        if sql is None:
            left_out.append(NotCreated(obj, why))
            if obj.kind in DEPENDABLE_KINDS:
                missing.add(obj.name)
            continue
        if obj.kind in ("function", "procedure") and caps.relax_function_bodies and not relaxed:
            statements.append(ObjectStatement(obj, caps.relax_function_bodies))
            relaxed = True
        statements.append(ObjectStatement(obj, sql, tried, obj.kind in WITH_TABLE_KINDS))
    return statements, left_out


#: the table of an index as pg_get_indexdef writes it: ``… ON [ONLY] schema.table USING …``
_INDEX_ON = re.compile(r' ON (?:ONLY )?(?:"(?:[^"]|"")*"|[^\s."]+)\.("(?:[^"]|"")*"|[^\s"]+) USING ')


def _partition_of_index(obj: SchemaObject, partitions: set[str]) -> str | None:
    """The partition an index of the source is on (its own, not its table's), if any."""
    if obj.kind != "index" or not partitions:
        return None
    match = _INDEX_ON.search(obj.definition)
    if match is None:
        return None
    name = match[1][1:-1].replace('""', '"') if match[1].startswith('"') else match[1]
    return name if name in partitions else None


def _statement(obj: SchemaObject, caps: Dialect, source_schema: str, schema_name: str,
               names: frozenset[str] = frozenset()) -> tuple[str | None, str, bool]:
    """One object's statement for the target, why there is none, and whether it is tried."""
    if obj.dialect == caps.name:
        sql = requalify(obj.definition, source_schema, schema_name, names)
        if obj.kind in ("domain", "type"):
            sql = caps.create_type_if_absent.format(sql)
        return sql, "", obj.kind in TRIED_KINDS
    if obj.kind == "partition key":
        return None, (f"{caps.name} has no declarative partitioning: {obj.table} is written "
                      f"as one plain table"), False
    if obj.kind == "partition":
        return None, f"its rows are written into {obj.table}, one plain table", False
    if obj.kind == "default":
        return None, (f"a {obj.dialect} sequence is not portable to {caps.name}: the column "
                      f"is numbered there as its own identity"), False
    if obj.kind == "foreign key":
        return None, (f"{obj.table} is one plain table in {caps.name}: the key is declared on "
                      f"it"), False
    if obj.kind == "constraint":
        return None, (f"{obj.table} is one plain table in {caps.name}: it is declared on it "
                      f"(a CHECK for the rows of the partition, a UNIQUE over all rows)"), False
    if obj.kind == "inheritance":
        parent = obj.depends_on[-1]
        return None, (f"{caps.name} has no table inheritance: {obj.table} is a table of its own "
                      f"and {parent} holds only its own rows (a SELECT of it in the source "
                      f"returns {obj.table}'s too)"), False
    if obj.kind not in TRANSLATED_KINDS:
        return None, f"a {obj.dialect} {obj.kind} is not portable to {caps.name}", False
    sql, why = translate_object(obj, caps, schema_name)
    return sql, why, True


def missing_extensions(schema: Schema, caps: Dialect, probe: Probe) -> list[str]:
    """The source's extensions the target's server cannot create (asked before any work,
    so a copy does not fail at the end for want of one)."""
    if caps.extension_probe is None:
        return []
    return [o.name for o in schema.objects if o.kind == "extension" and o.dialect == caps.name
            and probe(caps.extension_probe.format("'" + o.name.replace("'", "''") + "'"))]


def create_object(session: ObjectSession, statement: ObjectStatement,
                  gone: set[str]) -> NotCreated | None:
    """Run one object's statement; a translated one the engine refuses (or one needing an
    object in ``gone``, those not created) is returned as not created, and added to
    ``gone`` when others may depend on it."""
    obj = statement.obj
    if any(d in gone for d in obj.depends_on):
        if obj.kind in DEPENDABLE_KINDS:
            gone.add(obj.name)
        return NotCreated(obj, "it needs " + ", ".join(d for d in obj.depends_on if d in gone)
                          + ", not created")
    if not statement.tried:
        session.execute(statement.sql)
        return None
    problem = session.try_execute(statement.sql)
    if problem is None:
        return None
    if obj.kind in DEPENDABLE_KINDS:
        gone.add(obj.name)
    what = "it" if obj.dialect == session.capabilities.name else "the translation"
    return NotCreated(obj, f"{session.capabilities.name} refuses {what}: {problem}")


def drop_before_replace(schema: Schema, caps: Dialect, schema_name: str) -> list[str]:
    """DROP … IF EXISTS for the views dbsynth mirrors, dependents last-created first: a
    replace drops them with the tables they read and creates them again after the load."""
    statements, _ = object_statements(schema, caps, schema_name)
    drops = []
    for statement in reversed(statements):
        kind = statement.obj.kind
        if kind == "materialized view" and not caps.materialized_views:
            kind = "view"
        if kind in DROPPED_KINDS:
            drops.append(f"DROP {DROPPED_KINDS[kind]} IF EXISTS "
                         f"{qualified(schema_name, statement.obj.name)}")
        elif typed_by_table(statement.obj, schema) and statement.obj.dialect == caps.name:
            name, args = statement.obj.name.split("(", 1)
            args = requalify(args, schema.name, schema_name, qualifiable_names(schema))
            drops.append(f"DROP {kind.upper()} IF EXISTS {quote_ident(schema_name)}."
                         f"{quote_ident(name)}({args}")
    return drops


def typed_by_table(obj: SchemaObject, schema: Schema) -> bool:
    """A function or procedure whose signature uses a table's row type (Pagila's
    ``rewards_report(…) RETURNS SETOF customer``): the table cannot be dropped under it, so a
    replace drops it first and creates it again (as a view)."""
    return obj.kind in ("function", "procedure") and any(
        d in schema.table_names for d in obj.depends_on)


def mirrored_views(schema: Schema, caps: Dialect, schema_name: str) -> list[str]:
    """The views (and materialized views) :func:`drop_before_replace` drops."""
    statements, _ = object_statements(schema, caps, schema_name)
    return [s.obj.name for s in statements if s.obj.kind in DROPPED_KINDS]


def is_mirrored(schema: Schema, caps: Dialect, kind: str | None, name: str | None) -> bool:
    """Whether dbsynth creates this object again after a replace (same engine only: a
    translation might be refused, and the target's object would be lost)."""
    if name is None or (kind not in DROPPED_KINDS and kind not in ("function", "procedure")):
        return False
    kept, _ = select_objects(schema.objects, set(schema.table_names))
    return any(o.kind == kind and o.name == name and o.dialect == caps.name
               and (kind in DROPPED_KINDS or typed_by_table(o, schema))  # (not by its body)
               for o in kept)


def create_table_statements(create_sql: str, table_name: str, schema: Schema, caps: Dialect,
                            schema_name: str) -> list[str]:
    """A table's CREATE TABLE, partitioned as in the source (same engine) with its partitions
    (parents before children) right after it: rows loaded into the table are routed to them."""
    mine = [o for o in schema.objects  # (no translation: another engine has no partitions)
            if o.kind in WITH_TABLE_KINDS and o.table == table_name and o.dialect == caps.name]
    keys = [o.definition for o in mine if o.kind == "partition key"]
    if not keys:
        return [create_sql]
    names = qualifiable_names(schema)
    return [f"{create_sql} PARTITION BY {keys[0]}"] + [
        requalify(o.definition, schema.name, schema_name, names)
        for o in mine if o.kind == "partition"]


def sequence_default(table: str, column: str, schema: Schema, caps: Dialect) -> bool:
    """The column's default draws from a sequence it does not own, set after the load
    (a "default" object, same engine): the column is written plain, not as an identity."""
    name = f"{table}.{column}"
    return any(o.kind == "default" and o.name == name and o.dialect == caps.name
               for o in schema.objects)


def has_partitions(table: str, schema: Schema, caps: Dialect) -> bool:
    """The table is written partitioned, as in the source (same engine)."""
    return any(o.kind == "partition key" and o.table == table and o.dialect == caps.name
               for o in schema.objects)


def declared_on_table(table: Table, schema: Schema, caps: Dialect) -> Table:
    """The table with the CHECKs and UNIQUEs it declares itself: where it is written
    partitioned, those of its partitions (source "partitions") are declared on them (objects);
    where its columns keep their domains, the domains hold their CHECKs (source "domain")."""
    partitioned = has_partitions(table.name, schema, caps)
    domains = caps.domains and schema.dialect == caps.name  # (the columns keep their domains)
    checks = tuple(c for c in table.checks if not (partitioned and c.source == "partitions")
                   and not (domains and c.source == "domain"))
    uniques = tuple(u for u in table.uniques if not (partitioned and u.source == "partitions"))
    if (len(checks), len(uniques)) == (len(table.checks), len(table.uniques)):
        return table
    return replace(table, checks=checks, uniques=uniques)


def partition_names(schema: Schema, caps: Dialect) -> list[str]:
    """The partitions :func:`create_table_statements` creates (each a table of its own)."""
    return [o.name for o in schema.objects if o.kind == "partition" and o.dialect == caps.name]


def without_grants(schema: Schema) -> Schema:
    """The schema without the source's grants (the default: roles differ between servers)."""
    if not any(o.kind == "grant" for o in schema.objects):
        return schema
    return replace(schema, objects=tuple(o for o in schema.objects if o.kind != "grant"))


def domain_type(column: Column, schema: Schema, caps: Dialect, schema_name: str) -> str | None:
    """The type a column is declared with when it keeps its domain (same engine, the domain
    among the objects created); None: its base type, as rendered."""
    if column.domain is None or not caps.domains:
        return None
    if any(o.kind == "domain" and o.name == column.domain and o.dialect == caps.name
           for o in schema.objects):
        return qualified(schema_name, column.domain)
    return None


def composite_type(column: Column, schema: Schema, caps: Dialect, schema_name: str,
                   made_in: Mapping[str, str]) -> str | None:
    """The type a column of a composite type (or an array of one) is declared with on the
    same engine, qualified with the schema the type is made in (``made_in`` by name, else
    ``schema_name``; a copied table's row type: the table's); None: not one."""
    native = column.type.native
    if native is None or schema.dialect != caps.name:
        return None
    base, brackets = native, ""
    while base.endswith("[]"):
        base, brackets = base[:-2], brackets + "[]"
    name = base.rsplit(".", 1)[-1]
    name = name[1:-1].replace('""', '"') if name.startswith('"') else name
    if any(o.kind == "type" and o.name == name and o.dialect == caps.name for o in schema.objects):
        return qualified(made_in.get(name, schema_name), name) + brackets
    table = schema.row_type_of(column)
    if table is not None:  # a table's row type: that table is created first (load order)
        return qualified(schema_name, table) + brackets
    return None


def summary(statements: list[ObjectStatement], left_out: list[NotCreated]) -> dict[str, Any]:
    """For ``--json``: objects created per kind, and those not created with why."""
    out = {n.obj.label for n in left_out}
    created: dict[str, int] = {}
    seen: set[str] = set()
    for statement in statements:
        label = statement.obj.label
        if label not in out and label not in seen:
            seen.add(label)
            created[statement.obj.kind] = created.get(statement.obj.kind, 0) + 1
    return {"created": created,
            "not_created": [{"object": n.obj.label, "reason": n.reason} for n in left_out]}


def qualifiable_names(schema: Schema) -> frozenset[str]:
    """What a schema-qualified name in a definition can name: the schema's tables, enums and
    objects (a function without its argument types)."""
    return frozenset({*schema.table_names, *(e.name for e in schema.enums),
                      *(o.name.split("(", 1)[0] for o in schema.objects)})


def requalify(sql: str, source_schema: str, target_schema: str,
              names: frozenset[str] = frozenset()) -> str:
    """``source_schema.name`` (quoted or not, or in MySQL's backquotes) made
    ``"target_schema".name``, and the schema itself after ``ON SCHEMA`` (a grant on it) made
    ``"target_schema"``. Text only: a string literal holding ``source_schema.`` is rewritten too (rare; said in the docs).
    Where ``source_schema`` is also one of ``names`` (a table named as its schema), a
    ``source_schema.x`` whose ``x`` is none of ``names`` is that table's column, kept."""
    if source_schema == target_schema:
        return sql
    name = re.escape(source_schema)
    pattern = (rf'(?<![\w."$`])(?:"{name}"|`{name}`|{name})\.'
               rf'(?=(?P<next>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\w+))')
    target = quote_ident(target_schema) + "."
    ambiguous = source_schema in names

    def rewrite(match: re.Match[str]) -> str:
        following = match["next"]
        if following[0] in '"`':  # "name" or MySQL's `name`
            following = following[1:-1].replace(following[0] * 2, following[0])
        if ambiguous and following not in names:
            return match[0]
        return target

    on_schema = rf'(?i)(?<![\w"])(ON\s+SCHEMA\s+)(?:"{name}"|{name})(?![\w."])'
    sql = re.sub(on_schema, lambda m: m[1] + quote_ident(target_schema), sql)
    return re.sub(pattern, rewrite, sql)


def translate_object(obj: SchemaObject, caps: Dialect, schema_name: str
                     ) -> tuple[str | None, str]:
    """An index, view or comment in ``caps``'s SQL, or None and why not."""
    import sqlglot  # lazy: only objects going to another engine are translated
    from sqlglot import exp

    source = get_dialect(obj.dialect)
    if obj.kind == "comment" and not caps.comments:
        return None, f"{caps.name} has no comments"
    try:
        tree = sqlglot.parse_one(obj.definition, read=source.sqlglot)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError) as exc:
        return None, f"sqlglot cannot read it ({str(exc).splitlines()[0][:80]})"
    if obj.kind == "index":
        problem = _fit_index(tree, caps)
        if problem:
            return None, problem
    elif obj.kind == "materialized view" and not caps.materialized_views:
        kind = tree.args.get("kind")
        tree.set("kind", "VIEW" if kind else kind)
        for prop in list(tree.find_all(exp.MaterializedProperty)):
            prop.pop()
    if isinstance(tree, exp.Create):
        tree.set("replace", False)  # not every engine has OR REPLACE; a replace drops first
    for column in tree.find_all(exp.Column):
        if column.args.get("db") is not None:  # COMMENT ON COLUMN schema.table.column
            column.set("db", exp.to_identifier(schema_name))
            column.set("catalog", None)
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.name in ctes:
            continue
        index_table = isinstance(table.parent, exp.Index)
        if index_table and not caps.index_table_qualified:
            table.set("db", None)
        else:
            table.set("db", exp.to_identifier(schema_name))
        table.set("catalog", None)
    if obj.kind == "index" and not caps.index_table_qualified:
        index = tree.this
        index.set("this", exp.Table(this=index.this, db=exp.to_identifier(schema_name)))
    try:
        return tree.sql(dialect=caps.sqlglot, identify=True, unsupported_level=sqlglot.ErrorLevel.RAISE), ""
    except (sqlglot.errors.UnsupportedError, KeyError, ValueError) as exc:
        return None, f"sqlglot cannot write it for {caps.name} ({str(exc).splitlines()[0][:80]})"


def _fit_index(tree: exp.Expression, caps: Dialect) -> str | None:
    """An index made what ``caps`` can hold (its default method, plain column order), or why
    it cannot be."""
    from sqlglot import exp  # lazy: see translate_object

    index = tree.this if isinstance(tree, exp.Create) else None
    params = index.args.get("params") if isinstance(index, exp.Index) else None
    if params is None:
        return "not an index sqlglot can read"
    using = params.args.get("using")
    method = using.name.lower() if using is not None else "btree"
    if method not in caps.index_methods:
        return f"index method {method} has no counterpart in {caps.name}"
    if method in ("btree", caps.index_methods[0]):
        params.set("using", None)  # the target's default method
    if params.args.get("include"):
        return f"INCLUDE columns have no counterpart in {caps.name}"
    if params.args.get("where") is not None and not caps.partial_indexes:
        return f"{caps.name} has no partial indexes (WHERE …)"
    for ordered in list(params.find_all(exp.Ordered)):
        if not ordered.args.get("desc"):
            ordered.replace(ordered.this)
    for item in params.args.get("columns") or []:
        key = item.this if isinstance(item, exp.Ordered) else item
        if not isinstance(key, (exp.Column, exp.Paren)):  # an expression: in parentheses
            key.replace(exp.Paren(this=key.copy()))
    return None
