"""Mirror a schema as DDL for a target dialect: types, enums, identities, constraints.

Everything here renders SQL text; nothing executes. Constraint placement follows the target's
capabilities: PostgreSQL gets keys, checks and foreign keys *after* the load (faster COPY,
order-free); DuckDB, which cannot add foreign keys later, gets them inside CREATE TABLE with the
keys they refer to, and its other keys right after each table's load.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from dbsynth.dialects import Dialect, get_dialect, qualified, quote_ident, translate_expression
from dbsynth.schema.graph import FkEdge, LoadPlan
from dbsynth.writer.objects import (
    composite_type, declared_on_table, domain_type, has_partitions, sequence_default,
)
from dbsynth.schema.model import CheckConstraint, Column, ForeignKey, Schema, SqlType, Table
from dbsynth.schema.objects import SchemaObject

if TYPE_CHECKING:
    from sqlglot import exp

log = logging.getLogger(__name__)

def render_type(sql_type: SqlType, dialect: str | Dialect, schema_name: str | None = None) -> str:
    """The target's spelling of a neutral type (``unknown`` falls back to text)."""
    return get_dialect(dialect).render_type(sql_type, schema_name)


def translate_check(check: CheckConstraint, table: Table, dialect: str) -> str | None:
    """A CHECK in ``dialect``'s SQL, every identifier quoted and spelled as its column is
    (DuckDB gives ``Amount > 0`` unquoted; PostgreSQL would fold it to ``amount``). None if
    sqlglot cannot read it for another engine; the engine's own text for the same one."""
    if _same_engine(check, dialect):
        return check.expression
    import sqlglot  # lazy: ~0.1 s to import, needed only for CHECKs

    tree = _parse_check(check, table)
    if tree is None:
        return check.expression if check.dialect == dialect else None
    try:
        return tree.sql(dialect=get_dialect(dialect).sqlglot, identify=True)
    except (sqlglot.errors.UnsupportedError, KeyError):
        return None


def _same_engine(check: CheckConstraint, dialect: str, enums: frozenset[str] = frozenset()
                 ) -> bool:
    """Whether the CHECK goes to the engine that holds it in the source, naming none of
    ``enums``: its own text then needs no translation (the engine wrote it, quoting what it
    must), and parsing it would load sqlglot's dialect (~0.1 s of a small run)."""
    if get_dialect(check.dialect).name != get_dialect(dialect).name:
        return False
    text = check.expression.lower()
    return not any(enum.lower() in text for enum in enums)


def parse_check(check: CheckConstraint) -> exp.Expression | None:
    """The CHECK's condition as sqlglot reads it in its own dialect, or None."""
    import sqlglot  # lazy: ~0.1 s to import, needed only for CHECKs

    try:
        return sqlglot.parse_one(check.expression, read=get_dialect(check.dialect).sqlglot)
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, KeyError):
        return None


def _parse_check(check: CheckConstraint, table: Table) -> exp.Expression | None:
    from sqlglot import exp  # lazy: ~0.1 s to import, needed only for CHECKs

    tree = parse_check(check)
    if tree is None:
        return None
    by_lower = {c.name.lower(): c.name for c in table.columns}
    for column in tree.find_all(exp.Column):
        if column.name not in by_lower.values() and column.name.lower() in by_lower:
            column.set("this", exp.to_identifier(by_lower[column.name.lower()], quoted=True))
    return tree.transform(_array_list_as_in)


def _array_list_as_in(node: exp.Expression) -> exp.Expression:
    """PostgreSQL keeps ``status IN ('new', 'paid')`` as ``status = ANY (ARRAY['new',
    'paid'])`` (every Rails or Django choices CHECK): written back as ``IN (…)``, which every
    engine reads, instead of an array other engines lack (DuckDB took ``= ANY ([…])`` for a
    subquery and refused the CREATE TABLE); ``<> ALL (ARRAY[…])`` as ``NOT … IN (…)``."""
    from sqlglot import exp  # lazy: see _parse_check

    if not isinstance(node, (exp.EQ, exp.NEQ)):
        return node
    wrapper = node.expression
    quantifier = ("any" if isinstance(wrapper, exp.Any) else "all" if isinstance(wrapper, exp.All)
                  else wrapper.name.lower() if isinstance(wrapper, exp.Anonymous) else "")
    inner = wrapper.this if isinstance(wrapper, (exp.Any, exp.All)) else (
        wrapper.expressions[0] if isinstance(wrapper, exp.Anonymous) and len(wrapper.expressions) == 1
        else None)
    inner = _array_of(inner)
    if not isinstance(inner, exp.Array) or not inner.expressions:
        return node
    listed = exp.In(this=node.this.copy(), expressions=[e.copy() for e in inner.expressions])
    if isinstance(node, exp.EQ) and quantifier == "any":
        return listed
    if isinstance(node, exp.NEQ) and quantifier == "all":
        return exp.Not(this=listed)
    return node


def _array_of(node: exp.Expression | None) -> exp.Expression | None:
    """The ``ARRAY[…]`` a quantifier reads, through parentheses and casts to an array type:
    a varchar column's choices are kept as ``(ARRAY['new'::character varying, …])::text[]``
    (every Django CharField with choices), and an array written as a literal
    (``'{1,2,3}'::numeric[]``) as an ``ARRAY[…]`` of its elements cast to the element type."""
    from sqlglot import exp  # lazy: see _parse_check

    while isinstance(node, exp.Paren) or (
            isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.ARRAY)):
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string:
            items = _array_literal_items(node.this.this)
            element = node.to.expressions[0] if node.to.expressions else None
            if items is None or element is None:
                return None
            return exp.Array(expressions=[
                exp.Null() if item is None else exp.Cast(this=exp.Literal.string(item), to=element.copy())
                for item in items])
        node = node.this
    return node


#: one element of an array literal and the comma after it (none after the last)
_ARRAY_ITEM = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^,{}"\s]+))\s*(,|$)')


def _array_literal_items(text: str) -> list[str | None] | None:
    """The elements of a one-dimensional PostgreSQL array literal (``{a,"b c",NULL}``), an
    unquoted NULL as None; None for anything else (nested, malformed)."""
    text = text.strip()
    if len(text) < 2 or text[0] != "{" or text[-1] != "}":
        return None
    body = text[1:-1]
    if not body.strip():
        return []
    items: list[str | None] = []
    at = 0
    while True:  # each element in turn, from where the last one's comma left off
        match = _ARRAY_ITEM.match(body, at)
        if match is None:
            return None
        quoted, bare, end = match.groups()
        if quoted is not None:
            items.append(re.sub(r"\\(.)", r"\1", quoted))
        elif bare:
            items.append(None if bare.upper() == "NULL" else bare)
        else:
            return None
        if not end:
            break
        at = match.end()
    return items


#: runs a probe query where a CHECK would run; the engine's error (one line) or None
Probe = Callable[[str], "str | None"]


def check_problem(check: CheckConstraint, table: Table, dialect: str, probe: Probe,
                  enums: frozenset[str] = frozenset()) -> str | None:
    """Why an engine cannot hold (or evaluate) this CHECK, or None: SQL sqlglot cannot
    translate, a subquery, or what the engine says when asked to evaluate the condition
    over the table's columns (a function it lacks: dbsynth copies no functions). Casts to
    ``enums`` (types the writer creates before the CHECK) are probed as text."""
    if _same_engine(check, dialect, enums):  # the source engine holds it: no subquery
        return probe(check_probe(table, check.expression, dialect))
    from sqlglot import exp  # lazy: ~0.1 s to import, needed only for CHECKs

    tree = _parse_check(check, table)
    if tree is not None and tree.find(exp.Subquery, exp.Select, exp.Exists) is not None:
        return "it uses a subquery"
    expr = enum_free_check(check, table, dialect, enums)
    if expr is None:
        return "sqlglot cannot translate it"
    return probe(check_probe(table, expr, dialect))


def enum_free_check(check: CheckConstraint, table: Table, dialect: str,
                    enums: frozenset[str]) -> str | None:
    """:func:`translate_check` with casts to ``enums`` made casts to text: for evaluating a
    condition where those types do not exist (yet), on values held as text."""
    if _same_engine(check, dialect, enums):
        return check.expression
    from sqlglot import exp  # lazy: ~0.1 s to import, needed only for CHECKs

    tree = _parse_check(check, table)
    if tree is None:
        return translate_check(check, table, dialect)
    for cast in list(tree.find_all(exp.DataType)):
        kind = cast.args.get("kind")
        if cast.this == exp.DataType.Type.USERDEFINED and kind is not None and kind.name in enums:
            cast.replace(exp.DataType.build("text"))
    return tree.sql(dialect=get_dialect(dialect).sqlglot, identify=True)


def check_probe(table: Table, expr: str, dialect: str) -> str:
    """A query that evaluates ``expr`` over no rows of the table's columns: the engine
    binds it (columns, functions, types) but reads and changes nothing."""
    columns = ", ".join(
        f"CAST(NULL AS {get_dialect(dialect).render_cast_type(_probe_type(c.type))}) AS "
        f"{quote_ident(c.name)}"
        for c in table.columns)
    return f"SELECT ({expr}) FROM (SELECT {columns}) AS t WHERE false"


def _probe_type(sql_type: SqlType) -> SqlType:
    """Enums (not created yet when the probe runs) are probed as text."""
    if sql_type.name == "enum" or (sql_type.element is not None and sql_type.element.name == "enum"):
        return SqlType("text")
    return sql_type


def held_checks(schema: Schema, caps: Dialect, probe: Probe
                ) -> tuple[Schema, list[tuple[Table, CheckConstraint, str]]]:
    """The schema as a ``caps`` target can declare it: CHECKs it cannot hold left out, and
    those, each with why. A CHECK that fails only for want of a function the copy carries
    becomes schema objects added after the functions (:mod:`dbsynth.writer.late_checks`)."""
    from dbsynth.writer.late_checks import copied_functions_called, late_check_objects

    left_out: list[tuple[Table, CheckConstraint, str]] = []
    late: list[SchemaObject] = []
    tables: list[Table] = []
    for table in schema.tables:
        kept: list[CheckConstraint] = []
        for index, check in enumerate(table.checks, 1):
            problem = check_problem(check, table, caps.name, probe,
                                    frozenset(e.name for e in schema.enums))
            functions = copied_functions_called(check, schema, caps) if problem else ()
            if problem is None:
                kept.append(check)
            elif functions:
                late += late_check_objects(table, check, index, schema, caps, functions)
            else:
                left_out.append((table, check, problem))
        tables.append(table if len(kept) == len(table.checks) else replace(table, checks=tuple(kept)))
    if not left_out and not late:
        return schema, left_out
    return replace(schema, tables=tuple(tables), objects=schema.objects + tuple(late)), left_out


def sequence_name(table: Table, column: Column) -> str:
    return f"{table.name}_{column.name}_seq"


def create_enum(schema_name: str, name: str, values: tuple[str, ...]) -> str:
    labels = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"CREATE TYPE {qualified(schema_name, name)} AS ENUM ({labels})"


def column_definition(table: Table, column: Column, schema: Schema, caps: Dialect,
                      schema_name: str, enum_schemas: Mapping[str, str] | None = None) -> str:
    item = column.type.element if column.type.name == "array" else column.type
    enum = item.enum if item is not None else None
    type_schema = (enum_schemas or {}).get(enum, schema_name) if enum else schema_name
    sql_type = caps.render_type(_key_compatible_type(table, column, schema, caps), type_schema)
    sql_type = _as_declared_in_source(table, column, schema, caps) or sql_type
    if enum and column.type.name == "enum" and not caps.enums and caps.enum_column:
        labels = next((e.values for e in schema.enums if e.name == enum), ())
        if labels:  # MySQL: ENUM('a', 'b') as the column's own type
            sql_type = caps.enum_column.format(", ".join(
                "'" + v.replace("'", "''") + "'" for v in labels))
    if caps.key_text is not None and sql_type in (caps.text_word, caps.varchar_unbounded) \
            and column.name in key_columns(table):
        sql_type = caps.key_text  # MySQL indexes no unbounded text
    if (item is not None and item.name == "unknown" and item.native and schema.dialect == caps.name
            and (column.nullable or column.generated is not None
                 or item.native in caps.words_types)):
        # Same engine: a type dbsynth does not model stays as declared (tsvector, inet) where
        # its values are NULL, the engine's own, or generated words the type takes (a NOT
        # NULL tsvector); other NOT NULL ones get neutral text values, as text.
        sql_type = column.type.native or sql_type
    domain_schema = (enum_schemas or {}).get(column.domain or "", schema_name)
    sql_type = domain_type(column, schema, caps, domain_schema) or sql_type  # PG -> PG: its domain
    composite = composite_type(column, schema, caps, schema_name, enum_schemas or {})
    if composite is None and column.type.composite and schema.dialect == caps.name:
        log.warning("%s.%s: its type %s is neither a type nor a table of the copy; written as "
                    "%s (a JSON object of its attributes)", table.name, column.name,
                    column.type.native, sql_type)
    sql_type = composite or sql_type
    # (a default from a sequence the column does not own is set after the load, as in the
    # source, instead of an identity: see objects_defaults.sql)
    identity = None if sequence_default(table.name, column.name, schema, caps) else column.identity
    if identity and column.type.is_integer:
        sql_type = caps.identity_type(column.type) or sql_type
    parts = [quote_ident(column.name), sql_type]
    if column.generated is not None and caps.generated_kind != "none":
        expr = translate_expression(column.generated, schema.dialect, caps)
        if expr is not None:
            parts.append(f"GENERATED ALWAYS AS ({expr}) {caps.generated_kind.upper()}")
            return " ".join(parts)
        log.warning("generated column %s.%s cannot be translated; mirrored as a plain column",
                    table.name, column.name)
    if identity and column.type.is_integer and caps.identity_kind != "autoincrement":
        if caps.identity_kind == "auto_increment":
            if not column.nullable:
                parts.append("NOT NULL")
            if leads_primary_key(table, column):  # else MySQL refuses it: a plain column
                parts.append("AUTO_INCREMENT")
            return " ".join(parts)
        if caps.identity_kind == "identity":
            parts.append(f"GENERATED {identity.upper()} AS IDENTITY")
        elif caps.identity_kind == "sequence":
            seq = qualified(schema_name, sequence_name(table, column))
            parts.append(f"DEFAULT nextval('{seq.replace(chr(39), chr(39) * 2)}')")
    elif column.default is not None and _zero_date(column.default) and not caps.zero_dates:
        log.warning("%s.%s: its default %s (MySQL's zero date) is left out: %s has no such "
                    "date", table.name, column.name, column.default, caps.name)
    elif column.default is not None and (_portable_default(column) or _enum_label(column)):
        default = (_enum_label(column) or _boolean_literal(column)
                   or translate_expression(column.default, schema.dialect, caps))
        if default is not None and "nextval" not in default and not _is_null(default):
            parts.append(f"DEFAULT ({default})" if caps.default_in_parentheses
                         else f"DEFAULT {default}")
    if not column.nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def key_columns(table: Table) -> set[str]:
    """Columns of the table's primary, unique and foreign keys."""
    out = set(table.primary_key.columns) if table.primary_key else set()
    for key in (*table.key_uniques, *table.foreign_keys):
        out.update(key.columns)
    return out


def leads_primary_key(table: Table, column: Column) -> bool:
    """The column is the primary key's first (an AUTO_INCREMENT column must lead a key)."""
    return table.primary_key is not None and table.primary_key.columns[0] == column.name


#: neutral types whose values the source engine's own spelling of them takes as they are:
#: on the same engine the column is declared as the source declares it (json stays json,
#: not jsonb; time with time zone keeps its offset; INT UNSIGNED, MEDIUMINT, YEAR, SET, BIT(4)
#: stay so), since the application's queries and its ORM read the declared types
NATIVE_KEPT_TYPES = frozenset({
    "smallint", "integer", "bigint", "real", "double", "numeric", "boolean", "date", "time",
    "timestamp", "timestamptz", "interval", "text", "varchar", "char", "json", "bytes", "uuid",
})


def _as_declared_in_source(table: Table, column: Column, schema: Schema, caps: Dialect) -> str | None:
    """The source's own type text for a column copied into the same engine, where the neutral
    type would change it; None where the neutral spelling is needed: another engine, a
    composite, and key columns (a key pair must match, an inferred key may need an indexable
    type: the neutral types see to both)."""
    t = column.type
    if schema.dialect != caps.name or not t.native or t.name not in NATIVE_KEPT_TYPES or t.composite:
        return None
    in_keys = column.name in key_columns(table) or any(
        fk.ref_table == table.name and column.name in fk.ref_columns
        for other in schema.tables for fk in other.foreign_keys)
    return None if in_keys else t.native


def _key_compatible_type(table: Table, column: Column, schema: Schema, caps: Dialect) -> SqlType:
    """A foreign key column's type, or its key's where the engine would refuse the pair: of
    different families (a text column onto an integer key, as SQLite files have), integer onto
    decimal, or any difference where the engine wants the very same type (DuckDB). The values
    written are the key's anyway."""
    for fk in declarable_foreign_keys(table, schema, warn=False):
        if column.name not in fk.columns:
            continue
        ref = schema.table(fk.ref_table).column(fk.ref_columns[fk.columns.index(column.name)])
        mine, theirs = column.type, ref.type
        if caps.render_type(mine) == caps.render_type(theirs):
            return mine
        same_family = ((mine.is_integer and theirs.is_integer)
                       or (mine.is_string and theirs.is_string))
        if caps.fk_types_must_match or not same_family:
            log.info("%s.%s takes the type of the key it refers to (%s.%s)", table.name,
                     column.name, fk.ref_table, ref.name)
            return theirs
    return column.type


def declarable_foreign_keys(table: Table, schema: Schema, warn: bool = True) -> list[ForeignKey]:
    """Foreign keys an engine can declare: onto a table we write, and onto its primary key or
    a UNIQUE column set (SQLite files declare others; they are still checked by SQL)."""
    out = []
    for fk in table.foreign_keys:
        if fk.ref_table not in schema.table_names:
            continue
        keys = {frozenset(k) for k in schema.table(fk.ref_table).unique_column_sets()}
        if frozenset(fk.ref_columns) not in keys:
            if warn:
                log.warning("foreign key %s refers to columns that are not a key; not declared "
                            "(checked by SQL)", fk.label(table.name))
            continue
        out.append(fk)
    return out


def _portable_default(column: Column) -> bool:
    """Defaults that name a schema or a type (``'new'::shop.status``) stay behind: the copy
    lives in another schema. Plain literals and functions (``now()``, ``0``) are kept."""
    if column.type.name in ("enum", "array"):
        return False
    outside_quotes = re.sub(r"'(?:[^']|'')*'", "''", column.default or "")
    return "." not in re.sub(r"\d+\.\d+", "0", outside_quotes)


_ZERO_DATE = re.compile(r"^\(*\s*'0000-00-00( 00:00:00(\.0+)?)?'\s*\)*$")


def _zero_date(default: str) -> bool:
    """MySQL's zero date as a default (``'0000-00-00 00:00:00'``)."""
    return _ZERO_DATE.match(default.strip()) is not None


_NULL_DEFAULT = re.compile(r"^\(*\s*null\s*\)*(\s*::\s*[\w .,\"\[\]()]+)?$", re.IGNORECASE)


def _is_null(default: str) -> bool:
    """``DEFAULT NULL`` (``NULL::text``) is no default at all, and MySQL refuses it on a NOT
    NULL column (a key column SQLite declared ``DEFAULT NULL``): it is left out."""
    return _NULL_DEFAULT.match(default.strip()) is not None


_LABEL_CAST = re.compile(r"^('(?:[^']|'')*')::[\w.\"]+$")


def _enum_label(column: Column) -> str | None:
    """An enum column's default label without its cast (``'G'::public.mpaa_rating`` ->
    ``'G'``): the engine coerces it to the column's type, whatever schema that type is in,
    and an engine without enums takes it as text. None: not one."""
    if column.type.name != "enum" or column.default is None:
        return None
    match = _LABEL_CAST.match(column.default.strip())
    return match[1] if match else None


#: a boolean's default as the engines without booleans write it (MySQL's TINYINT(1) DEFAULT
#: 0, SQLite's BOOLEAN DEFAULT 1, MySQL's BIT(1) DEFAULT b'0')
_BOOLEAN_NUMBER = re.compile(r"""^\(*(?:b?'([01])'|([01]))\)*$""", re.IGNORECASE)


def _boolean_literal(column: Column) -> str | None:
    """A boolean column's default of 0 or 1 as FALSE or TRUE, which every engine takes for a
    boolean (PostgreSQL refuses an integer there: the CREATE TABLE failed). None: not one."""
    if column.type.name != "boolean" or column.default is None:
        return None
    match = _BOOLEAN_NUMBER.match(column.default.strip())
    if match is None:
        return None
    return "TRUE" if (match[1] or match[2]) == "1" else "FALSE"


def create_sequences(table: Table, caps: Dialect, schema_name: str,
                     next_values: dict[str, int]) -> list[str]:
    """Engines whose identities are sequences (DuckDB) need one per identity column, created
    already past the loaded keys."""
    if caps.identity_kind != "sequence":
        return []
    return [
        f"CREATE SEQUENCE {qualified(schema_name, sequence_name(table, c))} "
        f"START WITH {next_values.get(c.name, 1)}"
        for c in table.columns if c.identity and c.type.is_integer
    ]


def create_table(table: Table, schema: Schema, plan: LoadPlan, caps: Dialect,
                 schema_name: str, enum_schemas: Mapping[str, str] | None = None) -> str:
    """CREATE TABLE with what must exist before the load: on engines that cannot add foreign
    keys later (DuckDB), the foreign keys, the checks, and the keys a foreign key refers to.
    An enum type is looked up in the schema ``enum_schemas`` names for it, else the table's."""
    table = declared_on_table(table, schema, caps)
    lines = [column_definition(table, c, schema, caps, schema_name, enum_schemas)
             for c in table.columns]
    if not caps.fk_after_load:
        lines += inline_constraints(table, schema, plan, caps)
    elif caps.primary_key_at_create:
        lines += _inline_keys(table, schema, plan, caps)
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {qualified(schema_name, table.name)} (\n  {body}\n){caps.table_options}"


def inline_constraints(table: Table, schema: Schema, plan: LoadPlan,
                       caps: Dialect) -> list[str]:
    out = _inline_keys(table, schema, plan, caps)
    for check in table.checks:
        expr = check_expression(check, table, caps.name)
        if expr:
            out.append(f"{_constraint(check.name, table, schema, caps)}CHECK ({expr})")
    for fk in _declared_foreign_keys(table, schema, plan, caps):
        out.append(f"{_constraint(fk.name, table, schema, caps)}FOREIGN KEY "
                   f"({_cols(fk.columns)}) REFERENCES {quote_ident(fk.ref_table)} "
                   f"({_cols(fk.ref_columns)}){fk_actions(fk, caps)}")
    return out


def _inline_keys(table: Table, schema: Schema, plan: LoadPlan, caps: Dialect) -> list[str]:
    return [f"{_constraint(name, table, schema, caps, True)}{kind} ({_cols(columns)})"
            for kind, columns, name in _keys(table)
            if _key_at_create(table, columns, schema, plan, caps)]


def keys_after_load(table: Table, schema: Schema, plan: LoadPlan, caps: Dialect,
                    schema_name: str) -> list[str]:
    """ALTER TABLE statements for the keys (and checks, where the engine adds them later)
    that CREATE TABLE left out: one index build over the loaded rows is cheaper than keeping
    it up to date row by row. Run right after the table's load, before any table referring
    to it is created (DuckDB cannot alter a table something depends on)."""
    table = declared_on_table(table, schema, caps)
    target = qualified(schema_name, table.name)
    out = [_unique_index(table, columns, name, schema, caps, target)
           or f"ALTER TABLE {target} ADD {_constraint(name, table, schema, caps, True)}{kind} "
              f"({_cols(columns)})"
           for kind, columns, name in _keys(table)
           if not _key_at_create(table, columns, schema, plan, caps)]
    if caps.fk_after_load:
        for check in table.checks:
            expr = check_expression(check, table, caps.name)
            if expr:
                out.append(f"ALTER TABLE {target} ADD {_constraint(check.name, table, schema, caps)}"
                           f"CHECK ({expr})")
    return out


def foreign_keys_after_load(table: Table, schema: Schema, caps: Dialect,
                            schema_name: str) -> list[str]:
    """ALTER TABLE … ADD FOREIGN KEY for engines that can (run once every key exists)."""
    if not caps.fk_after_load:
        return []
    target = qualified(schema_name, table.name)
    on_partitions = has_partitions(table.name, schema, caps)  # (their own keys: objects)
    return [f"ALTER TABLE {target} ADD {_constraint(fk.name, table, schema, caps)}"
            f"{_fk_clause(fk, schema_name)}{fk_actions(fk, caps)}"
            for fk in declarable_foreign_keys(table, schema)
            if not (on_partitions and fk.source == "partitions")]


def fk_actions(fk: ForeignKey, caps: Dialect) -> str:
    """`` ON DELETE …`` / `` ON UPDATE …`` and `` DEFERRABLE …`` as the source declares
    them, where the target can (see :func:`unheld_fk_actions` for those it cannot); nothing
    for the defaults."""
    timing = (f" {fk.timing}" if fk.timing != "NOT DEFERRABLE" and fk.timing in caps.fk_timings
              else "")
    return "".join(f" ON {event} {action}" for event, action in
                   (("DELETE", fk.on_delete), ("UPDATE", fk.on_update))
                   if action != "NO ACTION" and action in caps.fk_actions) + timing


def unheld_fk_actions(schema: Schema, caps: Dialect) -> list[tuple[Table, ForeignKey, str]]:
    """Foreign keys whose referential action the target cannot declare, with the action."""
    return [(table, fk, f"ON {event} {action}" if event else action) for table in schema.tables
            for fk in declarable_foreign_keys(table, schema, warn=False)
            for event, action in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update),
                                  ("", fk.timing))
            if action not in (caps.fk_timings if not event else caps.fk_actions)]


def _unique_index(table: Table, columns: tuple[str, ...], name: str | None, schema: Schema,
                  caps: Dialect, target: str) -> str | None:
    """CREATE UNIQUE INDEX for a key the source declares as a unique index (Pagila's
    idx_unq_manager_staff_id), where the engine makes one and the name is valid there; None:
    a constraint."""
    if caps.unique_index is None or name is None or not any(
            u.index and u.columns == columns and u.name == name for u in table.uniques):
        return None
    if not _constraint(name, table, schema, caps, True):  # a name the engine would refuse
        return None
    return caps.unique_index.format(name=quote_ident(name), table=target, columns=_cols(columns))


def _keys(table: Table) -> list[tuple[str, tuple[str, ...], str | None]]:
    pk = table.primary_key
    keys = [("PRIMARY KEY", pk.columns, pk.name)] if pk else []
    return keys + [("UNIQUE", unique.columns, unique.name) for unique in table.key_uniques]


def _constraint(name: str | None, table: Table, schema: Schema, caps: Dialect,
                index_backed: bool = False) -> str:
    """``CONSTRAINT "name" `` keeping the source's name, where the target keeps names and
    this one is valid there: not too long, unique among the table's constraints, and for a
    key (an index: a relation of the schema) unique among the schema's keys and tables.
    Else nothing, and the engine names it."""
    if not name or not caps.constraint_names:
        return ""
    if caps.max_identifier_length is not None and len(name) > caps.max_identifier_length:
        return ""
    if _constraint_names(table).count(name) > 1:
        return ""
    if index_backed and (name in schema.table_names or sum(
            [n for _, _, n in _keys(t)].count(name) for t in schema.tables) > 1):
        return ""
    return f"CONSTRAINT {quote_ident(name)} "


def _constraint_names(table: Table) -> list[str | None]:
    return ([n for _, _, n in _keys(table)] + [c.name for c in table.checks]
            + [fk.name for fk in table.foreign_keys])


def _declared_foreign_keys(table: Table, schema: Schema, plan: LoadPlan,
                           caps: Dialect) -> list[ForeignKey]:
    """Foreign keys declared in CREATE TABLE on engines without ALTER … ADD FOREIGN KEY
    (not the cut cycle edges of :func:`undeclared_cycle_keys`)."""
    left_out = undeclared_cycle_keys(plan, caps)
    return [fk for fk in declarable_foreign_keys(table, schema)
            if not any(edge.same(table.name, fk) for edge in left_out)]


def undeclared_cycle_keys(plan: LoadPlan, caps: Dialect) -> tuple[FkEdge, ...]:
    """Cut cycle edges the target cannot declare at all: it declares foreign keys only in
    CREATE TABLE and checks them per statement, and their parent is created later (DuckDB);
    so are NOT NULL self references (rows referencing each other in a loop, which no order
    of statements loads there). They are still checked by SQL after the load (see
    :mod:`.integrity`)."""
    if caps.fk_after_load or caps.deferred_fk_checks:
        return ()
    return plan.cut + plan.looped


def _key_at_create(table: Table, columns: tuple[str, ...], schema: Schema, plan: LoadPlan,
                   caps: Dialect) -> bool:
    """Whether a key goes into CREATE TABLE: where nothing can be added later, and on DuckDB
    for a key a declared foreign key refers to (its check looks the key's index up, which a
    key added later in the same transaction does not have yet)."""
    if caps.primary_key_at_create and table.primary_key is not None \
            and columns == table.primary_key.columns:
        return True
    if caps.add_unique_after_load and caps.fk_after_load:
        return False
    if not caps.add_unique_after_load:
        return True
    return any(fk.ref_table == table.name and fk.ref_columns == columns
               and not plan.is_cut(other.name, fk)
               for other in schema.tables for fk in other.foreign_keys)


def check_expression(check: CheckConstraint, table: Table, dialect: str) -> str | None:
    expr = translate_check(check, table, dialect)
    if expr is None:
        log.warning("CHECK %s cannot be translated to %s; not mirrored", check.expression,
                    get_dialect(dialect).name)
    return expr


def _fk_clause(fk: ForeignKey, schema_name: str) -> str:
    return (f"FOREIGN KEY ({_cols(fk.columns)}) REFERENCES "
            f"{qualified(schema_name, fk.ref_table)} ({_cols(fk.ref_columns)})")


def _cols(names: tuple[str, ...]) -> str:
    return ", ".join(quote_ident(n) for n in names)
