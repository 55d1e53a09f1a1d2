"""The attack audit (issue 20): entities held out of training, attacks against them.

A dbsynth copy trained on 80% of the demo's patients (with their lab results and
treatments) is attacked with the other 20% as control; a copy that holds the trained-on
rows verbatim — what a memorising generator writes — must score clearly at risk.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dbsynth import pipeline
from dbsynth.demo import build_demo_source
from dbsynth.model.holdout import key_texts
from dbsynth.report.html import render_html
from databases import read_frames, write_frames

PATIENTS = 1500  # a smaller demo: quick detection, and every row read
ROWS = 8000  # --sample-rows of the reports: whole tables, so the attacker has the whole copy


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = Path(tmp_path_factory.mktemp("audit"))
    build_demo_source(folder / "full.duckdb")
    schema, full = read_frames(f"duckdb:///{folder / 'full.duckdb'}")
    patients = full["patients"].head(PATIENTS)
    kept = {"patients": patients} | {t: full[t][full[t]["patient_id"].isin(patients["patient_id"])]
                                     for t in ("lab_results", "treatments")}
    demo = write_frames(f"duckdb:///{folder / 'demo.duckdb'}", schema, kept)
    good = f"duckdb:///{folder / 'good.duckdb'}"
    result = pipeline.synth(demo, good, seed=1, holdout=0.2, keep_frames=False)
    schema, real = read_frames(demo)
    held = {t: set(c["keys"]) for t, c in result.control["tables"].items()}
    trained = {t: f[[k not in held.get(t, set()) for k in key_texts(f, schema.table(t).row_key())]]
               for t, f in real.items()}
    memorised = write_frames(f"duckdb:///{folder / 'memorised.duckdb'}", schema, trained)
    return {"demo": demo, "good": good, "memorised": memorised, "control": result.control,
            "folder": folder, "real": real,
            "reports": {k: pipeline.report(demo, u, sample_rows=ROWS, control=result.control)
                        for k, u in (("good", good), ("memorised", memorised))}}


def test_entities_are_held_out_with_their_descendants(audited: dict) -> None:
    control, real = audited["control"], audited["real"]
    assert control["entity"] == "patients" and control["share"] == 0.2
    patients = set(control["tables"]["patients"]["keys"])
    assert 0.15 * len(real["patients"]) < len(patients) < 0.25 * len(real["patients"])
    for child, key in (("lab_results", "lab_result_id"), ("treatments", "treatment_id")):
        frame = real[child]  # a child is held out exactly when its patient is
        of_held = frame[[p in patients for p in key_texts(frame, ("patient_id",))]]
        assert set(key_texts(of_held, (key,))) == set(control["tables"][child]["keys"])


def test_memorised_copy_at_risk_dbsynth_copy_not(audited: dict) -> None:
    good, bad = (audited["reports"][k]["privacy"]["audit"] for k in ("good", "memorised"))
    assert bad["attack_risk"] >= 0.8 and bad["risk"] >= 0.8
    # CART leaves sample trained-on values: on 1,200 trained patients inference and membership
    # show a mild, measured excess (about 0.15-0.3); a memorised copy scores about 1
    assert good["attack_risk"] <= 0.4 and good["reproduction_risk"] <= 0.05
    assert good["attack_risk"] < bad["attack_risk"] / 2
    entity = bad["attacks"]["entity"]
    assert entity["membership"]["auc"] > 0.9 and entity["inference"]["risk"] > 0.5
    for attack in ("linkability", "inference", "membership"):
        found = good["attacks"]["entity"][attack]
        low, high = found.get("risk_ci") or found["ci"]
        assert 0 <= low <= found["risk"] <= high <= 1


def test_control_keys_only_in_the_audit_output(audited: dict, tmp_path: Path) -> None:
    """The keys are in the report's JSON (not its HTML) and never in a model file."""
    found = audited["reports"]["good"]
    assert found["privacy"]["audit"]["control"]["tables"]["patients"]["keys"]
    some_keys = found["privacy"]["audit"]["control"]["tables"]["patients"]["keys"][:3]
    page = render_html(found)
    assert "Attacks against a control set" in page and "Membership inference" in page
    assert json.dumps(some_keys)[1:-1] not in page and ", ".join(some_keys) not in page
    trained = pipeline.train(audited["demo"], holdout=0.2, seed=1)
    model = tmp_path / "m.dbsynth"
    pipeline.save(trained, model)
    assert b"control" not in model.read_bytes() and trained.control is not None
    assert len(trained.frames["patients"]) == len(audited["real"]["patients"]) - len(
        trained.control["tables"]["patients"]["keys"])


def test_holdout_and_control_bad_input_is_one_line(audited: dict, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True, text=True)

    demo = audited["demo"]
    for args, said in ((["train", demo, "-o", str(tmp_path / "m"), "--holdout", "0.2"], "--control"),
                       (["train", demo, "-o", str(tmp_path / "m"), "--holdout", "0.9", "--control",
                         str(tmp_path / "c.json")], "--holdout"),
                       (["report", demo, audited["good"], "--control", str(tmp_path / "nothing.json")],
                        "--control")):
        done = run(*args)
        assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
        assert said in done.stderr.strip().splitlines()[-1]
    (tmp_path / "junk.json").write_text("[1, 2]")
    done = run("report", demo, audited["good"], "--control", str(tmp_path / "junk.json"))
    assert done.returncode != 0 and "not a control file" in done.stderr


def test_train_holdout_then_report_control(audited: dict, tmp_path: Path) -> None:
    """The CLI path: train --holdout writes the keys, report --control attacks with them."""
    model, keys, out = tmp_path / "m.dbsynth", tmp_path / "control.json", tmp_path / "r.json"
    target = f"duckdb:///{tmp_path / 'copy.duckdb'}"
    for args in (["train", audited["demo"], "-o", str(model), "--holdout", "0.2", "--control", str(keys),
                  "--sample-rows", "3000"],
                 ["generate", str(model), target],
                 ["report", audited["demo"], target, "--control", str(keys), "--sample-rows", "1000",
                  "--json", str(out)]):
        done = subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    audit = json.loads(out.read_text())["privacy"]["audit"]
    assert audit["attacks"]["entity_table"] == "patients" and audit["attacks"]["entity"] is not None
    assert audit["risk"] <= 0.4


def test_service_synth_job_with_audit(audited: dict, tmp_path: Path) -> None:
    from test_service import LiveService, finished, wait_for, write_config, writable

    target = f"duckdb:///{tmp_path / 'served.duckdb'}"
    config = write_config(tmp_path / "svc", {"demo": audited["demo"], "out": writable(target)}, concurrency=1)
    service = LiveService(config, tmp_path / "service.log").start()
    try:
        with service.client() as api:
            job = api.post("/v1/jobs", json={"kind": "synth", "source": "demo", "target": "out",
                                             "audit": True, "sample_rows": 2000})
            assert job.status_code in (200, 201, 202), job.text
            done = wait_for(api, job.json()["id"], finished)
            assert done["status"] == "succeeded", done["error"]
            found = api.get(f"/v1/jobs/{job.json()['id']}/report").json()
    finally:
        service.stop()
    audit = found["privacy"]["audit"]
    assert audit["attacks"]["entity_table"] == "patients" and audit["control"]["tables"]["patients"]["keys"]
    assert 0 <= audit["risk"] <= 0.4


def test_service_train_holdout_then_report_job_with_the_model(audited: dict, tmp_path: Path) -> None:
    """The service's train → generate → report path: a train job with a holdout keeps the
    held-out keys beside the model file (never in it), a report job naming the model attacks
    the copy with them and judges the row counts at the scale given; deleting the model
    deletes its keys; a model trained without a holdout is a one-line job error."""
    from test_service import LiveService, finished, wait_for, write_config, writable

    target = f"duckdb:///{tmp_path / 'served.duckdb'}"
    config = write_config(tmp_path / "svc", {"demo": audited["demo"], "out": writable(target)}, concurrency=1)
    service = LiveService(config, tmp_path / "service.log").start()
    try:
        with service.client() as api:
            def job(**body: object) -> dict:
                posted = api.post("/v1/jobs", json=body)
                assert posted.status_code in (200, 201, 202), posted.text
                return wait_for(api, posted.json()["id"], finished)

            trained = job(kind="train", source="demo", name="held", holdout=0.2, sample_rows=2000)
            assert trained["status"] == "succeeded", trained["error"]
            model_id = trained["result"]["model"]["id"]
            model_file = tmp_path / "svc" / "data" / "models" / f"{model_id}.dbsynth"
            keys_file = model_file.with_suffix(".control.json")
            held = json.loads(keys_file.read_text())
            assert held["entity"] == "patients" and held["tables"]["patients"]["keys"]
            assert b"control" not in model_file.read_bytes()
            written = job(kind="generate", model=model_id, target="out", scale=0.5)
            assert written["status"] == "succeeded", written["error"]
            reported = job(kind="report", source="demo", target="out", model=model_id, scale=0.5,
                           sample_rows=1000)
            assert reported["status"] == "succeeded", reported["error"]
            found = api.get(f"/v1/jobs/{reported['id']}/report").json()
            plain = job(kind="train", source="demo", name="plain", sample_rows=500)
            refused = job(kind="report", source="demo", target="out", model=plain["result"]["model"]["id"])
            assert api.delete(f"/v1/models/{model_id}").status_code == 204
    finally:
        service.stop()
    audit = found["privacy"]["audit"]
    assert audit["attacks"]["entity_table"] == "patients"
    assert set(audit["control"]["tables"]["patients"]["keys"]) == set(held["tables"]["patients"]["keys"])
    assert found["integrity"]["scale"] == {"value": 0.5, "estimated": False}
    assert refused["status"] == "failed" and "without a holdout" in refused["error"]
    assert "\n" not in refused["error"].strip()
    assert not model_file.exists() and not keys_file.exists()
