"""The planning functions and the failure message, on their own."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pendulum
import pytest
from conftest import write_config
from ddb2sf_airflow.jobs import failure_message
from ddb2sf_airflow.plan import (backfill_id, backfill_scans, configured_tables, k8s_label, segment_groups,
                                 snapshot_id)
from ddb2sf_airflow.settings import Settings


def test_segments_are_dealt_fairly_and_never_to_an_idle_pod():
    assert segment_groups(8, 3) == [[0, 3, 6], [1, 4, 7], [2, 5]]
    assert segment_groups(2, 5) == [[0], [1]]
    assert sorted(s for g in segment_groups(1000, 7) for s in g) == list(range(1000))


def test_the_read_budget_is_split_between_pods():
    scans = backfill_scans({"table": "orders", "total_segments": 4, "pods": 4, "capacity_share": 0.5,
                            "rcu_budget": None, "reset_checkpoint": True}, "20261124T101500Z")
    assert [s["arguments"][-3:] for s in scans] == [["--capacity-share", "0.125", "--reset-checkpoint"]] * 4


def test_an_export_backfill_deals_the_export_over_the_pods_without_a_read_budget():
    scans = backfill_scans({"table": "orders", "source": "export", "total_segments": 8, "pods": 3,
                            "capacity_share": 0.5, "rcu_budget": 100, "reset_checkpoint": True}, "20261124T100000Z")
    assert [s["arguments"] for s in scans] == [
        ["backfill", "--table", "orders", "--backfill", "20261124T100000Z", "--total-segments", "3", "--segment", str(i),
         "--source", "export", "--reset-checkpoint"] for i in range(3)]
    scan = backfill_scans({"table": "orders", "source": "scan", "total_segments": 2, "pods": 1, "capacity_share": 0.5,
                           "rcu_budget": None, "reset_checkpoint": False}, "20261124T100000Z")
    assert "--source" not in scan[0]["arguments"]


def test_a_new_export_backfill_is_as_of_a_time_point_in_time_recovery_already_covers():
    triggered = pendulum.datetime(2026, 11, 24, 10, 15, 0, tz="UTC")
    assert backfill_id({"source": "scan"}, triggered) == "20261124T101500Z"
    assert backfill_id({}, triggered) == "20261124T101500Z"
    assert backfill_id({"source": "export"}, triggered) == "20261124T100000Z"


def test_snapshot_id_is_the_utc_start_in_the_jobs_format():
    assert snapshot_id(pendulum.datetime(2026, 11, 24, 11, 15, 0, tz="Europe/Paris")) == "20261124T101500Z"


def test_labels_are_valid_kubernetes_label_values():
    assert k8s_label("orders") == "orders"
    assert k8s_label("Orders 2024/EU") == "Orders_2024_EU"
    assert len(k8s_label("t" * 255)) == 63
    assert k8s_label("---") == "unnamed"


def test_a_config_without_tables_names_the_file_and_the_fix(tmp_path):
    bad = tmp_path / "ddb2sf.yaml"
    bad.write_text("aws: {region: us-east-1}\n")
    with pytest.raises(ValueError, match=r"ddb2sf.yaml lists no tables.*add them under tables:"):
        configured_tables(bad)
    with pytest.raises(ValueError, match="set DDB2SF_CONFIG"):
        configured_tables(tmp_path / "missing.yaml")
    bad.write_text("tables: [unclosed\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        configured_tables(bad)
    assert configured_tables(write_config(bad, ["a_table", "b.table"])) == ["a_table", "b.table"]


def test_mode_must_be_kubernetes_or_local():
    assert Settings.from_env({}).mode == "kubernetes"
    with pytest.raises(ValueError, match="set it to kubernetes or local"):
        Settings.from_env({"DDB2SF_MODE": "docker"})


def test_failure_message_names_the_table_the_window_and_the_rerun():
    ti = SimpleNamespace(task_id="copy_load", run_id="scheduled__2026-11-24T10:00:00+00:00", try_number=4)
    task = SimpleNamespace(arguments=["copy-load", "--table", "orders", "--start", "x", "--end", "y"])
    message = failure_message({"ti": ti, "task": task,
                               "data_interval_start": pendulum.datetime(2026, 11, 24, 10, tz="UTC"),
                               "data_interval_end": pendulum.datetime(2026, 11, 24, 11, tz="UTC")})
    assert message.startswith("ddb2sf copy_load failed for table orders, "
                              "window [2026-11-24T10:00:00+00:00, 2026-11-24T11:00:00+00:00) (run scheduled__")
    assert "clear the failed task to rerun it" in message
    backfill = SimpleNamespace(arguments=["merge-apply", "--table", "orders", "--backfill", "20261124T101500Z"])
    assert "backfill 20261124T101500Z" in failure_message({"ti": ti, "task": backfill})


def test_failure_message_of_a_finding_says_what_was_found():
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
    from ddb2sf_airflow.jobs import VERIFY_FAILURES, WATCHDOG_FAILURES

    ti = SimpleNamespace(task_id="stream_watchdog", run_id="scheduled__2026-11-24T10:00:00+00:00", try_number=3)
    task = SimpleNamespace(arguments=["status", "--table", "orders", "--json"])
    context = {"ti": ti, "task": task, "exception": AirflowException(WATCHDOG_FAILURES[3])}
    message = failure_message(context)
    assert message.startswith("ddb2sf stream_watchdog failed for table orders, window [?, ?) (run scheduled__")
    assert message.endswith(": " + WATCHDOG_FAILURES[3]) and "clear the failed task" not in message
    drift = failure_message({**context, "exception": AirflowFailException(VERIFY_FAILURES[5])})
    assert drift.endswith(": ddb2sf verify exited with 5 (DDB2SF-2020): the analytics table differs from the source;"
                          " the JSON summary in the log names the first keys of each kind (missing, extra, different)")
    other = failure_message({**context, "exception": AirflowException("ddb2sf exited with 1; see the ...")})
    assert other.endswith("clear the failed task to rerun it; reruns are safe")


def _finished_pod(exit_code: int):
    from kubernetes.client import models as k8s

    return k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name="copy-load-abc", namespace="ddb2sf"),
        status=k8s.V1PodStatus(phase="Failed", container_statuses=[k8s.V1ContainerStatus(
            name="base", image="ddb2sf", image_id="", ready=False, restart_count=0,
            state=k8s.V1ContainerState(terminated=k8s.V1ContainerStateTerminated(exit_code=exit_code)))]))


@pytest.mark.parametrize("exit_code, retried, message", [
    (2, False, "ddb2sf exited with 2"), (1, True, None),
    (5, False, "ddb2sf verify exited with 5 (DDB2SF-2020)"),  # drift: one of final_exits
    (3, True, "ddb2sf status exited with 3 (DDB2SF-1010)"),  # at risk: one of exit_messages, retried
    (4, True, "ddb2sf status exited with 4 (DDB2SF-2010)")])
def test_a_pod_that_exits_2_or_with_a_final_finding_fails_without_retries_and_others_retry(
        monkeypatch, exit_code, retried, message):
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
    from ddb2sf_airflow.jobs import VERIFY_FAILURES, WATCHDOG_FAILURES, JobPodOperator

    op = JobPodOperator(task_id="copy_load", image="ddb2sf", namespace="ddb2sf", arguments=["copy-load"],
                        on_finish_action="keep_pod", exit_messages=WATCHDOG_FAILURES, final_exits=VERIFY_FAILURES)
    # What cleanup asks the cluster for; there is none here, only the finished pod. Each patch must replace an
    # existing method (monkeypatch's default raising=True): after a rename in the provider, this test fails instead
    # of silently calling the renamed method against a cluster that is not there.
    monkeypatch.setattr(JobPodOperator, "_read_pod_container_states", lambda *a, **k: None)
    monkeypatch.setattr(JobPodOperator, "_read_pod_events", lambda *a, **k: None)
    monkeypatch.setattr(JobPodOperator, "process_pod_deletion", lambda *a, **k: None)
    monkeypatch.setattr(JobPodOperator, "patch_already_checked", lambda *a, **k: None)
    monkeypatch.setattr(JobPodOperator, "is_istio_enabled", lambda *a, **k: False)  # no cluster to ask
    pod = _finished_pod(exit_code)
    with pytest.raises(AirflowException) as e:
        op.cleanup(pod, pod)
    assert isinstance(e.value, AirflowFailException) is not retried
    if message is not None:
        assert str(e.value).startswith(message), e.value
    else:
        assert str(e.value).startswith("Pod copy-load-abc")  # the provider's own message


@pytest.mark.parametrize("job, task, exit_code, tries", [("verify", "verify", 5, 1),
                                                          ("status", "stream_watchdog", 3, 3)])
def test_a_local_job_s_finding_fails_its_task_with_what_it_means(monkeypatch, tmp_path, airflow_db, caplog,
                                                                job, task, exit_code, tries):
    # The local operator maps exit codes as the pod operator does: drift fails at once, at-risk after retries.
    from conftest import load_dags
    from ddb2sf_airflow.jobs import VERIFY_FAILURES, WATCHDOG_FAILURES

    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / f"{job}.exit").write_text(str(exit_code))
    dags = load_dags(monkeypatch, DDB2SF_CONFIG=write_config(tmp_path / "c.yaml", ["orders"]), DDB2SF_MODE="local",
                     DDB2SF_JAVA=Path(__file__).with_name("fake_java"), DDB2SF_FAKE_DIR=fake)
    dag = dags["dynamodb_to_snowflake_verify" if job == "verify" else "ddb2sf_orders"]
    # Retries are real (a retried drift would show as more tries), their wait is not needed here.
    dag.get_task(task).retry_delay = timedelta(0)
    dag.get_task(task).retry_exponential_backoff = False
    if job == "verify":
        run = dag.test(logical_date=None)
    else:
        run = dag.test(logical_date=pendulum.datetime(2026, 11, 24, 11, tz="UTC"),
                       mark_success_pattern=rf"^(?!{task}$).*")
    assert run.state == "failed"
    [ti] = [ti for ti in run.get_task_instances() if ti.task_id == task]
    assert (ti.state, ti.try_number) == ("failed", tries)
    message = {**VERIFY_FAILURES, **WATCHDOG_FAILURES}[exit_code]
    assert f"ddb2sf {task} failed for table orders, " in caplog.text and caplog.text.count(message) >= 1
