"""One factory for every ddb2sf task: a KubernetesPodOperator in production, a local java process on a laptop.

Both run the same arguments, so `airflow dags test` in local mode exercises the DAG that production runs.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Sequence
from datetime import timedelta

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.secret import Secret
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException
from kubernetes.client import models as k8s

from ddb2sf_airflow.settings import Settings

log = logging.getLogger(__name__)

CONFIG_DIR = "/etc/ddb2sf"
KEY_DIR = "/var/run/secrets/ddb2sf"

# Exit codes of the jobs (DESIGN): 2 is bad usage, config or input that a retry cannot fix.
EXIT_USAGE = 2
USAGE_FAILURE = ("ddb2sf exited with 2 (bad usage, config or input: retrying will not help; see the 'ddb2sf: error'"
                 " line in the log)")

# Heap for the JVM in the pod, about three quarters of the memory limit: the rest is Parquet's off-heap buffers.
RESOURCES = {
    "small": k8s.V1ResourceRequirements(requests={"cpu": "250m", "memory": "512Mi"}, limits={"memory": "512Mi"}),
    "large": k8s.V1ResourceRequirements(requests={"cpu": "1", "memory": "1Gi"}, limits={"memory": "1Gi"}),
}

DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def failure_message(context) -> str:
    """One line naming the step, the table and the window (or backfill) that failed, and how to rerun it."""
    ti = context["ti"]
    args = list(getattr(context["task"], "arguments", None) or [])
    table = _arg(args, "--table") or "?"
    backfill = _arg(args, "--backfill") or _arg(args, "--snapshot")
    if backfill:
        what = f"backfill {backfill}"
    else:
        start, end = context.get("data_interval_start"), context.get("data_interval_end")
        what = f"window [{start.isoformat() if start else '?'}, {end.isoformat() if end else '?'})"
    return (f"ddb2sf {ti.task_id} failed for table {table}, {what} (run {ti.run_id}, try {ti.try_number}): read the task"
            f" log's 'ddb2sf: error' line, fix the cause, then clear the failed task to rerun it; reruns are safe")


def notify_failure(context) -> None:
    """Failure callback: the line lands in the task log; route the logger to your alerting to be paged."""
    log.error("%s", failure_message(context))


def _arg(args: Sequence[str], name: str) -> str | None:
    for i, a in enumerate(args[:-1]):
        if a == name:
            return str(args[i + 1])
    return None


def _exit_code(pod: k8s.V1Pod | None, container: str) -> int | None:
    statuses = (pod.status.container_statuses if pod is not None and pod.status else None) or []
    status = next((c for c in statuses if c.name == container), None)
    terminated = status.state.terminated if status is not None and status.state else None
    return terminated.exit_code if terminated is not None else None


class JobPodOperator(KubernetesPodOperator):
    """A ddb2sf job in a pod. Exit 2 (bad usage, config or input) fails the task at once: no retry can fix it."""

    def cleanup(self, pod, remote_pod, *args, **kwargs):
        try:
            super().cleanup(pod, remote_pod, *args, **kwargs)
        except AirflowFailException:
            raise
        except AirflowException as e:
            if _exit_code(remote_pod, self.base_container_name) == EXIT_USAGE:
                raise AirflowFailException(USAGE_FAILURE) from e
            raise


class LocalJobOperator(BaseOperator):
    """Runs `java -jar ddb2sf.jar <arguments>` on the worker; returns the job's JSON summary as the XCom."""

    template_fields: Sequence[str] = ("arguments", "labels")
    ui_color = "#e8f4fd"

    def __init__(self, *, arguments: list, labels: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.arguments = arguments
        self.labels = labels or {}

    def execute(self, context):
        settings = Settings.from_env()
        cmd = [settings.java, "-jar", str(settings.jar), *map(str, self.arguments), "--config", str(settings.config)]
        self.log.info("running %s", " ".join(cmd))
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # stdout is the JSON summary, a few lines; stderr is the progress, streamed into the task log as it comes.
        for line in proc.stderr:
            self.log.info("%s", line.rstrip())
        out = proc.stdout.read()
        code = proc.wait()
        if code == EXIT_USAGE:
            raise AirflowFailException(USAGE_FAILURE)
        if code != 0:
            raise AirflowException(f"ddb2sf exited with {code}; see the 'ddb2sf: error' line above")
        try:
            return json.loads(out) if out.strip() else None
        except json.JSONDecodeError:
            return out


def job(task_id: str, settings: Settings, *, arguments: list | None = None, labels: dict | None = None,
        size: str = "small", timeout: timedelta, mapped: bool = False, **kwargs):
    """The task running one ddb2sf job. With mapped=True, returns a partial to expand over arguments and labels."""
    common = {"task_id": task_id, "execution_timeout": timeout, "on_failure_callback": notify_failure, **kwargs}
    if settings.mode == "local":
        make = LocalJobOperator.partial if mapped else LocalJobOperator
        fixed = {}
    else:
        make = JobPodOperator.partial if mapped else JobPodOperator
        fixed = _pod_spec(settings, size)
    if not mapped:
        fixed = {**fixed, "arguments": arguments, "labels": labels}
    return make(**common, **fixed)


def _pod_spec(settings: Settings, size: str) -> dict:
    """Everything a ddb2sf pod needs besides its arguments."""
    return {
        "image": settings.image,
        "namespace": settings.namespace,
        "service_account_name": settings.service_account,  # AWS access through IRSA on this account
        "container_resources": RESOURCES[size],
        "env_vars": [
            k8s.V1EnvVar(name="DDB2SF_CONFIG", value=f"{CONFIG_DIR}/ddb2sf.yaml"),
            k8s.V1EnvVar(name="DDB2SF_SNOWFLAKE_PRIVATE_KEY_FILE", value=f"{KEY_DIR}/rsa_key.p8"),
            k8s.V1EnvVar(name="JAVA_TOOL_OPTIONS", value="-XX:MaxRAMPercentage=75"),
        ],
        "secrets": [
            Secret("volume", KEY_DIR, settings.snowflake_secret, "rsa_key.p8"),
            Secret("env", "DDB2SF_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", settings.snowflake_secret, "passphrase"),
        ],
        "volumes": [k8s.V1Volume(name="ddb2sf-config",
                                 config_map=k8s.V1ConfigMapVolumeSource(name=settings.config_map))],
        "volume_mounts": [k8s.V1VolumeMount(name="ddb2sf-config", mount_path=CONFIG_DIR, read_only=True)],
        "container_security_context": k8s.V1SecurityContext(run_as_non_root=True, allow_privilege_escalation=False,
                                                             read_only_root_filesystem=False),
        "on_finish_action": "delete_pod",
        "get_logs": True,  # the pod's stderr, with the job's one-line error, lands in the task log
        "durable": True,  # a worker restart reattaches to the running pod instead of starting a second one
    }
