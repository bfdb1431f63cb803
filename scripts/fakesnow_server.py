"""Runs the fakesnow server for the local stack, with DuckDB able to read the local S3 server.

Usage: fakesnow_server.py PORT   (S3_ENDPOINT in the environment, e.g. http://127.0.0.1:4566; FAKESNOW_HOST to
listen on another address than loopback, as in docker/compose.yaml)
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

import duckdb_extension_httpfs
import fakesnow.server as server
import fakesnow.transforms as transforms
import sqlglot
import uvicorn
from sqlglot import exp

# Real-Snowflake statements in sql/ that fakesnow cannot run. The local stack treats exactly these as no-ops;
# everything else in sql/ runs as written.
LEADING_COMMENTS = r"(?:\s*--[^\n]*\n)*"
NOP_STATEMENTS = [
    LEADING_COMMENTS + r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?FILE\s+FORMAT\b",
]


# --- SHOW STAGES as Snowflake scopes it (a separate stand-in; nothing above depends on it) ---------------------------
# fakesnow ignores LIKE and, without IN, lists only the current schema. Snowflake filters names with LIKE
# (case-insensitive, % and _), and without IN lists the whole current database, showing objects of the same name in
# different schemas only once (SHOW STAGES, "IN ...", https://docs.snowflake.com/en/sql-reference/sql/show-stages).
# Which of the same-named stages Snowflake shows is not documented; this shows the first by schema name.
_fakesnow_show_stages = transforms.show_stages


def show_stages_like_snowflake(
    expression: sqlglot.Expr, current_database: str | None, current_schema: str | None
) -> sqlglot.Expr:
    if not (isinstance(expression, exp.Show) and expression.name.upper() == "STAGES"):
        return expression
    like = expression.args.get("like")
    if expression.args.get("scope_kind"):
        listed = _fakesnow_show_stages(expression, current_database, current_schema)
    else:
        listed = sqlglot.parse_one(
            "SELECT * FROM _fs_global._fs_information_schema._fs_stages WHERE database_name = "
            + exp.Literal.string(current_database or "").sql()
            + " QUALIFY ROW_NUMBER() OVER (PARTITION BY name ORDER BY schema_name) = 1",
            read="duckdb",
        )
    if like is None:
        return listed
    return sqlglot.parse_one(
        f"SELECT * FROM ({listed.sql(dialect='duckdb')}) WHERE name ILIKE {like.sql(dialect='duckdb')}", read="duckdb"
    )


def main() -> None:
    port = int(sys.argv[1])
    endpoint = urlparse(os.environ["S3_ENDPOINT"])
    duck = server.shared_fs.duck_conn
    # DuckDB cannot download httpfs offline; the PyPI wheel carries it.
    ext = next(Path(duckdb_extension_httpfs.__file__).parent.glob("extensions/*/httpfs.duckdb_extension"))
    duck.execute(f"LOAD '{ext}'")
    duck.execute(
        "CREATE SECRET local_s3 (TYPE S3, KEY_ID 'local', SECRET 'local', REGION 'us-east-1', "
        f"ENDPOINT '{endpoint.netloc}', URL_STYLE 'path', USE_SSL false)"
    )
    server.shared_fs.nop_regexes = NOP_STATEMENTS
    transforms.show_stages = show_stages_like_snowflake
    uvicorn.run(server.app, host=os.environ.get("FAKESNOW_HOST", "127.0.0.1"), port=port, log_level="warning")


if __name__ == "__main__":
    main()
