"""MySQL/MariaDB as source and target on a throwaway MariaDB server (tests/conftest.py):
classicmodels loaded unchanged with the ``mariadb`` client, synthesized into DuckDB; the
Chinook DuckDB copy synthesized into MariaDB; integrity proved in the target each time."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import dbsynth
from conftest import duckdb_url

CLASSICMODELS = Path(__file__).resolve().parents[2] / "shared/data/classicmodels/mysqlsampledatabase.sql"


@pytest.fixture(scope="module")
def classicmodels_url(maria_cluster) -> str:
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None or not CLASSICMODELS.exists():
        pytest.skip("no mariadb client or no classicmodels dump")
    with CLASSICMODELS.open("rb") as dump:
        subprocess.run([client, "-h127.0.0.1", f"-P{maria_cluster.port}", "-uroot"],
                       stdin=dump, check=True, timeout=120)
    return f"{maria_cluster.base_url}/classicmodels"


def test_classicmodels_introspected(classicmodels_url):
    found = dbsynth.inspect(classicmodels_url)
    tables = {t.name: t for t in found.schema.tables}
    assert set(tables) == {"customers", "employees", "offices", "orderdetails", "orders",
                           "payments", "productlines", "products"}
    assert tables["orderdetails"].primary_key.columns == ("orderNumber", "productCode")
    assert {fk.ref_table for fk in tables["orderdetails"].foreign_keys} == {"orders", "products"}
    assert tables["customers"].row_count == 122


def test_classicmodels_to_duckdb(classicmodels_url, tmp_path):
    result = dbsynth.synth(classicmodels_url, duckdb_url(tmp_path / "cm.duckdb"), scale=0.5, seed=1)
    assert result.integrity.ok


def test_chinook_duckdb_to_mariadb(chinook_duckdb_url, maria_database_factory):
    target = maria_database_factory("chinook")
    result = dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=3)
    assert result.integrity.ok


def test_replacing_tables_is_refused_where_ddl_is_not_transactional(chinook_duckdb_url,
                                                                     maria_database_factory,
                                                                     maria_cluster):
    """MySQL cannot undo a failed DROP/CREATE: a replace would lose the old copy if the
    load failed, so it is refused before any work and the first copy stays as it was."""
    target = maria_database_factory("replace")
    first = dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=3)
    assert first.integrity.ok
    with pytest.raises(dbsynth.errors.UnsafeTargetError, match="not transactional"):
        dbsynth.synth(chinook_duckdb_url, target, scale=0.5, seed=4, replace=True)
    for table, rows in first.rows.items():
        assert maria_cluster.run(target, f'SELECT count(*) FROM "{table}"')[0][0] == rows
