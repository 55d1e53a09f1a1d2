"""Catalog schema revisions, written by hand, oldest first."""
