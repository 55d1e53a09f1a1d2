"""``inspect`` says which engine and version it talks to, and what it can do that matters."""

from __future__ import annotations

import re

from dbsynth import pipeline
from test_cli import dbsynth


def test_inspect_names_the_engine_its_version_and_capabilities(backend):
    url = backend.source()
    engine = pipeline.inspect(url).engine
    assert engine["dialect"] == backend.caps.name
    assert re.search(r"\d+\.\d+", engine["version"]), engine
    assert engine["capabilities"] == backend.caps.notable()
    assert engine["capabilities"]["transactional_ddl"] == backend.caps.transactional_ddl
    proc = dbsynth("inspect", url)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("engine: "))
    assert engine["version"] in line and "DDL" in line
