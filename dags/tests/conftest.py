"""A throwaway Airflow home for the DAG tests: set before anything imports airflow, so no test touches ~/airflow."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1]
REPO = DAGS.parent
HOME = Path(tempfile.mkdtemp(prefix="ddb2sf-airflow-"))

os.environ.update({
    "AIRFLOW_HOME": str(HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{HOME}/airflow.db",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(HOME / "logs"),
})
sys.path.insert(0, str(DAGS))  # as Airflow does for its DAGs folder, so that ddb2sf_airflow imports


def write_config(path: Path, tables: list[str], base: Path | None = None) -> Path:
    """A ddb2sf config listing `tables` (typed like demo_orders), on top of the local stack's config when given."""
    head = ""
    if base is not None:
        head = base.read_text(encoding="utf-8").split("\ntables:")[0] + "\n"
    body = "tables:\n" + "".join(
        f"  - name: {t}\n    keys:\n      - {{attribute: order_id, type: S}}\n"
        f"    columns:\n      - {{attribute: amount, type: N, scale: 2}}\n      - {{attribute: status, type: S}}\n"
        f"    deletes: hard\n" for t in tables)
    path.write_text(head + body, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def airflow_db():
    """The metadata database that dag.test() runs against (SQLite, created once per test session)."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, env=os.environ.copy(),
                   stdout=subprocess.DEVNULL)
    for pool in ("ddb2sf_export", "ddb2sf_backfill"):
        subprocess.run([sys.executable, "-m", "airflow", "pools", "set", pool, "4", "ddb2sf"],
                       check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL)
    from airflow import settings

    settings.configure_orm()
    return HOME


def load_dags(monkeypatch, **env) -> dict:
    """Parses the DAG file the way the scheduler does, with `env` set, and returns its DAGs by id."""
    for k, v in env.items():
        monkeypatch.setenv(k, str(v))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}, bag.import_errors
    return bag.dags
