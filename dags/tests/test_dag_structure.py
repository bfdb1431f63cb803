"""The DAG file as the scheduler sees it: imports cleanly, chains the jobs in order, and protects the source."""

from __future__ import annotations

import copy
import warnings
from datetime import timedelta

import pendulum
import pytest
from conftest import DAGS, load_dags, write_config

HOURLY_STEPS = ["sync.export_increment", "sync.stage_validate", "sync.copy_load", "sync.merge_apply"]
BACKFILL_STEPS = ["scan", "stage_validate", "copy_load", "merge_apply"]


@pytest.fixture
def dags(monkeypatch, tmp_path):
    config = write_config(tmp_path / "ddb2sf.yaml", ["demo_orders", "weird.table-name"])
    return load_dags(monkeypatch, DDB2SF_CONFIG=config, DDB2SF_MODE="kubernetes")


def test_imports_without_errors_or_warnings(monkeypatch, tmp_path):
    config = write_config(tmp_path / "ddb2sf.yaml", ["demo_orders"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dags = load_dags(monkeypatch, DDB2SF_CONFIG=config)
    ours = [f"{w.filename}:{w.lineno}: {w.message}" for w in caught if w.filename.startswith(str(DAGS))]
    assert ours == []
    assert set(dags) == {"dynamodb_to_snowflake", "dynamodb_to_snowflake_backfill"}


def test_imports_when_the_config_is_not_on_the_scheduler(monkeypatch, tmp_path):
    # In Kubernetes mode the config may live only in the pods' ConfigMap: the DAG must still parse.
    dags = load_dags(monkeypatch, DDB2SF_CONFIG=tmp_path / "absent.yaml")
    table = dags["dynamodb_to_snowflake_backfill"].params.get_param("table")
    assert "enum" not in table.schema


def test_hourly_chain_runs_the_four_jobs_in_order(dags):
    dag = dags["dynamodb_to_snowflake"]
    # Every task of the mapped group reads its table from `tables`; only export waits on nothing else.
    assert dag.get_task("sync.export_increment").upstream_task_ids == {"tables"}
    for before, after in zip(HOURLY_STEPS, HOURLY_STEPS[1:]):
        assert dag.get_task(before).downstream_task_ids == {after}
    assert dag.get_task("sync.merge_apply").downstream_task_ids == set()


def test_backfill_chain_scans_then_loads_the_snapshot(dags):
    dag = dags["dynamodb_to_snowflake_backfill"]
    assert dag.get_task("plan").downstream_task_ids == {"scan"}
    for before, after in zip(BACKFILL_STEPS, BACKFILL_STEPS[1:]):
        assert dag.get_task(before).downstream_task_ids == {after}


def test_both_dags_are_tagged_and_documented(dags):
    for dag in dags.values():
        assert dag.tags == {"ddb2sf"}
        assert "ddb2sf" in dag.doc_md
        assert dag.default_args["owner"] == "data-platform" and dag.default_args["retries"] == 3


def test_hourly_schedule_has_one_hour_windows_and_catches_up(dags):
    dag = dags["dynamodb_to_snowflake"]
    assert dag.catchup is True
    assert dag.max_active_runs == 3
    start = pendulum.datetime(2026, 11, 24, 10, tz="UTC")
    from airflow.serialization.encoders import coerce_to_core_timetable

    # A run triggered at 11:05 syncs the last whole hour, 10:00 to 11:00.
    interval = coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(run_after=start + timedelta(minutes=65))
    assert (interval.start, interval.end) == (start, start + timedelta(hours=1))


def test_source_reads_share_a_pool_and_every_job_retries_with_backoff_and_a_timeout(dags):
    hourly, backfill = dags["dynamodb_to_snowflake"], dags["dynamodb_to_snowflake_backfill"]
    assert hourly.get_task("sync.export_increment").pool == "ddb2sf_source"
    assert backfill.get_task("scan").pool == "ddb2sf_source"
    assert hourly.get_task("sync.export_increment").depends_on_past is True
    jobs = [hourly.get_task(t) for t in HOURLY_STEPS] + [backfill.get_task(t) for t in BACKFILL_STEPS]
    for t in jobs:
        assert t.retries == 3, t.task_id
        assert t.retry_exponential_backoff, t.task_id
        assert t.max_retry_delay == timedelta(minutes=30), t.task_id
        assert t.execution_timeout is not None and t.execution_timeout <= timedelta(hours=24), t.task_id
        assert t.on_failure_callback, t.task_id


def test_backfill_form_accepts_a_sensible_request_and_rejects_bad_ones(dags):
    params = dags["dynamodb_to_snowflake_backfill"].params
    assert params.get_param("table").schema["enum"] == ["demo_orders", "weird.table-name"]
    ok = copy.deepcopy(params)
    ok.update({"table": "weird.table-name", "capacity_share": 0.5, "pods": 4, "snapshot": "20261124T101500Z"})
    ok.validate()
    for field, bad in [("capacity_share", 0), ("capacity_share", 1.5), ("total_segments", 0), ("pods", 0),
                       ("rcu_budget", -5), ("snapshot", "yesterday"), ("table", "not_configured"),
                       ("reset_checkpoint", "yes")]:
        p = copy.deepcopy(params)
        with pytest.raises(Exception) as e:
            p[field] = bad
            p.validate()
        assert field in str(e.value) or "Invalid input" in str(e.value) or "valid" in str(e.value), (field, e.value)
