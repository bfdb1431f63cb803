"""
### ddb2sf: DynamoDB to Snowflake

`ddb2sf_<table>`, one DAG per table of the ddb2sf config, runs every hour:
`export_increment >> stage_validate >> copy_load >> merge_apply >> prune_landing` for the hour that just ended, with `migrate`
(new `sql/` migrations and the table's Snowflake tables) before `copy_load`, and `stream_watchdog`
(`ddb2sf status`) beside the chain: it fails, and so alerts, when the table is at risk (its stream checkpoint is
old: changes may be trimmed from the stream before they are exported) or late (hours exported but not merged).

- One DAG per table, so that a table's failure never delays another: each table has its own runs, its own
  `depends_on_past` chain (hour h+1's export waits for hour h's export of the same table only) and its own
  catch-up.
- A failed hour: fix the cause, then **clear** the failed task (with "downstream") in the grid. The table's later
  hours wait for it, then catch up in hour order. Every job is idempotent per partition, so a rerun gives the same
  warehouse state as a clean run.
- Hours that were missed or must be redone: the table DAG's **Backfill** (Trigger ▸ Backfill, with a start and an
  end), which reruns those hours.

**dynamodb_to_snowflake_backfill** (trigger it with the form) scans a whole table within a read budget, on several
pods, then loads and merges that snapshot. Use it for a new table, and after a stream gap (with "reset checkpoint").
Its scans have their own pool, so a big backfill never holds up the hourly exports. With source "export" it converts
a DynamoDB export of the table instead (point-in-time recovery must be on): no read capacity, no read budget; the
export's files are spread over the pods.

**dynamodb_to_snowflake_verify** compares, every day, a sample of each table's items with their analytics rows
(`ddb2sf verify`); its task fails on drift. Trigger it with the form to verify one table, or more of it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, CronTriggerTimetable, Param, dag, task

from ddb2sf_airflow.jobs import DEFAULT_ARGS, VERIFY_FAILURES, WATCHDOG_FAILURES, job
from ddb2sf_airflow.plan import (backfill_id, backfill_scans, configured_tables, hourly_dag_id, k8s_label,
                                 verify_runs)
from ddb2sf_airflow.settings import Settings

BACKFILL_DAG_ID = "dynamodb_to_snowflake_backfill"
VERIFY_DAG_ID = "dynamodb_to_snowflake_verify"
MAX_ACTIVE_RUNS = 24

settings = Settings.from_env()

WINDOW = ["--start", "{{ data_interval_start | ts }}", "--end", "{{ data_interval_end | ts }}"]
COMMON_LABELS = {"app.kubernetes.io/name": "ddb2sf", "app.kubernetes.io/part-of": "ddb2sf"}


def _configured_tables() -> list[str]:
    """The tables of the config; none (and a line in the DAG processor's log) when the config is not here."""
    try:
        return configured_tables(settings.config)
    except ValueError as e:
        logging.getLogger(__name__).warning("no hourly ddb2sf DAGs: %s", e)
        return []


TABLES = _configured_tables()


def migrate_task(table: str, labels: dict):
    """`ddb2sf migrate --table <t>`: safe to run concurrently and as often as needed; most runs find nothing to do."""
    return job("migrate", settings, arguments=["migrate", "--table", table],
               labels={**labels, "ddb2sf.io/step": "migrate"}, timeout=timedelta(minutes=15))


def hourly_sync(table: str):
    """The hourly DAG of one table."""

    @dag(
        dag_id=hourly_dag_id(table),
        description=f"ddb2sf: sync {table} every hour",
        # Data intervals, not trigger times: each run's window is [data_interval_start, data_interval_end).
        schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
        start_date=pendulum.parse(settings.start_date),
        catchup=True,  # every hour is a partition: a paused or broken DAG catches up hour by hour
        # While an hour's export has failed, the table's later runs start and wait for it (depends_on_past), and
        # a cleared run is queued behind the running ones: with max_active_runs later runs waiting, it could never
        # start. 24 covers the stream's retention (24 h), past which the table needs a backfill anyway.
        max_active_runs=MAX_ACTIVE_RUNS,
        # No dagrun_timeout: a timed-out run has its unfinished tasks set to skipped, and depends_on_past counts
        # skipped as done, so the next hour's export would run past an hour that was never exported. Each task has
        # its own execution_timeout instead, which fails (and retries) the task.
        # https://github.com/apache/airflow/issues/30264 ("Running tasks marked as skipped on DagRun timeout")
        dagrun_timeout=None,
        default_args=DEFAULT_ARGS,
        tags=["ddb2sf"],
        doc_md=__doc__,
    )
    def sync():
        labels = {**COMMON_LABELS, "ddb2sf.io/table": k8s_label(table),
                  "ddb2sf.io/window": "{{ data_interval_start | ts_nodash }}"}

        def step(name: str, **kwargs):
            command = name.replace("_", "-")
            return job(name, settings, arguments=[command, "--table", table, *WINDOW],
                       labels={**labels, "ddb2sf.io/step": command}, **kwargs)

        # Exports move the stream checkpoint, so hour h+1 waits for hour h's export of this table (depends_on_past:
        # the previous run's task must have succeeded); the other steps are safe in any order (MERGE keeps the
        # newest version of every item). Exports have their own pool: backfill scans cannot take their slots.
        export = step("export_increment", size="large", timeout=timedelta(minutes=45), pool=settings.export_pool,
                      depends_on_past=True)
        validate = step("stage_validate", timeout=timedelta(minutes=15))
        load = step("copy_load", timeout=timedelta(minutes=45))
        merge = step("merge_apply", timeout=timedelta(minutes=45))
        export >> validate >> load >> merge
        # New sql/ migrations and this table's landing and analytics tables, before the first step that writes to
        # Snowflake. Beside the export, not before it: the export needs only DynamoDB and S3, so a Snowflake outage
        # must not stop the stream checkpoint from moving (the stream keeps changes only 24 h).
        migrate = migrate_task(table, labels)
        [validate, migrate] >> load
        # Landing rows of partitions merged longer ago than the table's landingRetention (P30D by default) are
        # deleted after each merge; merged partitions only, so it never takes what a merge still needs, and a
        # failure here leaves the table in sync (the next hour's prune does the work).
        prune = job("prune_landing", settings, arguments=["prune", "--table", table],
                    labels={**labels, "ddb2sf.io/step": "prune"}, timeout=timedelta(minutes=30))
        merge >> prune

        # The watchdog has no upstream in the sync chain and nothing downstream: it runs every hour, also while this
        # hour's export has failed or waits for a failed earlier hour (depends_on_past leaves it without a state,
        # and anything downstream of it would wait too), which is when the checkpoint ages; and it never holds up
        # the sync. After migrate (whatever its outcome) only so that a new table's ledger exists when status reads it.
        # dags/tests/test_scheduler.py sees it run in each of a failed table's runs under the real scheduler.
        # Exit 3/4 are retried like any failure: a table whose first or catching-up export is still running gets
        # the retries' 20 minutes to become healthy before the failure alert fires. The default 12 h threshold
        # leaves 12 h before changes may be lost, so the delay costs nothing.
        watchdog = job("stream_watchdog", settings,
                       arguments=["status", "--table", table, "--json",
                                  "--max-checkpoint-age", settings.max_checkpoint_age,
                                  "--max-unmerged-age", settings.max_unmerged_age],
                       labels={**labels, "ddb2sf.io/step": "status"}, timeout=timedelta(minutes=10),
                       exit_messages=WATCHDOG_FAILURES, trigger_rule="all_done",
                       retries=2, retry_delay=timedelta(minutes=10), retry_exponential_backoff=False)
        migrate >> watchdog

    return sync()


@dag(
    dag_id=BACKFILL_DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # one whole-table scan at a time: the read budget is per backfill
    default_args=DEFAULT_ARGS,
    tags=["ddb2sf"],
    doc_md=__doc__,
    user_defined_filters={"k8s_label": k8s_label},
    params={
        "table": Param(
            TABLES[0] if TABLES else "",
            type="string", title="Table", minLength=3, maxLength=255, pattern=r"^[A-Za-z0-9_.-]+$",
            **({"enum": TABLES} if TABLES else {}),
            description="The DynamoDB table to copy whole, as named in the ddb2sf config."),
        "source": Param(
            "scan", type="string", title="Source", enum=["scan", "export"],
            description="scan: a parallel Scan within the read budget below. export: a DynamoDB export of the table"
                        " to the stage bucket (point-in-time recovery must be on), converted on the pods; reads no"
                        " capacity, so the budget and the segments are ignored."),
        "capacity_share": Param(
            0.25, type="number", title="Capacity share", minimum=0.01, maximum=1,
            description="Share of the table's provisioned read capacity the whole backfill may use, split evenly"
                        " between the pods. Ignored when a read budget is set."),
        "rcu_budget": Param(
            None, type=["null", "number"], title="Read budget (RCU/s)", exclusiveMinimum=0,
            description="Read capacity units per second for the whole backfill. Required for on-demand tables."),
        "total_segments": Param(
            8, type="integer", title="Scan segments", minimum=1, maximum=1024,
            description="Parallel Scan segments. About one per 2 GB of table is a good start."),
        "pods": Param(
            2, type="integer", title="Pods", minimum=1, maximum=64,
            description="Pods the segments (or the export's data files) are spread over (at most one per segment)."),
        "reset_checkpoint": Param(
            False, type="boolean", title="Reset stream checkpoint",
            description="After a stream gap or a replaced stream: when the backfill starts (once, however often"
                        " it is retried), restart the hourly export at the stream's trim horizon; the complete"
                        " snapshot then also deletes the keys it no longer holds."),
        "snapshot": Param(
            None, type=["null", "string"], title="Resume backfill", pattern=r"^[0-9]{8}T[0-9]{6}Z$",
            description="To resume a backfill that failed or was killed: its id (e.g. 20261124T101500Z). Leave"
                        " empty for a new one."),
    },
)
def dynamodb_to_snowflake_backfill():
    @task(retries=0)
    def plan(params=None, dag_run=None, ti=None) -> list[dict]:
        snapshot = params.get("snapshot") or backfill_id(params, dag_run.run_after)
        ti.xcom_push(key="snapshot", value=snapshot)
        return backfill_scans(params, snapshot)

    planned = plan()
    snapshot = "{{ ti.xcom_pull(task_ids='plan', key='snapshot') }}"
    labels = {**COMMON_LABELS, "ddb2sf.io/table": "{{ params.table | k8s_label }}", "ddb2sf.io/backfill": snapshot}

    def step(name: str, **kwargs):
        command = name.replace("_", "-")
        return job(name, settings, arguments=[command, "--table", "{{ params.table }}", "--backfill", snapshot],
                   labels={**labels, "ddb2sf.io/step": command}, **kwargs)

    # A retried scan resumes from its segments' checkpoints (same snapshot id), so retries cost no rescans.
    # Scans have their own pool: a 64-pod, 24-hour backfill must not hold the hourly exports' slots.
    scan = job("scan", settings, size="large", timeout=timedelta(hours=24), pool=settings.backfill_pool, mapped=True,
               map_index_template="segments {{ task.arguments[8] }}").expand_kwargs(planned)
    validate = step("stage_validate", timeout=timedelta(minutes=30))
    load = step("copy_load", size="large", timeout=timedelta(hours=4))
    merge = step("merge_apply", size="large", timeout=timedelta(hours=4))
    scan >> validate >> load >> merge
    # Beside the scans (which need no Snowflake), before the load.
    migrate = migrate_task("{{ params.table }}", {**COMMON_LABELS, "ddb2sf.io/table": "{{ params.table | k8s_label }}"})
    [validate, migrate] >> load


@dag(
    dag_id=VERIFY_DAG_ID,
    description="ddb2sf: compare a sample of each table's items with their analytics rows",
    # Daily, at an hour that is quiet for most tables; each run verifies another sample (the command picks it).
    schedule=CronTriggerTimetable("30 3 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,  # a missed day's sample is not worth reading later
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ddb2sf"],
    doc_md=__doc__,
    params={
        "table": Param(
            None, type=["null", "string"], title="Table",
            **({"enum": [None, *TABLES]} if TABLES else {"pattern": r"^[A-Za-z0-9_.-]{3,255}$"}),
            values_display={None: "Every configured table"},
            description="The DynamoDB table to verify, as named in the ddb2sf config; empty: every table (the"
                        " daily runs)."),
        "total_segments": Param(
            100, type="integer", title="Scan segments", minimum=1, maximum=1_000_000,
            description="The table is split into this many Scan segments; the sample is some of them."),
        "sample_segments": Param(
            1, type="integer", title="Sample segments", minimum=1, maximum=1_000_000,
            description="How many of the segments to read and compare (at most Scan segments; equal: the whole"
                        " table). 1 of 100 reads about 1 % of the table."),
        "rcu_budget": Param(
            50, type="number", title="Read budget (RCU/s)", exclusiveMinimum=0,
            description="Read capacity units per second the verify of one table may consume from it."),
    },
)
def dynamodb_to_snowflake_verify():
    @task(retries=0)
    def plan(params=None) -> list[dict]:
        return verify_runs(params, TABLES)

    # Verify reads the source table within a read budget, like a backfill scan, so it takes a slot of the same
    # pool (DDB2SF_VERIFY_POOL, default the backfill pool): the pool bounds how many scans of the source tables
    # run at once, and a verify waits while a backfill holds every slot, instead of comparing against an analytics
    # table that the backfill has not finished refreshing. It never takes an hourly export's slot.
    # Exit 5 (drift) fails the task at once: a retry would read the sample again and find the same drift.
    job("verify", settings, size="large", timeout=timedelta(hours=6), pool=settings.verify_pool, mapped=True,
        final_exits=VERIFY_FAILURES, map_index_template="{{ task.arguments[2] }}").expand_kwargs(plan())


for _table in TABLES:
    hourly_sync(_table)
dynamodb_to_snowflake_backfill()
dynamodb_to_snowflake_verify()
