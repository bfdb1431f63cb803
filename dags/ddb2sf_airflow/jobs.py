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
# Exit codes that report a finding rather than a failure to run, and the message the task fails with. `status`'s
# findings are retried (the state can change while the exports catch up); `verify`'s drift is not (final_exits).
STATUS_AT_RISK, STATUS_LATE, VERIFY_DRIFT = 3, 4, 5
WATCHDOG_FAILURES = {
    STATUS_AT_RISK: "ddb2sf status exited with 3 (DDB2SF-1010): the table is at risk, its stream checkpoint is old (or"
                    " missing) and changes not yet exported may be trimmed from the stream when the hours left run out;"
                    " see the 'ddb2sf: DDB2SF-1010' line in the log, then make the hourly exports succeed again",
    STATUS_LATE: "ddb2sf status exited with 4 (DDB2SF-2010): exported hours are not merged in time; see the"
                 " 'ddb2sf: DDB2SF-2010' line in the log and clear the failed copy_load or merge_apply of those hours",
}
VERIFY_FAILURES = {
    VERIFY_DRIFT: "ddb2sf verify exited with 5 (DDB2SF-2020): the analytics table differs from the source; the JSON"
                  " summary in the log names the first keys of each kind (missing, extra, different)",
}

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

FINDINGS = {*WATCHDOG_FAILURES.values(), *VERIFY_FAILURES.values()}


def failure_message(context) -> str:
    """One line naming the step, the table and the window (or backfill) that failed, and how to rerun it."""
    ti = context["ti"]
    args = list(getattr(context["task"], "arguments", None) or [])
    table = _arg(args, "--table") or "?"
    backfill = _arg(args, "--backfill")
    if backfill:
        what = f"backfill {backfill}"
    else:
        start, end = context.get("data_interval_start"), context.get("data_interval_end")
        what = f"window [{start.isoformat() if start else '?'}, {end.isoformat() if end else '?'})"
    head = f"ddb2sf {ti.task_id} failed for table {table}, {what} (run {ti.run_id}, try {ti.try_number})"
    finding = str(context.get("exception") or "")
    if finding in FINDINGS:  # status or verify found something wrong with the data: say what, not "rerun me"
        return f"{head}: {finding}"
    return (f"{head}: read the task log's 'ddb2sf: error' line, fix the cause, then clear the failed task to rerun it;"
            f" reruns are safe")


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


def _failure(code: int | None, exit_messages: dict[int, str], final_exits: dict[int, str]) -> AirflowException | None:
    """The exception for a job that exited with `code`: AirflowFailException (no retries) for exit 2 and the
    `final_exits`, an AirflowException with the code's message for the `exit_messages`; None for the others."""
    if code == EXIT_USAGE:
        return AirflowFailException(USAGE_FAILURE)
    if code in final_exits:
        return AirflowFailException(final_exits[code])
    if code in exit_messages:
        return AirflowException(exit_messages[code])
    return None


class JobPodOperator(KubernetesPodOperator):
    """A ddb2sf job in a pod. Exit 2 (bad usage, config or input), and the exits in `final_exits` (a finding no retry
    changes, e.g. drift), fail the task at once; the exits in `exit_messages` fail it (with retries) with their
    message."""

    def __init__(self, *, exit_messages: dict[int, str] | None = None, final_exits: dict[int, str] | None = None,
                 **kwargs):
        super().__init__(**kwargs)
        self.exit_messages = dict(exit_messages or {})
        self.final_exits = dict(final_exits or {})

    def cleanup(self, pod, remote_pod, *args, **kwargs):
        try:
            super().cleanup(pod, remote_pod, *args, **kwargs)
        except AirflowFailException:
            raise
        except AirflowException as e:
            failure = _failure(_exit_code(remote_pod, self.base_container_name), self.exit_messages, self.final_exits)
            if failure is not None:
                raise failure from e
            raise


class LocalJobOperator(BaseOperator):
    """Runs `java -jar ddb2sf.jar <arguments>` on the worker; returns the job's JSON summary as the XCom. Exit codes
    are handled as JobPodOperator handles them."""

    template_fields: Sequence[str] = ("arguments", "labels")
    ui_color = "#e8f4fd"

    def __init__(self, *, arguments: list, labels: dict | None = None, exit_messages: dict[int, str] | None = None,
                 final_exits: dict[int, str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.arguments = arguments
        self.labels = labels or {}
        self.exit_messages = dict(exit_messages or {})
        self.final_exits = dict(final_exits or {})

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
        if out.strip():
            self.log.info("summary: %s", out.strip())  # the JSON summary, in the log as a pod's output would be
        failure = _failure(code, self.exit_messages, self.final_exits)
        if failure is not None:
            raise failure
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
