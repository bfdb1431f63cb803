"""Where the DAG runs its jobs, read once from the environment of the Airflow scheduler and workers.

Environment rather than Airflow Variables: the DAG file is parsed every 30 s, and a Variable read at parse time is a
metadata-database query each time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    mode: str
    """"kubernetes" (a pod per task, the default) or "local" (a java process per task, for laptops and tests)."""
    config: Path
    """The ddb2sf config file as the Airflow workers see it: the DAG reads the table list from it."""
    image: str
    namespace: str
    service_account: str
    config_map: str
    """ConfigMap holding ddb2sf.yaml, mounted into every pod at /etc/ddb2sf."""
    snowflake_secret: str
    """Secret with keys rsa_key.p8 (mounted as a file) and passphrase (an env variable)."""
    export_pool: str
    """Pool of the hourly exports: their own slots, so that a backfill's scans can never hold them up."""
    backfill_pool: str
    """Pool of the backfill scans (up to 64 pods, each up to 24 hours)."""
    verify_pool: str
    """Pool of the verify scans: by default the backfill pool, as both read the source tables."""
    max_checkpoint_age: str
    """The watchdog fails when a table's stream checkpoint is older (`status --max-checkpoint-age`)."""
    max_unmerged_age: str
    """The watchdog fails when an exported hour is not merged this long after it ended (`status --max-unmerged-age`)."""
    start_date: str
    """The first hour the hourly DAG syncs: set it to the hour the pipeline goes live (catchup runs every hour since)."""
    java: str
    jar: Path

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        mode = env.get("DDB2SF_MODE", "kubernetes")
        if mode not in ("kubernetes", "local"):
            raise ValueError(f"DDB2SF_MODE={mode!r} is not valid: set it to kubernetes or local")
        java_home = env.get("JAVA_HOME")
        return cls(
            mode=mode,
            config=Path(env.get("DDB2SF_CONFIG", "/etc/ddb2sf/ddb2sf.yaml")),
            image=env.get("DDB2SF_IMAGE", "ddb2sf:0.1.0-SNAPSHOT"),  # what jib:dockerBuild tags; set your registry's
            namespace=env.get("DDB2SF_NAMESPACE", "ddb2sf"),
            service_account=env.get("DDB2SF_SERVICE_ACCOUNT", "ddb2sf"),
            config_map=env.get("DDB2SF_CONFIG_MAP", "ddb2sf-config"),
            snowflake_secret=env.get("DDB2SF_SNOWFLAKE_SECRET", "ddb2sf-snowflake"),
            export_pool=env.get("DDB2SF_EXPORT_POOL", "ddb2sf_export"),
            backfill_pool=env.get("DDB2SF_BACKFILL_POOL", "ddb2sf_backfill"),
            verify_pool=env.get("DDB2SF_VERIFY_POOL", env.get("DDB2SF_BACKFILL_POOL", "ddb2sf_backfill")),
            max_checkpoint_age=env.get("DDB2SF_MAX_CHECKPOINT_AGE", "12h"),
            max_unmerged_age=env.get("DDB2SF_MAX_UNMERGED_AGE", "3h"),
            start_date=env.get("DDB2SF_START_DATE", "2026-11-01T00:00:00Z"),
            java=env.get("DDB2SF_JAVA", f"{java_home}/bin/java" if java_home else "java"),
            jar=Path(env.get("DDB2SF_JAR", str(REPO / "jobs" / "target" / "ddb2sf.jar"))),
        )
