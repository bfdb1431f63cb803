"""docker/compose.yaml passes `docker compose config` and wires the local stack the way the DAG expects."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[1]
REPO = DOCKER.parent
COMPOSE = shlex.split(os.environ.get("DDB2SF_COMPOSE", "docker compose"))


def compose_config() -> dict:
    out = subprocess.run([*COMPOSE, "-f", str(DOCKER / "compose.yaml"), "config", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_compose_config_accepts_the_file_and_brings_up_the_whole_stack():
    services = compose_config()["services"]
    assert set(services) == {"dynamodb", "s3", "stage-bucket", "snowflake", "airflow"}
    assert services["dynamodb"]["image"].startswith("amazon/dynamodb-local:")


def test_airflow_runs_the_dags_folder_in_local_mode_against_the_stack():
    airflow = compose_config()["services"]["airflow"]
    mounts = {m["target"]: Path(m["source"]) for m in airflow["volumes"]}
    assert mounts["/opt/airflow/dags"] == REPO / "dags"
    assert mounts["/opt/ddb2sf/ddb2sf.jar"] == REPO / "jobs" / "target" / "ddb2sf.jar"
    env = airflow["environment"]
    assert env["DDB2SF_MODE"] == "local"
    assert env["DDB2SF_CONFIG"] == "/opt/ddb2sf/ddb2sf.yaml"
    assert airflow["depends_on"]["stage-bucket"]["condition"] == "service_completed_successfully"


def test_the_compose_config_for_the_jobs_points_at_the_compose_services():
    config = yaml.safe_load((DOCKER / "ddb2sf.compose.yaml").read_text())
    services = compose_config()["services"]
    assert config["aws"]["dynamodbEndpoint"] == "http://dynamodb:8000"
    assert config["aws"]["s3Endpoint"] == "http://s3:5000" and "5000" in " ".join(services["s3"]["command"])
    assert "//snowflake:8000/" in config["snowflake"]["url"] and services["snowflake"]["command"][-1] == "8000"
    assert config["stage"]["bucket"] in " ".join(services["stage-bucket"]["command"])
