"""The DAGs under a real Airflow: scheduler, DAG processor, API server and LocalExecutor (`airflow standalone`) on
their own metadata database. Every task runs `fake_java` in place of the ddb2sf jar, which records when each job
starts and ends, fails one export on demand and holds backfill scans until released.

dag.test() cannot show what these tests show: it makes manual runs, which depends_on_past does not look back at when
catchup is on (DagRun.get_previous_scheduled_dagrun skips them), and it runs every task inline, whatever its pool. Only
the scheduler makes the scheduled runs, applies depends_on_past across them and queues tasks by pool.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import DAGS, write_config

BACKFILL = "dynamodb_to_snowflake_backfill"
A, B = "table_a", "table_b"
HOURS = 4  # h .. h+3: with A's hour h failed, three later runs wait for it, as many as max_active_runs was
WAIT = 300  # seconds; a whole hour's chain takes about 30 s here


@dataclass(frozen=True)
class Job:
    """One line pair of fake_java's jobs.log."""
    job: str
    table: str
    window: str
    started: float
    ended: float | None
    code: int | None


class Airflow:
    def __init__(self, home: Path, port: int, fake: Path, hour: datetime):
        self.home, self.port, self.fake, self.hour = home, port, fake, hour
        self.token = None

    def window(self, n: int) -> str:
        """The --start argument of hour h+n, as the DAG renders it."""
        return (self.hour + timedelta(hours=n)).isoformat()

    def api(self, method: str, path: str, body: dict | None = None):
        if self.token is None:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/auth/token", timeout=30) as r:
                self.token = json.load(r)["access_token"]  # every user is an admin in this throwaway Airflow
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v2/{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as r:
            return json.load(r)

    def jobs(self) -> list[Job]:
        started, done = {}, []
        log = self.fake / "jobs.log"
        for line in (log.read_text().splitlines() if log.exists() else []):
            kind, at, job, table, window, *code = line.split(" ")
            key = (job, table, window)
            if kind == "start":
                started.setdefault(key, []).append(float(at))
            else:
                done.append(Job(job, table, window, started[key].pop(0), float(at), int(code[0])))
        running = [Job(j, t, w, s, None, None) for (j, t, w), ss in started.items() for s in ss]
        return sorted(done + running, key=lambda j: j.started)

    def done(self, job: str, table: str, hours=range(HOURS)) -> bool:
        ok = {j.window for j in self.jobs() if j.job == job and j.table == table and j.code == 0}
        return all(self.window(n) in ok for n in hours)

    def task_states(self, dag_id: str) -> dict[tuple[str, str], str | None]:
        """(data interval start, task id) -> state, for every run of the DAG (task id[map index] when mapped)."""
        runs = self.api("GET", f"dags/{dag_id}/dagRuns?limit=100")["dag_runs"]
        states = {}
        for run in runs:
            tis = self.api("GET", f"dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances")["task_instances"]
            for ti in tis:
                task = ti["task_id"] if ti["map_index"] < 0 else f"{ti['task_id']}[{ti['map_index']}]"
                states[(run["data_interval_start"], task)] = ti["state"]
        return states

    def wait_for(self, what: str, condition, timeout: float = WAIT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                hourly = [d["dag_id"] for d in self.api("GET", "dags")["dags"] if d["dag_id"] != BACKFILL]
                states = {d: self.task_states(d) for d in hourly}
                pytest.fail(f"not within {timeout} s: {what}\njobs: {self.jobs()}\ntask states: {states}")
            time.sleep(2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    """Airflow running tables A and B hourly since hour h (four runs due: h .. h+3), A's export of hour h failing, and a backfill of B whose two scans hold the whole backfill pool from before the first export."""
    root = tmp_path_factory.mktemp("scheduler")
    home, fake = root / "airflow", root / "fake"
    home.mkdir()
    fake.mkdir()
    now = datetime.now(timezone.utc)
    hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS)
    port = _free_port()
    af = Airflow(home, port, fake, hour)
    (fake / "broken").write_text(f"{A} {af.window(0)}")

    env = {**os.environ,
           "AIRFLOW_HOME": str(home),
           "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
           "AIRFLOW__CORE__PARALLELISM": "8",
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
           "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
           "AIRFLOW__API__PORT": str(port),
           "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "DDB2SF_MODE": "local",
           "DDB2SF_CONFIG": str(write_config(root / "ddb2sf.yaml", [A, B])),
           "DDB2SF_START_DATE": hour.isoformat(),
           "DDB2SF_JAVA": str(Path(__file__).with_name("fake_java")),
           "DDB2SF_FAKE_DIR": str(fake)}
    airflow_cli = [sys.executable, "-m", "airflow"]
    subprocess.run([*airflow_cli, "db", "migrate"], check=True, env=env, stdout=subprocess.DEVNULL)
    for pool in ("ddb2sf_export", "ddb2sf_backfill"):
        subprocess.run([*airflow_cli, "pools", "set", pool, "2", "ddb2sf"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    with open(root / "standalone.log", "w") as log:
        proc = subprocess.Popen([*airflow_cli, "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        af.wait_for("the API server answers and the DAG processor has parsed the DAG file",
                    lambda: _dag_ids(af) >= {BACKFILL}, timeout=180)
        af.api("PATCH", f"dags/{BACKFILL}", {"is_paused": False})
        af.api("POST", f"dags/{BACKFILL}/dagRuns",
               {"logical_date": None, "conf": {"table": B, "total_segments": 2, "pods": 2, "rcu_budget": 10}})
        af.wait_for("both backfill scans run", lambda: sum(j.job == "backfill" for j in af.jobs()) == 2)
        for dag_id in _dag_ids(af) - {BACKFILL}:
            af.api("PATCH", f"dags/{dag_id}", {"is_paused": False})
        yield af
    finally:
        (fake / "release").touch()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the workers and servers standalone started
        except ProcessLookupError:
            pass


def _dag_ids(af: Airflow) -> set[str]:
    try:
        return {d["dag_id"] for d in af.api("GET", "dags")["dags"]}
    except OSError:
        return set()


def test_a_backfill_holding_every_scan_slot_does_not_hold_up_the_hourly_exports(airflow):
    airflow.wait_for("B's hours h .. h+3 merged", lambda: airflow.done("merge-apply", B))

    scans = [j for j in airflow.jobs() if j.job == "backfill"]
    exports = [j for j in airflow.jobs() if j.job == "export-increment" and j.table == B]
    # The scans took both backfill slots before the first export started, and still hold them now.
    assert len(scans) == 2 and all(s.ended is None for s in scans)
    assert max(s.started for s in scans) < min(e.started for e in exports)
    pool = airflow.api("GET", "pools/ddb2sf_backfill")
    assert pool["running_slots"] == 2 and pool["open_slots"] == 0


def test_a_failed_table_holds_back_no_other_table_and_catches_up_in_order_once_cleared(airflow):
    airflow.wait_for("B's hours h .. h+3 merged while A's hour h failed",
                     lambda: airflow.done("merge-apply", B))

    # A's hour h failed; its later hours wait (not skipped, not run) for it.
    a_exports = [j for j in airflow.jobs() if j.job == "export-increment" and j.table == A]
    assert [(j.window, j.code) for j in a_exports] == [(airflow.window(0), 2)]
    a = f"ddb2sf_{A}"
    # Meanwhile the watchdog ran in every one of A's runs, the failed one and those whose export waits: it is where
    # a table that stopped exporting is noticed before the stream trims its changes.
    airflow.wait_for("A's watchdog ran in each of its runs",
                     lambda: sum(j.job == "status" and j.table == A and j.code == 0 for j in airflow.jobs()) == HOURS)
    states = airflow.task_states(a)
    start = {n: (airflow.hour + timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ") for n in range(HOURS)}
    assert states[(start[0], "export_increment")] == "failed"
    assert [states[(start[n], "export_increment")] for n in range(1, HOURS)] == [None] * (HOURS - 1)
    assert [states[(start[n], "stream_watchdog")] for n in range(HOURS)] == ["success"] * HOURS
    assert not any(j.job == "copy-load" and j.table == A for j in airflow.jobs())  # nothing of A's sync ran

    # Fixed; then the failed task is cleared with its downstream tasks, as in the grid. The cleared run is queued
    # while the three later runs keep running (waiting for it): it needs a fourth run slot.
    (airflow.fake / "broken").unlink()
    [run] = [r for r in airflow.api("GET", f"dags/{a}/dagRuns?limit=100")["dag_runs"]
             if r["data_interval_start"] == start[0]]
    airflow.api("POST", f"dags/{a}/clearTaskInstances",
                {"dry_run": False, "dag_run_id": run["dag_run_id"], "task_ids": ["export_increment"],
                 "include_downstream": True, "only_failed": True})
    airflow.wait_for("A caught up: hours h .. h+3 merged", lambda: airflow.done("merge-apply", A))

    exports = [j for j in airflow.jobs() if j.job == "export-increment" and j.table == A and j.code == 0]
    assert [j.window for j in exports][:HOURS] == [airflow.window(n) for n in range(HOURS)]
    for before, after in zip(exports, exports[1:]):
        assert after.started > before.ended, (before, after)  # one export of a table at a time, in hour order
