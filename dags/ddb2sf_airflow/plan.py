"""Pure functions behind the DAG's planning tasks, kept apart so that they are tested without Airflow running."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

_LABEL_BAD = re.compile(r"[^A-Za-z0-9._-]")


def configured_tables(config: Path) -> list[str]:
    """The table names of a ddb2sf config, in file order; an error that names the file when it has none."""
    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    except OSError as e:
        raise ValueError(f"cannot read the ddb2sf config {config} ({e.strerror}): set DDB2SF_CONFIG on the Airflow"
                         " workers to the same file the jobs use") from e
    except yaml.YAMLError as e:
        raise ValueError(f"the ddb2sf config {config} is not valid YAML: fix it, then clear the failed task") from e
    tables = (doc or {}).get("tables") if isinstance(doc, dict) else None
    names = [t.get("name") for t in tables or [] if isinstance(t, dict)]
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"the ddb2sf config {config} lists no tables (or one without a name): add them under tables:")
    return names


def k8s_label(value: str) -> str:
    """A Kubernetes label value (63 characters of [A-Za-z0-9._-], alphanumeric at both ends) naming `value`."""
    cleaned = _LABEL_BAD.sub("_", value)[:63].strip("._-")
    return cleaned or "unnamed"


HOURLY_DAG_PREFIX = "ddb2sf_"
_DAG_ID_MAX = 250  # Airflow's limit on a DAG id


def hourly_dag_id(table: str) -> str:
    """The id of a table's hourly DAG: `ddb2sf_<table>` (DynamoDB table names are valid DAG id characters)."""
    dag_id = HOURLY_DAG_PREFIX + table
    if len(dag_id) <= _DAG_ID_MAX:
        return dag_id
    # A 255-character table name: keep it recognisable and unique.
    return dag_id[:_DAG_ID_MAX - 9] + "_" + hashlib.sha256(table.encode()).hexdigest()[:8]


def snapshot_id(started: datetime) -> str:
    """The backfill id for a scan started at `started`, in the form the jobs print and accept."""
    return started.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


# An export backfill exports the table as of its id, which must lie inside point-in-time recovery's window, and
# "LatestRestorableDateTime is typically 5 minutes before the current time" (Amazon DynamoDB API Reference,
# PointInTimeRecoveryDescription): the id of a new export backfill is this long before the trigger.
EXPORT_LAG = timedelta(minutes=15)


def backfill_id(params: dict, started: datetime) -> str:
    """The id of a new backfill triggered at `started`: the scan's start, or for `source: export` the time it exports
    the table as of, 15 minutes earlier (point-in-time recovery trails the clock by minutes)."""
    return snapshot_id(started - EXPORT_LAG if params.get("source") == "export" else started)


def segment_groups(total_segments: int, pods: int) -> list[list[int]]:
    """Segments 0..total-1 dealt round-robin onto at most `pods` pods, so that every pod gets a fair share."""
    if total_segments < 1 or pods < 1:
        raise ValueError("total_segments and pods must be at least 1")
    pods = min(pods, total_segments)
    return [list(range(p, total_segments, pods)) for p in range(pods)]


def backfill_scans(params: dict, snapshot: str) -> list[dict]:
    """One scan per pod: its arguments and labels. The read budget is split evenly between the pods. With
    `source: export` the pods convert one DynamoDB export instead (the job deals its data files over them: file i to
    pod i mod pods), reading no capacity, so no read budget is passed."""
    export = params.get("source") == "export"
    total = int(params["pods"]) if export else int(params["total_segments"])
    groups = segment_groups(total, int(params["pods"]))
    table = params["table"]
    scans = []
    for group in groups:
        args = ["backfill", "--table", table, "--backfill", snapshot,
                "--total-segments", str(total),
                "--segment", ",".join(map(str, group))]
        if export:
            args += ["--source", "export"]
        elif params.get("rcu_budget"):
            args += ["--rcu-budget", _number(float(params["rcu_budget"]) / len(groups))]
        else:
            args += ["--capacity-share", _number(float(params["capacity_share"]) / len(groups))]
        if params.get("reset_checkpoint"):
            args.append("--reset-checkpoint")
        scans.append({"arguments": args,
                      "labels": {"ddb2sf.io/table": k8s_label(table), "ddb2sf.io/backfill": snapshot,
                                 "ddb2sf.io/segments": k8s_label("-".join(map(str, group)))}})
    return scans


def _number(x: float) -> str:
    return f"{x:.6g}"


def verify_runs(params: dict, tables: list[str]) -> list[dict]:
    """One verify per table: the form's table, or every configured table (the daily runs). Each table gets the whole
    read budget: it is a budget on that table's capacity."""
    total, sample = int(params["total_segments"]), int(params["sample_segments"])
    if sample > total:
        raise ValueError(f"sample_segments ({sample}) must be at most total_segments ({total})")
    chosen = [params["table"]] if params.get("table") else list(tables)
    if not chosen:
        raise ValueError("no table to verify: the ddb2sf config lists none here (set DDB2SF_CONFIG), and the form"
                         " named none")
    return [{"arguments": ["verify", "--table", t, "--total-segments", str(total), "--sample-segments", str(sample),
                           "--rcu-budget", _number(float(params["rcu_budget"]))],
             "labels": {"app.kubernetes.io/name": "ddb2sf", "app.kubernetes.io/part-of": "ddb2sf",
                        "ddb2sf.io/table": k8s_label(t), "ddb2sf.io/step": "verify"}}
            for t in chosen]
