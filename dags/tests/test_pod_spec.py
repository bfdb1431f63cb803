"""The pods each KubernetesPodOperator would submit, rendered by a real DAG run with no cluster behind it.

dag.test() runs the scheduler's dependency loop, the mapping and the templating for real; only the pod launch is
replaced by a capture of the pod that would have been created.
"""

from __future__ import annotations

import pendulum
import pytest
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from conftest import load_dags, write_config

# dag.test() infers a manual run's window as the last whole hour before the logical date: 10:00 to 11:00.
LOGICAL = pendulum.datetime(2026, 11, 24, 11, tz="UTC")


@pytest.fixture
def pods(monkeypatch, airflow_db):
    captured: dict[tuple[str, str], object] = {}

    def capture(self, context):
        pod = self.build_pod_request_obj(context, dry_run=True)
        key = (self.task_id, pod.spec.containers[0].args[2])  # the task and its table
        if self.task_id == "scan":
            key = (self.task_id, pod.spec.containers[0].args[8])  # one scan per segment group
        captured[key] = pod

    monkeypatch.setattr(KubernetesPodOperator, "execute", capture)
    return captured


def test_hourly_pods_run_the_image_with_the_window_secrets_and_limits(monkeypatch, tmp_path, pods):
    config = write_config(tmp_path / "ddb2sf.yaml", ["demo_orders", "weird.table-name"])
    dags = load_dags(monkeypatch, DDB2SF_CONFIG=config, DDB2SF_MODE="kubernetes",
                     DDB2SF_IMAGE="registry.example/ddb2sf:1.2.3")
    for table in ["demo_orders", "weird.table-name"]:
        assert dags[f"ddb2sf_{table}"].test(logical_date=LOGICAL).state == "success"
    assert len(pods) == 14  # four jobs, migrate, the watchdog and prune for each of the two tables

    pod = pods[("export_increment", "weird.table-name")]
    c = pod.spec.containers[0]
    assert c.image == "registry.example/ddb2sf:1.2.3"
    assert not c.command  # the image's entrypoint: java with the flags the Snowflake driver needs
    assert c.args == ["export-increment", "--table", "weird.table-name",
                      "--start", "2026-11-24T10:00:00+00:00", "--end", "2026-11-24T11:00:00+00:00"]
    env = {e.name: e for e in c.env}
    assert env["DDB2SF_CONFIG"].value == "/etc/ddb2sf/ddb2sf.yaml"
    assert env["DDB2SF_SNOWFLAKE_PRIVATE_KEY_FILE"].value == "/var/run/secrets/ddb2sf/rsa_key.p8"
    passphrase = env["DDB2SF_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"].value_from.secret_key_ref
    assert (passphrase.name, passphrase.key) == ("ddb2sf-snowflake", "passphrase")
    assert {m.mount_path for m in c.volume_mounts} == {"/etc/ddb2sf", "/var/run/secrets/ddb2sf"}
    volumes = {v.name: v for v in pod.spec.volumes}
    assert any(v.secret and v.secret.secret_name == "ddb2sf-snowflake" for v in volumes.values())
    assert volumes["ddb2sf-config"].config_map.name == "ddb2sf-config"
    assert c.resources.requests == {"cpu": "1", "memory": "1Gi"} and c.resources.limits == {"memory": "1Gi"}
    assert c.security_context.run_as_non_root is True
    assert pod.spec.service_account_name == "ddb2sf"
    assert pod.metadata.namespace == "ddb2sf"
    labels = pod.metadata.labels
    assert labels["ddb2sf.io/table"] == "weird.table-name"
    assert labels["ddb2sf.io/window"] == "20261124T100000"
    assert labels["ddb2sf.io/step"] == "export-increment"

    merge = pods[("merge_apply", "demo_orders")].spec.containers[0]
    assert merge.args[:3] == ["merge-apply", "--table", "demo_orders"]
    assert merge.resources.limits == {"memory": "512Mi"}

    migrate = pods[("migrate", "weird.table-name")]
    assert migrate.spec.containers[0].args == ["migrate", "--table", "weird.table-name"]
    assert migrate.metadata.labels["ddb2sf.io/step"] == "migrate"
    watchdog = pods[("stream_watchdog", "weird.table-name")]
    assert watchdog.spec.containers[0].args == ["status", "--table", "weird.table-name", "--json",
                                                "--max-checkpoint-age", "12h", "--max-unmerged-age", "3h"]
    assert watchdog.metadata.labels["ddb2sf.io/step"] == "status"
    assert watchdog.spec.containers[0].resources.limits == {"memory": "512Mi"}
    # Same secrets and config as every job: status reads the stage and the ledger.
    assert {m.mount_path for m in watchdog.spec.containers[0].volume_mounts} == {"/etc/ddb2sf", "/var/run/secrets/ddb2sf"}


def test_backfill_form_becomes_one_scan_pod_per_segment_group_then_the_snapshot_loads(monkeypatch, tmp_path, pods):
    config = write_config(tmp_path / "ddb2sf.yaml", ["demo_orders"])
    dag = load_dags(monkeypatch, DDB2SF_CONFIG=config, DDB2SF_MODE="kubernetes")["dynamodb_to_snowflake_backfill"]
    run = dag.test(logical_date=LOGICAL, run_conf={"table": "demo_orders", "total_segments": 8, "pods": 3,
                                                    "rcu_budget": 300, "snapshot": "20261124T101500Z"})
    assert run.state == "success"
    scans = sorted(p.spec.containers[0].args for (task, _), p in pods.items() if task == "scan")
    assert scans == [
        ["backfill", "--table", "demo_orders", "--backfill", "20261124T101500Z", "--total-segments", "8",
         "--segment", segments, "--rcu-budget", "100"] for segments in ["0,3,6", "1,4,7", "2,5"]]
    assert len(pods) == 7
    for step in ["stage-validate", "copy-load", "merge-apply"]:
        args = pods[(step.replace("-", "_"), "demo_orders")].spec.containers[0].args
        assert args == [step, "--table", "demo_orders", "--backfill", "20261124T101500Z"]
    assert pods[("migrate", "demo_orders")].spec.containers[0].args == ["migrate", "--table", "demo_orders"]


def test_verify_runs_every_table_on_schedule_and_the_form_s_table_when_triggered(monkeypatch, tmp_path, pods):
    config = write_config(tmp_path / "ddb2sf.yaml", ["demo_orders", "weird.table-name"])
    dag = load_dags(monkeypatch, DDB2SF_CONFIG=config, DDB2SF_MODE="kubernetes")["dynamodb_to_snowflake_verify"]
    # The daily run's params are the defaults: every table, 1 of 100 segments.
    assert dag.test(logical_date=LOGICAL).state == "success"
    assert sorted(pods) == [("verify", "demo_orders"), ("verify", "weird.table-name")]
    pod = pods[("verify", "weird.table-name")]
    c = pod.spec.containers[0]
    assert c.args == ["verify", "--table", "weird.table-name", "--total-segments", "100", "--sample-segments", "1",
                      "--rcu-budget", "50"]
    assert c.resources.limits == {"memory": "1Gi"}
    assert {m.mount_path for m in c.volume_mounts} == {"/etc/ddb2sf", "/var/run/secrets/ddb2sf"}
    assert pod.metadata.labels["ddb2sf.io/step"] == "verify"
    assert pod.metadata.labels["ddb2sf.io/table"] == "weird.table-name"

    pods.clear()
    run = dag.test(logical_date=None, run_conf={"table": "demo_orders", "total_segments": 16, "sample_segments": 16,
                                                "rcu_budget": 200})
    assert run.state == "success"
    assert [p.spec.containers[0].args for p in pods.values()] == [
        ["verify", "--table", "demo_orders", "--total-segments", "16", "--sample-segments", "16", "--rcu-budget", "200"]]
