"""Defaults the faces show in their help, kept where importing them loads nothing heavy."""

from __future__ import annotations

#: training reads at most about this many rows of each table (None: whole tables)
DEFAULT_SAMPLE_ROWS = 200_000

#: ``synth --audit`` (and the service's ``audit``): the share of entities kept out of training
#: as the privacy audit's control set
AUDIT_HOLDOUT = 0.2
