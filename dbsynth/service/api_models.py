"""The API's request and response bodies (pydantic): validation is where bad input stops.

A job request is discriminated by ``kind``; every bound the pipeline would refuse (scale
0.1 … 10, seed ≥ 0, sample rows ≥ 1) is stated here too, so a bad body is a 422 naming the
field instead of a job that fails later. Connections and models are named, never given as URLs.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from dbsynth.pipeline import MAX_SCALE, MIN_SCALE

ConnectionName = Annotated[str, Field(min_length=1, max_length=64, description="A connection named in the service config.")]
Scale = Annotated[float, Field(ge=MIN_SCALE, le=MAX_SCALE, allow_inf_nan=False, description="Rows relative to the source.")]
Seed = Annotated[int, Field(ge=0, le=2**31 - 1, description="Same seed, same rows.")]
SampleRows = Annotated[int | None, Field(ge=1, le=10**9, description="Read at most about this many rows per table.")]
TableNames = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=1000)]
TableName = Annotated[str, Field(min_length=1, max_length=200)]
TableRows = Annotated[dict[TableName, Annotated[int, Field(ge=0, le=10**9)]], Field(
    max_length=1000, description="Rows per table, {table: N} (like --rows TABLE=N): for a table "
                                 "with a parent, its children per parent rescaled to add up to N.")]
TableScales = Annotated[dict[TableName, Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]], Field(
    max_length=1000, description="Children per parent times F, {table: F} (like --table-scale TABLE=F).")]


def _parsed_conditions(where: dict[str, str]) -> dict[str, str]:
    """A condition's syntax is checked with the request (its columns once the job runs)."""
    from dbsynth.errors import UsageError
    from dbsynth.model.relational.conditions import conditions_of

    try:
        conditions_of(where)
    except UsageError as exc:
        raise ValueError(exc.message) from None
    return where


TableConditions = Annotated[dict[TableName, Annotated[str, Field(min_length=1, max_length=4000)]], AfterValidator(_parsed_conditions), Field(
    max_length=1000, description="A SQL condition per table, {table: condition} (like --where "
                                 "'TABLE: condition'): every synthetic row of the table satisfies it.")]
JobKind = Literal["train", "generate", "synth", "refresh", "report"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SynthRequest(_Request):
    """Learn ``source`` and write a synthetic copy into ``target`` (optionally judge it)."""

    kind: Literal["synth"]
    source: ConnectionName
    target: ConnectionName
    scale: Scale = 1.0
    rows: TableRows = {}
    table_scale: TableScales = {}
    where: TableConditions = {}
    only_related: bool = Field(False, description="With where: the other tables keep only the rows it references.")
    seed: Seed = 0
    replace: bool = False
    sample_rows: SampleRows = None
    report: bool = Field(False, description="Also build the quality report (GET /v1/jobs/{id}/report).")
    audit: bool = Field(False, description="Keep 20% of the entities out of training and attack the copy "
                                           "with them: privacy.audit in the report (implies report; the "
                                           "report holds the held-out keys).")


class TrainRequest(_Request):
    """Learn ``source`` into a stored model named ``name``."""

    kind: Literal["train"]
    source: ConnectionName
    name: Annotated[str, Field(min_length=1, max_length=200)]
    seed: Seed = 0
    sample_rows: SampleRows = None
    holdout: float = Field(0.0, ge=0.0, lt=1.0, description="Keep this share of the entities out of "
                           "training (like train --holdout): a report job naming this model attacks "
                           "the copy with them. The held-out keys are kept beside the model file, "
                           "never in it.")


class GenerateRequest(_Request):
    """Write a synthetic database from a stored model into ``target``."""

    kind: Literal["generate"]
    model: Annotated[str, Field(min_length=1, max_length=64, description="A model id from GET /v1/models.")]
    target: ConnectionName
    scale: Scale = 1.0
    rows: TableRows = {}
    table_scale: TableScales = {}
    where: TableConditions = {}
    only_related: bool = Field(False, description="With where: the other tables keep only the rows it references.")
    seed: Seed = 0
    replace: bool = False


class RefreshRequest(_Request):
    """Bring ``target``'s synthetic copy up to date with ``source``'s schema and data."""

    kind: Literal["refresh"]
    source: ConnectionName
    target: ConnectionName
    on_drift: Literal["fail", "recreate", "migrate"] = "fail"
    dry_run: bool = False
    include: TableNames = []
    exclude: TableNames = []
    scale: Scale = 1.0
    rows: TableRows = {}
    table_scale: TableScales = {}
    where: TableConditions = {}
    only_related: bool = Field(False, description="With where: the other tables keep only the rows it references.")
    seed: Seed = 0
    sample_rows: SampleRows = None


class ReportRequest(_Request):
    """Judge ``target`` as a synthetic copy of ``source`` (both only read)."""

    kind: Literal["report"]
    source: ConnectionName
    target: ConnectionName
    sample_rows: SampleRows = None
    seed: Seed = 0
    scale: Scale | None = Field(None, description="The scale the copy was made at, to judge its row "
                                "counts (like report --scale; default: estimated from them).")
    model: Annotated[str | None, Field(min_length=1, max_length=64, description=(
        "A model id trained with holdout > 0: its held-out entities are the control set of the "
        "attack-based privacy audit (like report --control)."))] = None


JobRequest = Annotated[SynthRequest | TrainRequest | GenerateRequest | RefreshRequest | ReportRequest,
                       Field(discriminator="kind")]


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    params: dict[str, Any]
    progress: dict[str, Any] = Field(description="{stage, tables: {table: {stage, rows, expected?}}}")
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    committed_at: datetime | None = Field(
        None, description="When the job began committing its target: written, no cancel from then on.")


class ModelOut(BaseModel):
    id: str
    name: str
    source: str
    created_at: datetime
    size: int
    tables: list[str]


class ConnectionOut(BaseModel):
    name: str
    dialect: str


class Health(BaseModel):
    status: Literal["ok"]
    version: str


def as_utc(value: datetime | None) -> datetime | None:
    """Catalog timestamps are naive UTC; the API says so."""
    return value.replace(tzinfo=timezone.utc) if value is not None else None
