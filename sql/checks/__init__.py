"""SQL shipped with dbsynth (kept as .sql files; this marker makes it importable data)."""
