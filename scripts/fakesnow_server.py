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
import uvicorn

# Real-Snowflake statements in sql/ that fakesnow cannot run. The local stack treats exactly these as no-ops;
# everything else in sql/ runs as written.
LEADING_COMMENTS = r"(?:\s*--[^\n]*\n)*"
NOP_STATEMENTS = [
    LEADING_COMMENTS + r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?FILE\s+FORMAT\b",
]


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
    uvicorn.run(server.app, host=os.environ.get("FAKESNOW_HOST", "127.0.0.1"), port=port, log_level="warning")


if __name__ == "__main__":
    main()
