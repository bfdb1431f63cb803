"""The DAG file as the scheduler sees it: imports cleanly, chains the jobs in order, and protects the source."""

from __future__ import annotations

import copy
import warnings
from datetime import timedelta

import pendulum
import pytest
from conftest import DAGS, load_dags, write_config

HOURLY_STEPS = ["export_increment", "stage_validate", "copy_load", "merge_apply"]
BACKFILL_STEPS = ["scan", "stage_validate", "copy_load", "merge_apply"]
ALL_DAGS = {"dynamodb_to_snowflake_backfill", "dynamodb_to_snowflake_verify"}


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
    assert set(dags) == {"ddb2sf_demo_orders", *ALL_DAGS}


def test_imports_when_the_config_is_not_on_the_scheduler(monkeypatch, tmp_path):
    # In Kubernetes mode the config may live only in the pods' ConfigMap: the DAG must still parse.
    dags = load_dags(monkeypatch, DDB2SF_CONFIG=tmp_path / "absent.yaml")
    assert set(dags) == ALL_DAGS  # no table, no hourly DAG
    table = dags["dynamodb_to_snowflake_backfill"].params.get_param("table")
    assert "enum" not in table.schema
    assert "enum" not in dags["dynamodb_to_snowflake_verify"].params.get_param("table").schema


def test_every_table_has_its_own_hourly_dag_running_the_four_jobs_in_order_migrating_before_the_load(dags):
    assert set(dags) == {"ddb2sf_demo_orders", "ddb2sf_weird.table-name", *ALL_DAGS}
    for table in ["demo_orders", "weird.table-name"]:
        dag = dags[f"ddb2sf_{table}"]
        assert sorted(dag.task_ids) == sorted([*HOURLY_STEPS, "migrate", "stream_watchdog", "prune_landing"])
        assert dag.get_task("export_increment").upstream_task_ids == set()
        for before, after in zip(HOURLY_STEPS, HOURLY_STEPS[1:]):
            assert after in dag.get_task(before).downstream_task_ids
        assert dag.get_task("merge_apply").downstream_task_ids == {"prune_landing"}
        assert dag.get_task("prune_landing").arguments == ["prune", "--table", table]
        assert dag.get_task("prune_landing").downstream_task_ids == set()
        assert dag.get_task("export_increment").arguments[:3] == ["export-increment", "--table", table]
        # migrate runs beside the export (a Snowflake outage must not stop the stream checkpoint) and before the load.
        migrate = dag.get_task("migrate")
        assert migrate.arguments == ["migrate", "--table", table]
        assert migrate.upstream_task_ids == set()
        assert dag.get_task("copy_load").upstream_task_ids == {"stage_validate", "migrate"}


def test_the_watchdog_runs_every_hour_whatever_the_sync_did_and_never_holds_it_up(dags):
    dag = dags["ddb2sf_demo_orders"]
    watchdog = dag.get_task("stream_watchdog")
    assert watchdog.arguments == ["status", "--table", "demo_orders", "--json",
                                  "--max-checkpoint-age", "12h", "--max-unmerged-age", "3h"]
    # Not downstream of the export: a failed export, or one waiting for a failed earlier hour (depends_on_past,
    # no state), must not keep it from running. Only after migrate, whatever migrate did.
    assert watchdog.upstream_task_ids == {"migrate"}
    assert watchdog.trigger_rule == "all_done"
    assert not watchdog.depends_on_past
    # Nothing waits for it: the sync never depends on the watchdog.
    assert watchdog.downstream_task_ids == set()
    # Its findings fail the task with what they mean, after 20 minutes of retries for a catching-up export.
    assert set(watchdog.exit_messages) == {3, 4} and watchdog.final_exits == {}
    assert "DDB2SF-1010" in watchdog.exit_messages[3] and "DDB2SF-2010" in watchdog.exit_messages[4]
    assert (watchdog.retries, watchdog.retry_delay, watchdog.retry_exponential_backoff) == (
        2, timedelta(minutes=10), False)
    assert watchdog.on_failure_callback


def test_the_watchdog_thresholds_come_from_the_environment(monkeypatch, tmp_path):
    dags = load_dags(monkeypatch, DDB2SF_CONFIG=write_config(tmp_path / "c.yaml", ["demo_orders"]),
                     DDB2SF_MAX_CHECKPOINT_AGE="6h", DDB2SF_MAX_UNMERGED_AGE="90m")
    args = dags["ddb2sf_demo_orders"].get_task("stream_watchdog").arguments
    assert args[-4:] == ["--max-checkpoint-age", "6h", "--max-unmerged-age", "90m"]


def test_a_table_name_too_long_for_a_dag_id_still_gets_a_unique_one():
    from ddb2sf_airflow.plan import hourly_dag_id

    a, b = hourly_dag_id("t" * 254 + "a"), hourly_dag_id("t" * 254 + "b")
    assert a != b and len(a) == len(b) == 250 and a.startswith("ddb2sf_ttt")
    assert hourly_dag_id("orders") == "ddb2sf_orders"


def test_backfill_chain_scans_then_loads_the_snapshot(dags):
    dag = dags["dynamodb_to_snowflake_backfill"]
    assert dag.get_task("plan").downstream_task_ids == {"scan"}
    for before, after in zip(BACKFILL_STEPS, BACKFILL_STEPS[1:]):
        assert after in dag.get_task(before).downstream_task_ids
    assert dag.get_task("migrate").arguments == ["migrate", "--table", "{{ params.table }}"]
    assert dag.get_task("migrate").upstream_task_ids == set()
    assert dag.get_task("copy_load").upstream_task_ids == {"stage_validate", "migrate"}


def test_verify_dag_runs_daily_one_mapped_verify_per_table(dags):
    dag = dags["dynamodb_to_snowflake_verify"]
    assert dag.catchup is False and dag.max_active_runs == 1
    assert dag.get_task("plan").downstream_task_ids == {"verify"}
    from airflow.serialization.encoders import coerce_to_core_timetable

    timetable = coerce_to_core_timetable(dag.timetable)
    after = pendulum.datetime(2026, 11, 24, 12, tz="UTC")
    runs = []
    for _ in range(2):
        info = timetable.next_dagrun_info_v2(last_dagrun_info=None, restriction=_Restriction(after))
        runs.append(info.run_after)
        after = info.run_after + timedelta(seconds=1)
    assert runs[1] - runs[0] == timedelta(days=1)
    verify = dag.get_task("verify")
    # Reads the source like a backfill scan: the backfill pool, never an export slot.
    assert verify.pool == "ddb2sf_backfill"
    # Drift fails at once: reading the same sample again finds the same drift.
    assert set(verify.partial_kwargs["final_exits"]) == {5}
    assert "DDB2SF-2020" in verify.partial_kwargs["final_exits"][5]
    assert verify.partial_kwargs["on_failure_callback"]


class _Restriction:
    """What the scheduler passes to a timetable: the earliest next run, no latest, no catchup."""

    def __init__(self, earliest):
        self.earliest, self.latest, self.catchup = earliest, None, False


def test_verify_form_defaults_to_every_table_and_a_1_percent_sample(dags):
    from ddb2sf_airflow.plan import verify_runs

    params = dags["dynamodb_to_snowflake_verify"].params
    defaults = {k: params[k] for k in ["table", "total_segments", "sample_segments", "rcu_budget"]}
    assert defaults == {"table": None, "total_segments": 100, "sample_segments": 1, "rcu_budget": 50}
    runs = verify_runs(defaults, ["demo_orders", "weird.table-name"])
    assert [r["arguments"] for r in runs] == [
        ["verify", "--table", t, "--total-segments", "100", "--sample-segments", "1", "--rcu-budget", "50"]
        for t in ["demo_orders", "weird.table-name"]]
    one = verify_runs({**defaults, "table": "weird.table-name", "sample_segments": 100}, ["demo_orders"])
    assert [r["arguments"][:3] for r in one] == [["verify", "--table", "weird.table-name"]]
    assert one[0]["labels"]["ddb2sf.io/table"] == "weird.table-name"
    with pytest.raises(ValueError, match=r"^sample_segments \(101\) must be at most total_segments \(100\)$"):
        verify_runs({**defaults, "sample_segments": 101}, ["demo_orders"])
    with pytest.raises(ValueError, match="no table to verify"):
        verify_runs(defaults, [])


def test_verify_form_rejects_bad_values(dags):
    from airflow.sdk.exceptions import ParamValidationError

    params = dags["dynamodb_to_snowflake_verify"].params
    ok = copy.deepcopy(params)
    ok.update({"table": "weird.table-name", "total_segments": 10, "sample_segments": 10, "rcu_budget": 5})
    ok.validate()
    for field, bad, rule in [("table", "not_configured", "enum"), ("total_segments", 0, "minimum"),
                             ("sample_segments", 0, "minimum"), ("rcu_budget", 0, "exclusiveMinimum"),
                             ("rcu_budget", None, "type")]:
        p = copy.deepcopy(params)
        with pytest.raises(ParamValidationError,
                           match=rf"(?s)^Invalid input for param {field}: .*Failed validating '{rule}'"):
            p[field] = bad
            p.validate()


def test_every_dag_is_tagged_and_documented(dags):
    for dag in dags.values():
        assert dag.tags == {"ddb2sf"}
        assert "ddb2sf" in dag.doc_md
        assert dag.default_args["owner"] == "data-platform" and dag.default_args["retries"] == 3


def test_hourly_schedule_has_one_hour_windows_and_catches_up(dags):
    dag = dags["ddb2sf_demo_orders"]
    assert dag.catchup is True
    # A cleared failed hour must find a free run slot although the later hours' runs wait for it, for as long as the
    # stream keeps its records (24 h).
    assert dag.max_active_runs == 24
    # A timed-out run would have its unfinished export set to skipped, which depends_on_past counts as done.
    assert dag.dagrun_timeout is None
    start = pendulum.datetime(2026, 11, 24, 10, tz="UTC")
    from airflow.serialization.encoders import coerce_to_core_timetable

    # A run triggered at 11:05 syncs the last whole hour, 10:00 to 11:00.
    interval = coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(run_after=start + timedelta(minutes=65))
    assert (interval.start, interval.end) == (start, start + timedelta(hours=1))


def test_hourly_exports_have_their_own_pool_that_backfill_scans_cannot_take(dags, monkeypatch, tmp_path):
    hourly = [dags["ddb2sf_demo_orders"], dags["ddb2sf_weird.table-name"]]
    backfill = dags["dynamodb_to_snowflake_backfill"]
    assert {d.get_task("export_increment").pool for d in hourly} == {"ddb2sf_export"}
    assert backfill.get_task("scan").pool == "ddb2sf_backfill"
    # Nothing else may take an export slot.
    verify = dags["dynamodb_to_snowflake_verify"]
    others = [t for d in [*hourly, backfill, verify] for t in d.tasks if t.task_id != "export_increment"]
    assert {t.task_id for t in others} >= {"migrate", "stream_watchdog", "verify"}
    assert all(t.pool != "ddb2sf_export" for t in others)
    # Both names can be set to pools that already exist.
    renamed = load_dags(monkeypatch, DDB2SF_CONFIG=write_config(tmp_path / "c.yaml", ["demo_orders"]),
                        DDB2SF_EXPORT_POOL="sync_exports", DDB2SF_BACKFILL_POOL="big_scans")
    assert renamed["ddb2sf_demo_orders"].get_task("export_increment").pool == "sync_exports"
    assert renamed["dynamodb_to_snowflake_backfill"].get_task("scan").pool == "big_scans"
    assert renamed["dynamodb_to_snowflake_verify"].get_task("verify").pool == "big_scans"  # follows the scans
    apart = load_dags(monkeypatch, DDB2SF_CONFIG=write_config(tmp_path / "c.yaml", ["demo_orders"]),
                      DDB2SF_VERIFY_POOL="checks")
    assert apart["dynamodb_to_snowflake_verify"].get_task("verify").pool == "checks"


def test_every_job_retries_with_backoff_and_a_timeout(dags):
    hourly, backfill = dags["ddb2sf_demo_orders"], dags["dynamodb_to_snowflake_backfill"]
    assert hourly.get_task("export_increment").depends_on_past is True
    jobs = ([hourly.get_task(t) for t in [*HOURLY_STEPS, "migrate"]]
            + [backfill.get_task(t) for t in [*BACKFILL_STEPS, "migrate"]])
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
    assert params.get_param("source").value == "scan"
    ok.update({"source": "export"})
    ok.validate()
    from airflow.sdk.exceptions import ParamValidationError

    # Each bad value must be refused by the field it was put in, for the rule that field declares.
    for field, bad, rule in [("capacity_share", 0, "minimum"), ("capacity_share", 1.5, "maximum"),
                             ("total_segments", 0, "minimum"), ("pods", 0, "minimum"),
                             ("rcu_budget", -5, "exclusiveMinimum"), ("snapshot", "yesterday", "pattern"),
                             ("table", "not_configured", "enum"), ("reset_checkpoint", "yes", "type"),
                             ("source", "dump", "enum")]:
        p = copy.deepcopy(params)
        with pytest.raises(ParamValidationError,
                           match=rf"(?s)^Invalid input for param {field}: .*Failed validating '{rule}'") as e:
            p[field] = bad
            p.validate()
        assert repr(bad) in str(e.value) or str(bad) in str(e.value), (field, e.value)
