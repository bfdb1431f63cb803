"""The real DAG in local mode against the local stack: DynamoDB Local, the S3 server and fakesnow.

Every task runs the ddb2sf jar as a process, as `airflow dags test` does on a laptop. Needs `scripts/stack up` and
its `.stack/env` (scripts/test provides both).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
import tempfile

import boto3
import pendulum
import pytest
import snowflake.connector
import yaml
from conftest import REPO, load_dags, write_config

STACK_CONFIG = REPO / ".stack" / "ddb2sf.yaml"

pytestmark = pytest.mark.skipif(
    "DDB2SF_DYNAMODB_ENDPOINT" not in os.environ and not os.environ.get("DDB2SF_REQUIRE_STACK"),
    reason="needs the local stack: scripts/stack up && source .stack/env (scripts/test does this)")


def _dynamodb():
    return boto3.client("dynamodb", endpoint_url=os.environ["DDB2SF_DYNAMODB_ENDPOINT"], region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


@pytest.fixture
def dynamodb():
    return _dynamodb()


@pytest.fixture
def snowflake_cursor():
    port = int(re.search(r"127\.0\.0\.1:(\d+)", os.environ["DDB2SF_SNOWFLAKE_URL"]).group(1))
    conn = snowflake.connector.connect(user="ddb2sf", password="local", account="fakesnow", host="127.0.0.1", port=port,
                                       protocol="http", database="ANALYTICS", schema="DYNAMODB", network_timeout=30)
    yield conn.cursor()
    conn.close()


@pytest.fixture(scope="module")
def synced():
    """A table with 25 items, synced by one run of its hourly DAG (in local mode) for the current hour."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        table = f"dag_orders_{uuid.uuid4().hex[:8]}"
        config = write_config(Path(tempfile.mkdtemp(prefix="ddb2sf-dag-")) / "ddb2sf.yaml", [table], base=STACK_CONFIG)
        hour = _whole_hour_ahead()
        ddb = _dynamodb()
        create_table(ddb, table)
        write_changes(ddb, table)
        dag = load_dags(monkeypatch, DDB2SF_CONFIG=config, DDB2SF_MODE="local")[f"ddb2sf_{table}"]
        run = dag.test(logical_date=hour + timedelta(hours=1))  # the window [hour, hour + 1h), see test_pod_spec
        yield SimpleNamespace(table=table, config=config, hour=hour, run=run)
        ddb.delete_table(TableName=table)


def test_dag_in_local_mode_migrates_syncs_the_table_and_a_cleared_merge_changes_nothing(
        monkeypatch, airflow_db, synced, dynamodb, snowflake_cursor):
    table, hour, run = synced.table, synced.hour, synced.run
    assert run.state == "success"
    tis = {ti.task_id: ti for ti in run.get_task_instances()}
    assert {t: ti.state for t, ti in tis.items()} == dict.fromkeys(
        ["migrate", "export_increment", "stage_validate", "copy_load", "merge_apply", "stream_watchdog", "prune_landing"],
        "success")
    prune = tis["prune_landing"].xcom_pull(task_ids="prune_landing")
    assert (prune["job"], prune["table"], prune["partitionsPruned"]) == ("prune", table, []), prune  # merged just now

    # migrate ran, for this table only, and finished before copy_load started.
    migrate = tis["migrate"].xcom_pull(task_ids="migrate")
    assert migrate["job"] == "migrate" and migrate["tables"] == [table], migrate
    assert tis["migrate"].end_date <= tis["copy_load"].start_date

    # The watchdog ran status on the table just synced: healthy, exit 0.
    status = tis["stream_watchdog"].xcom_pull(task_ids="stream_watchdog")
    assert (status["job"], status["exitCode"], status["maxCheckpointAgeHours"]) == ("status", 0, 12.0)
    [report] = status["tables"]
    assert (report["table"], report["health"], report["problems"]) == (table, "OK", [])
    assert report["checkpoint"]["windowEnd"] == (hour + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    source = scan(dynamodb, table)
    target = warehouse_rows(snowflake_cursor, table)
    assert len(source) == 25
    assert {k: (v["amount"], v["status"], v["customer"]) for k, v in target.items()} == source

    # A cleared merge_apply reruns with the same window, so the same partition: here the other steps are marked
    # done and only the merge runs again, as after clearing it in the UI.
    dag = load_dags(monkeypatch, DDB2SF_CONFIG=synced.config, DDB2SF_MODE="local")[f"ddb2sf_{table}"]
    first_merge = _merge(run)
    rerun = dag.test(logical_date=hour + timedelta(hours=1),
                     mark_success_pattern=r"^(migrate|export_increment|stage_validate|copy_load|stream_watchdog)$")
    assert rerun.state == "success"
    assert (rerun.data_interval_start, rerun.data_interval_end) == (run.data_interval_start, run.data_interval_end)
    assert _merge(rerun).start_date > first_merge.end_date  # it really ran again
    assert warehouse_rows(snowflake_cursor, table) == target


def test_the_watchdog_fails_when_the_table_s_checkpoint_is_old(monkeypatch, airflow_db, synced, capfd, caplog):
    table = synced.table
    # Age the table's checkpoint by 13 hours (older than the 12 h default), as if its exports had stopped then:
    # the same stream and positions, an older window end.
    stage = yaml.safe_load(STACK_CONFIG.read_text(encoding="utf-8"))["stage"]
    key = f"{stage['prefix']}/{table}/_checkpoint.json"
    s3 = boto3.client("s3", endpoint_url=os.environ["DDB2SF_S3_ENDPOINT"], region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
    checkpoint = json.loads(s3.get_object(Bucket=stage["bucket"], Key=key)["Body"].read())
    old = synced.hour - timedelta(hours=12)
    checkpoint["windowEnd"] = old.strftime("%Y-%m-%dT%H:%M:%SZ")
    s3.put_object(Bucket=stage["bucket"], Key=key, Body=json.dumps(checkpoint).encode())

    dag = load_dags(monkeypatch, DDB2SF_CONFIG=synced.config, DDB2SF_MODE="local")[f"ddb2sf_{table}"]
    watchdog = dag.get_task("stream_watchdog")
    assert watchdog.retries == 2
    watchdog.retries = 0  # its retries wait 10 minutes each; the failure they end in is the same
    capfd.readouterr()
    run = dag.test(logical_date=synced.hour + timedelta(hours=1),
                   mark_success_pattern=r"^(?!stream_watchdog$).*")  # only the watchdog runs
    out = "".join(capfd.readouterr())
    assert run.state == "failed"
    tis = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert tis.pop("stream_watchdog") == "failed" and set(tis.values()) == {"success"}
    # It failed because status found the table at risk (exit 3), and its log says how much time is left.
    assert re.search(rf"ddb2sf: DDB2SF-1010: {re.escape(table)}: checkpoint is 1[23]\.\d h old, 1[01]\.\d h left", out), out
    assert "ddb2sf status exited with 3 (DDB2SF-1010)" in out
    # The failure alert's line says what was found.
    assert re.search(rf"ddb2sf stream_watchdog failed for table {re.escape(table)}, window .*: ddb2sf status exited"
                     r" with 3 \(DDB2SF-1010\): the table is at risk", caplog.text), caplog.text


def _merge(run):
    [ti] = [ti for ti in run.get_task_instances() if ti.task_id == "merge_apply"]
    assert ti.state == "success"
    return ti


def _whole_hour_ahead() -> datetime:
    """The current UTC hour, after waiting out its last two minutes so that every change falls inside it."""
    now = datetime.now(timezone.utc)
    if now.minute >= 58:
        time.sleep(3600 - now.minute * 60 - now.second + 2)
        now = datetime.now(timezone.utc)
    return pendulum.instance(now.replace(minute=0, second=0, microsecond=0))


def create_table(dynamodb, table: str) -> None:
    dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def write_changes(dynamodb, table: str) -> None:
    """30 inserts, 10 updates, 5 deletes: 25 items remain."""
    for i in range(30):
        dynamodb.put_item(TableName=table, Item={
            "order_id": {"S": f"o-{i:03d}"}, "amount": {"N": f"{i}.{i % 100:02d}"}, "status": {"S": "NEW"},
            "customer": {"M": {"name": {"S": f"Customer {i}"}, "vip": {"BOOL": i % 2 == 0}}}})
    for i in range(0, 20, 2):
        dynamodb.update_item(TableName=table, Key={"order_id": {"S": f"o-{i:03d}"}},
                             UpdateExpression="SET #s = :s, amount = amount + :d",
                             ExpressionAttributeNames={"#s": "status"},
                             ExpressionAttributeValues={":s": {"S": "PAID"}, ":d": {"N": "100"}})
    for i in range(25, 30):
        dynamodb.delete_item(TableName=table, Key={"order_id": {"S": f"o-{i:03d}"}})


def scan(dynamodb, table: str) -> dict:
    items = {}
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for it in page["Items"]:
            items[it["order_id"]["S"]] = (Decimal(it["amount"]["N"]), it["status"]["S"], it["customer"]["M"]["name"]["S"])
    return items


def warehouse_rows(cur, table: str) -> dict:
    name = table.upper()
    cur.execute(f'SELECT "ORDER_ID", "AMOUNT", "STATUS", "_ITEM":customer.name::VARCHAR, "_VERSION_TS", "_VERSION_SEQ"'
                f' FROM "{name}" ORDER BY "ORDER_ID"')
    return {r[0]: {"amount": Decimal(str(r[1])), "status": r[2], "customer": r[3], "version": (str(r[4]), str(r[5]))}
            for r in cur.fetchall()}


def test_backfill_dag_in_local_mode_copies_the_whole_table(monkeypatch, tmp_path, airflow_db, dynamodb, snowflake_cursor):
    table = f"dag_backfill_{uuid.uuid4().hex[:8]}"
    config = write_config(tmp_path / "ddb2sf.yaml", [table], base=STACK_CONFIG)
    create_table(dynamodb, table)
    write_changes(dynamodb, table)

    dag = load_dags(monkeypatch, DDB2SF_CONFIG=config, DDB2SF_MODE="local")["dynamodb_to_snowflake_backfill"]
    run = dag.test(logical_date=None, run_conf={"table": table, "total_segments": 4, "pods": 2, "rcu_budget": 1000})
    assert run.state == "success"
    scans = [ti for ti in run.get_task_instances() if ti.task_id == "scan"]
    assert sorted(ti.map_index for ti in scans) == [0, 1]
    tis = {ti.task_id: ti for ti in run.get_task_instances() if ti.task_id != "scan"}
    assert tis["migrate"].xcom_pull(task_ids="migrate")["tables"] == [table]
    assert tis["migrate"].end_date <= tis["copy_load"].start_date

    target = warehouse_rows(snowflake_cursor, table)
    assert {k: (v["amount"], v["status"], v["customer"]) for k, v in target.items()} == scan(dynamodb, table)


def test_a_job_that_exits_2_fails_at_once_without_retries(monkeypatch, tmp_path, airflow_db, dynamodb):
    # An on-demand table has no provisioned capacity to take a share of: the backfill exits 2 (bad usage), which
    # no retry can fix, so the task must fail now rather than retry for an hour.
    table = f"dag_ondemand_{uuid.uuid4().hex[:8]}"
    config = write_config(tmp_path / "ddb2sf.yaml", [table], base=STACK_CONFIG)
    create_table(dynamodb, table)

    dag = load_dags(monkeypatch, DDB2SF_CONFIG=config, DDB2SF_MODE="local")["dynamodb_to_snowflake_backfill"]
    run = dag.test(logical_date=None, run_conf={"table": table, "total_segments": 2, "pods": 1})
    assert run.state == "failed"
    [scan] = [ti for ti in run.get_task_instances() if ti.task_id == "scan"]
    assert scan.state == "failed" and scan.try_number == 1


def _jar_has_verify() -> bool:
    """Whether the jar the DAG runs has the verify command (an unknown command's --help prints the main usage)."""
    from ddb2sf_airflow.settings import Settings

    settings = Settings.from_env()
    proc = subprocess.run([settings.java, "-jar", str(settings.jar), "verify", "--help"], capture_output=True,
                          text=True, timeout=120)
    return proc.returncode == 0 and proc.stdout.startswith("Usage: ddb2sf verify")


def test_verify_dag_in_local_mode_finds_no_drift_then_fails_on_a_tampered_row(
        monkeypatch, airflow_db, synced, snowflake_cursor, capfd, caplog):
    if not _jar_has_verify():
        pytest.skip("the jar has no verify command yet (java -jar jobs/target/ddb2sf.jar verify --help prints the main"
                    " usage): build it from a tree with ddb2sf verify")
    table = synced.table
    dag = load_dags(monkeypatch, DDB2SF_CONFIG=synced.config, DDB2SF_MODE="local")["dynamodb_to_snowflake_verify"]
    conf = {"table": table, "total_segments": 4, "sample_segments": 4, "rcu_budget": 1000}  # the whole table

    run = dag.test(logical_date=None, run_conf=conf)
    assert run.state == "success"
    [ti] = [ti for ti in run.get_task_instances() if ti.task_id == "verify"]
    assert ti.state == "success"
    assert isinstance(ti.xcom_pull(task_ids="verify", map_indexes=0), dict)  # the JSON summary

    # One amount changed in Snowflake behind the pipeline's back: drift, which fails the task at once.
    snowflake_cursor.execute(f'UPDATE "{table.upper()}" SET "AMOUNT" = "AMOUNT" + 1 WHERE "ORDER_ID" = %s', ("o-001",))
    capfd.readouterr()
    run = dag.test(logical_date=None, run_conf=conf)
    out = "".join(capfd.readouterr())
    assert run.state == "failed"
    [ti] = [ti for ti in run.get_task_instances() if ti.task_id == "verify"]
    assert (ti.state, ti.try_number) == ("failed", 1)  # no retries: reading the sample again finds the same drift
    assert "ddb2sf verify exited with 5 (DDB2SF-2020)" in out
    assert re.search(r"summary: \{.*o-001", out), out  # the summary names the key
    assert f"ddb2sf verify failed for table {table}" in caplog.text
