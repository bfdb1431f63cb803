"""Runs the fakesnow server for the local stack, with DuckDB able to read the local S3 server.

Usage: fakesnow_server.py PORT   (S3_ENDPOINT in the environment, e.g. http://127.0.0.1:4566; FAKESNOW_HOST to
listen on another address than loopback, as in docker/compose.yaml)

Besides fakesnow itself, this launcher makes the local stack behave as Snowflake documents for transactions
(https://docs.snowflake.com/en/sql-reference/transactions, "Aborting transactions" and "Resource locking"):
- a session's open transaction is listed by SHOW TRANSACTIONS (id, user, session, name, started_on, state, scope,
  https://docs.snowflake.com/en/sql-reference/sql/show-transactions) with the name BEGIN TRANSACTION NAME gave it
  (https://docs.snowflake.com/en/sql-reference/sql/begin); CURRENT_TRANSACTION() returns its id;
- a client that dies inside a transaction leaves it detached: it stays open and keeps its locks until
  SELECT SYSTEM$ABORT_TRANSACTION(<id>) rolls it back
  (https://docs.snowflake.com/en/sql-reference/functions/system_abort_transaction), or until it has blocked another
  statement while idle for 5 minutes (FAKESNOW_DETACHED_ABORT_SECONDS, default 300), as Snowflake does;
- UPDATE, DELETE and MERGE lock their table until the transaction ends; a statement that needs a lock another
  transaction holds waits for it, up to the session's LOCK_TIMEOUT (default 43200 s), instead of failing at once
  with a DuckDB write conflict;
- NUMBER(38,0) (and NUMBER without precision) keeps 38 digits instead of becoming a 64-bit BIGINT;
For tests it also keeps a statement log (GET /ddb2sf/statements?after=N) and can hold the response to the next
statement matching a pattern (POST /ddb2sf/hold {"match": regex, "seconds": n}, POST /ddb2sf/release {"hold": id}),
so a test can kill a client at a named point and see where the kill landed.
"""

import asyncio
import importlib
import gzip
import itertools
import json
import os
import re
import sys
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import duckdb
import duckdb_extension_httpfs
import fakesnow.checks as fakesnow_checks
import fakesnow.cursor as fakesnow_cursor
import fakesnow.macros as fakesnow_macros
import fakesnow.server as server
import fakesnow.transforms as fakesnow_transforms
import sqlglot
import uvicorn
from sqlglot import exp, parse_one
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

# Real-Snowflake statements in sql/ that fakesnow cannot run. The local stack treats exactly these as no-ops;
# everything else in sql/ runs as written.
LEADING_COMMENTS = r"(?:\s*--[^\n]*\n)*"
NOP_STATEMENTS = [
    LEADING_COMMENTS + r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?FILE\s+FORMAT\b",
]

LEAD = r"^" + LEADING_COMMENTS + r"\s*"
END = r"\s*;?\s*$"
BEGIN_RE = re.compile(LEAD + r"(?:BEGIN|START)(?:\s+(?:WORK|TRANSACTION))?(?:\s+NAME\s+(\"(?:[^\"]|\"\")+\"|[\w$]+))?" + END, re.I)
END_RE = re.compile(LEAD + r"(COMMIT|ROLLBACK)(?:\s+WORK)?" + END, re.I)
SHOW_TRANSACTIONS_RE = re.compile(LEAD + r"SHOW\s+TRANSACTIONS(?:\s+IN\s+ACCOUNT)?" + END, re.I)
ABORT_RE = re.compile(LEAD + r"SELECT\s+SYSTEM\$ABORT_TRANSACTION\s*\(\s*(\?|-?\d+)\s*\)" + END, re.I)
CURRENT_TRANSACTION_RE = re.compile(LEAD + r"SELECT\s+CURRENT_TRANSACTION\s*\(\s*\)" + END, re.I)

DETACHED_ABORT_SECONDS = float(os.environ.get("FAKESNOW_DETACHED_ABORT_SECONDS", "300"))
DEFAULT_LOCK_TIMEOUT = 43200.0
SHOWN_PARAMETERS = {"AUTOCOMMIT", "LOCK_TIMEOUT", "ABORT_DETACHED_QUERY", "QUERY_TAG", "TIMEZONE"}


@dataclass
class Tx:
    id: int
    name: str
    started_on: datetime
    locks: set = field(default_factory=set)


@dataclass
class Session:
    id: int
    token: str
    lock_timeout: float
    tx: Tx | None = None
    busy: bool = False
    last_active: float = field(default_factory=time.monotonic)
    aborted: int | None = None  # id of this session's transaction that another session aborted


sessions: dict[str, Session] = {}
locks: dict[tuple, str] = {}  # table -> token of the session whose transaction holds its lock
log: deque = deque(maxlen=50_000)
seq = itertools.count(1)
session_ids = itertools.count(1001)
tx_counter = itertools.count(1)
holds: dict[int, dict] = {}
hold_ids = itertools.count(1)

original_query = server.query_request
original_login = server.login_request
original_session = server.session


def record(s: Session, event: str, sql: str, **extra: Any) -> None:
    log.append({
        "seq": next(seq), "at": time.time(), "session": s.id, "event": event,
        "transaction": s.tx.id if s.tx else None, "name": s.tx.name if s.tx else None,
        "sql": re.sub(LEAD, "", sql, count=1).strip()[:300], **extra,
    })


def open_tx(s: Session, name: str | None) -> Tx:
    tx_id = int(time.time() * 1000) * 1_000_000 + next(tx_counter) % 1_000_000
    s.tx = Tx(tx_id, name or str(uuid.uuid4()), datetime.now(timezone.utc))
    return s.tx


def close_tx(s: Session) -> None:
    if s.tx:
        for table in s.tx.locks:
            if locks.get(table) == s.token:
                del locks[table]
    s.tx = None


def rollback(conn: Any) -> None:
    try:
        conn._duck_conn.rollback()  # noqa: SLF001
    except duckdb.Error:
        pass  # nothing open at the DuckDB level
    conn._in_transaction = False  # noqa: SLF001


async def abort(tx_id: int) -> bool:
    target = next((s for s in sessions.values() if s.tx and s.tx.id == tx_id), None)
    if target is None:
        return False
    while target.busy:  # a statement still running in it finishes first, then everything is rolled back
        await asyncio.sleep(0.02)
    if target.tx is None or target.tx.id != tx_id:
        return False
    if (conn := server.sessions.get(target.token)) is not None:
        await run_in_threadpool(rollback, conn)
    record(target, "aborted", "")
    target.aborted = tx_id
    close_tx(target)
    return True


def locked_table(sql: str, conn: Any) -> tuple | None:
    """The table an UPDATE, DELETE or MERGE locks (Snowflake: Transactions, "Resource locking")."""
    if not re.match(LEAD + r"(UPDATE|DELETE|MERGE)\b", sql, re.I):
        return None
    try:
        e = parse_one(sql, read="snowflake")
    except Exception:  # noqa: BLE001
        return None
    t = e.this if isinstance(e, (exp.Update, exp.Delete, exp.Merge)) else None
    if not isinstance(t, exp.Table):
        return None

    def part(ident: Any, default: str | None) -> str | None:
        if not isinstance(ident, exp.Identifier):
            return default
        return ident.this if ident.quoted else ident.this.upper()

    return (part(t.args.get("catalog"), conn.database), part(t.args.get("db"), conn.schema), part(t.this, None))


def error(code: str, message: str, state: str = "57014") -> JSONResponse:
    return JSONResponse({"data": {"errorCode": code, "sqlState": state}, "code": code, "message": message,
                         "success": False})


def with_sql(request: Request, body: dict, sql: str, gz: bool) -> None:
    body = {**body, "sqlText": sql, "bindings": None}
    raw = json.dumps(body).encode()
    request._body = gzip.compress(raw) if gz else raw  # noqa: SLF001


def literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, (int, float)):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def show_transactions_sql() -> str:
    # The columns of SHOW TRANSACTIONS, in Snowflake's order and lower case.
    head = ('SELECT CAST(NULL AS BIGINT) AS "id", CAST(NULL AS VARCHAR) AS "user", CAST(NULL AS BIGINT) AS "session", '
            'CAST(NULL AS VARCHAR) AS "name", CAST(NULL AS TIMESTAMP) AS "started_on", CAST(NULL AS VARCHAR) AS "state", '
            'CAST(NULL AS BIGINT) AS "scope" WHERE FALSE')
    rows = [
        f"SELECT {s.tx.id}, 'FAKESNOW', {s.id}, {literal(s.tx.name)}, "
        f"CAST('{s.tx.started_on.strftime('%Y-%m-%d %H:%M:%S.%f')}' AS TIMESTAMP), 'running', 0"
        for s in sessions.values() if s.tx
    ]
    return " UNION ALL ".join([head, *rows])


async def wait_for_lock(s: Session, table: tuple, sql: str) -> JSONResponse | None:
    deadline = time.monotonic() + s.lock_timeout
    waited = False
    while (holder := locks.get(table)) is not None and holder != s.token:
        h = sessions.get(holder)
        if h is None or h.tx is None:
            del locks[table]
            continue
        if not waited:
            record(s, "waiting", sql, holder=h.id, holderTransaction=h.tx.id)
            waited = True
        if not h.busy and time.monotonic() - h.last_active >= DETACHED_ABORT_SECONDS:
            # Snowflake aborts a transaction that blocks another one while idle for 5 minutes.
            await abort(h.tx.id)
            continue
        if time.monotonic() >= deadline:
            record(s, "lock-timeout", sql, holder=h.id)
            return error("000625", f"Statement waited for the lock on table {'.'.join(map(str, table))} held by "
                         f"transaction {h.tx.id} longer than LOCK_TIMEOUT ({s.lock_timeout:g} s) and was aborted.")
        await asyncio.sleep(0.05)
    return None


async def query_request(request: Request) -> JSONResponse:
    token = (request.headers.get("Authorization") or "")[17:-1]
    conn = server.sessions.get(token)
    s = sessions.get(token)
    if conn is None or s is None:
        return await original_query(request)
    gz = request.headers.get("Content-Encoding") == "gzip"
    raw = await request.body()
    body = json.loads(gzip.decompress(raw) if gz else raw)
    sql = body.get("sqlText") or ""
    describe = bool(body.get("describeOnly"))

    if s.aborted is not None and not describe:
        if END_RE.match(sql) and END_RE.match(sql).group(1).upper() == "ROLLBACK":
            s.aborted = None
        else:
            record(s, "failed", sql, error="transaction aborted")
            return error("000615", f"Transaction '{s.aborted}' was aborted, SQL execution canceled.")

    if m := BEGIN_RE.match(sql):
        # fakesnow's server cannot answer BEGIN itself (it describes the statement it ran); run it here. A BEGIN
        # inside an open transaction is ignored, as on Snowflake.
        if not describe and s.tx is None:
            await run_in_threadpool(lambda: conn.cursor().execute("BEGIN TRANSACTION"))
            name = m.group(1)
            open_tx(s, None if name is None else name[1:-1].replace('""', '"') if name.startswith('"') else name.upper())
        with_sql(request, body, "SELECT 'Statement executed successfully.' AS \"status\"", gz)
    elif SHOW_TRANSACTIONS_RE.match(sql):
        with_sql(request, body, show_transactions_sql(), gz)
    elif CURRENT_TRANSACTION_RE.match(sql):
        current = literal(str(s.tx.id) if s.tx else None)
        with_sql(request, body, f'SELECT CAST({current} AS VARCHAR) AS "CURRENT_TRANSACTION()"', gz)
    elif m := ABORT_RE.match(sql):
        result = None
        if not describe:
            arg = m.group(1)
            tx_id = int(body["bindings"]["1"]["value"]) if arg == "?" else int(arg)
            aborted = await abort(tx_id)
            result = f"Aborted transaction {tx_id}." if aborted else f"Transaction {tx_id} is not running."
        with_sql(request, body, f'SELECT CAST({literal(result)} AS VARCHAR) AS "SYSTEM$ABORT_TRANSACTION"', gz)
    elif not describe and (table := locked_table(sql, conn)) is not None:
        if (refused := await wait_for_lock(s, table, sql)) is not None:
            return refused
        if s.tx is None and not conn._autocommit:  # noqa: SLF001
            open_tx(s, None)  # the implicit transaction this DML starts (AUTOCOMMIT off)
        locks[table] = s.token
        if s.tx:
            s.tx.locks.add(table)

    if describe:
        return await original_query(request)

    record(s, "run", sql)
    s.busy = True
    try:
        response = await original_query(request)
    finally:
        s.busy = False
        s.last_active = time.monotonic()
    ok = json.loads(response.body).get("success", False)
    if (m := END_RE.match(sql)) or (not conn._autocommit and s.tx and not conn._in_transaction):  # noqa: SLF001
        close_tx(s)  # COMMIT, ROLLBACK, or DDL that committed implicitly
    elif s.tx is None and not conn._autocommit and conn._in_transaction:  # noqa: SLF001
        open_tx(s, None)
    if s.tx is None:
        for table in [t for t, holder in locks.items() if holder == s.token]:
            del locks[table]  # an autocommitted statement's lock ends with it
    record(s, "done" if ok else "failed", sql)
    if ok:
        await hold_if_asked(s, sql)
    return response


async def hold_if_asked(s: Session, sql: str) -> None:
    for hold_id, h in list(holds.items()):
        if h["session"] is None and time.monotonic() > h["expires"]:
            holds.pop(hold_id, None)  # a hold nothing matched in its time lapses, so it cannot catch a later test
        elif h["session"] is None and re.search(h["match"], sql, re.I | re.S):
            h["session"] = s.id
            record(s, "held", sql, hold=hold_id)
            deadline = time.monotonic() + h["seconds"]
            while not h["released"] and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            holds.pop(hold_id, None)
            return


async def login_request(request: Request) -> JSONResponse:
    raw = await request.body()
    body = json.loads(gzip.decompress(raw) if request.headers.get("Content-Encoding") == "gzip" else raw)
    params = body["data"].get("SESSION_PARAMETERS") or {}
    lock_timeout = next((float(v) for k, v in params.items() if k.upper() == "LOCK_TIMEOUT"), DEFAULT_LOCK_TIMEOUT)
    response = await original_login(request)
    token = json.loads(response.body)["data"]["token"]
    sessions[token] = Session(next(session_ids), token, lock_timeout)
    record(sessions[token], "login", "", parameters={k: v for k, v in params.items() if k.upper() in SHOWN_PARAMETERS})
    return response


async def session_request(request: Request) -> JSONResponse:
    # Snowflake rolls back the open transaction of a session that is closed.
    token = (request.headers.get("Authorization") or "")[17:-1]
    if request.query_params.get("delete") and (s := sessions.get(token)) and s.tx:
        if (conn := server.sessions.get(token)) is not None:
            await run_in_threadpool(rollback, conn)
        close_tx(s)
    response = await original_session(request)
    if request.query_params.get("delete"):
        sessions.pop(token, None)
    return response


async def statements(request: Request) -> JSONResponse:
    after = int(request.query_params.get("after", "0"))
    return JSONResponse({"statements": [e for e in log if e["seq"] > after]})


async def hold(request: Request) -> JSONResponse:
    body = await request.json()
    hold_id = next(hold_ids)
    seconds = float(body.get("seconds", 60))
    holds[hold_id] = {"match": body["match"], "seconds": seconds, "expires": time.monotonic() + seconds,
                      "released": False, "session": None}
    return JSONResponse({"hold": hold_id})


async def release(request: Request) -> JSONResponse:
    body = await request.json()
    if (h := holds.get(int(body["hold"]))) is not None:
        h["released"] = True
    return JSONResponse({"released": h is not None})


def integer_precision(expression: Any) -> Any:
    """NUMBER(38,0) holds 38 digits on Snowflake (https://docs.snowflake.com/en/sql-reference/data-types-numeric);
    fakesnow stores it as BIGINT, which fails a COPY of any value beyond 2^63. Keep it DECIMAL(38,0) (DuckDB's
    HUGEINT-backed decimal); the INT family stays BIGINT as fakesnow has it."""
    if (isinstance(expression, exp.DataType) and expression.this == exp.DataType.Type.DECIMAL
            and (not expression.expressions or expression.expressions == fakesnow_transforms.transforms.NUMBER_38_0)):
        return exp.DataType.build("DECIMAL(38, 0)")
    return original_integer_precision(expression)


original_integer_precision = fakesnow_transforms.integer_precision


def app() -> Starlette:
    fakesnow_transforms.integer_precision = integer_precision
    replaced = {
        "/queries/v1/query-request": query_request,
        "/session/v1/login-request": login_request,
        "/session": session_request,
    }
    routes = [Route(r.path, replaced[r.path], methods=list(r.methods or [])) if r.path in replaced else r
              for r in server.routes]
    routes += [
        Route("/ddb2sf/statements", statements, methods=["GET"]),
        Route("/ddb2sf/hold", hold, methods=["POST"]),
        Route("/ddb2sf/release", release, methods=["POST"]),
    ]
    return Starlette(routes=routes)


# --- SHOW STAGES as Snowflake scopes it (a separate stand-in; nothing above depends on it) ---------------------------
# fakesnow ignores LIKE and, without IN, lists only the current schema. Snowflake filters names with LIKE
# (case-insensitive, % and _), and without IN lists the whole current database, showing objects of the same name in
# different schemas only once (SHOW STAGES, "IN ...", https://docs.snowflake.com/en/sql-reference/sql/show-stages).
# Which of the same-named stages Snowflake shows is not documented; this shows the first by schema name.
_fakesnow_show_stages = fakesnow_transforms.show_stages


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


# --- TRY_BASE64_DECODE_BINARY (a separate stand-in) ------------------------------------------------------------------
# DuckDB has no such function. Snowflake's decodes standard base64 to BINARY and returns NULL where the input is not
# base64 (https://docs.snowflake.com/en/sql-reference/functions/try_base64_decode_binary); the typed-column fill
# (sql/templates/item_value_b.sql) uses it. A macro in every database fakesnow creates, next to fakesnow's own.
_fakesnow_macros = fakesnow_macros.creation_sql


def macros_with_snowflake_functions(catalog: str) -> str:
    return _fakesnow_macros(catalog) + f"""
        CREATE OR REPLACE MACRO {catalog}.main.try_base64_decode_binary(s) AS
            CASE WHEN regexp_full_match(s, '([A-Za-z0-9+/]{{4}})*([A-Za-z0-9+/]{{2}}==|[A-Za-z0-9+/]{{3}}=)?')
                 THEN from_base64(s) END;
    """


# --- MERGE with source columns inside expressions (a separate stand-in) ----------------------------------------------
# fakesnow runs a MERGE as a temporary table of candidates plus one statement per WHEN clause, and copies into the
# candidates only the source columns that appear bare in an UPDATE SET or INSERT VALUES (or in ON). Snowflake takes any
# expression over the source row there (MERGE, matchedClause and notMatchedClause:
# https://docs.snowflake.com/en/sql-reference/sql/merge); merge_partition.sql sets a typed column to
# COALESCE(s."COL", <its value from s."_ITEM">). This carries every source column a WHEN clause names.
# (the module by name: fakesnow.transforms re-exports its merge function under the module's name)
fakesnow_merge = importlib.import_module("fakesnow.transforms.merge")
_fakesnow_merge_candidates = fakesnow_merge._create_merge_candidates


def merge_candidates_with_every_source_column(merge_expr: exp.Merge) -> sqlglot.Expr:
    created = _fakesnow_merge_candidates(merge_expr)
    select = created.find(exp.Select)
    source = merge_expr.args["using"]
    alias = source.args.get("alias") if isinstance(source, (exp.Subquery, exp.Values)) else None
    source_id = alias.this if alias is not None else source.this
    carried = {str(e) for e in select.expressions}
    for when in merge_expr.args["whens"]:
        for column in when.find_all(exp.Column):
            table = column.args.get("table")
            if isinstance(table, exp.Identifier) and fakesnow_checks.equal(table, source_id) and str(column) not in carried:
                select.set("expressions", [column.copy(), *select.expressions])
                carried.add(str(column))
    return created


# --- DESCRIBE of a result that reads a key holding a quote (a separate stand-in) --------------------------------------
# fakesnow describes every result by parsing "DESCRIBE <the DuckDB SQL it ran>" again with sqlglot, which cannot read
# a JSON path whose key holds a quote (x -> 'it''s "quoted" name': "Error tokenizing"), so every SELECT that reads such
# an attribute of a VARIANT fails after it ran. Snowflake reads it: a key in bracket notation is any string literal
# (Querying semi-structured data, https://docs.snowflake.com/en/user-guide/querying-semistructured); the misfit counts
# (sql/templates/count_merge_misfits.sql, count_fill_misfits.sql) do. Where sqlglot cannot, DuckDB describes it.
_fakesnow_describe_last_sql = fakesnow_cursor.FakeSnowflakeCursor._describe_last_sql


def describe_last_sql_with_quoted_keys(self: Any) -> list:
    try:
        return _fakesnow_describe_last_sql(self)
    except sqlglot.errors.TokenError:
        return self._duck_conn.execute(f"DESCRIBE {self._last_sql}", self._last_params).fetchall()


def install_statement_stand_ins() -> None:
    """The stand-ins above that change how fakesnow runs a statement (also used by bench/merge-history-engine.py, which
    runs fakesnow in-process)."""
    fakesnow_transforms.show_stages = show_stages_like_snowflake
    fakesnow_macros.creation_sql = macros_with_snowflake_functions
    fakesnow_merge._create_merge_candidates = merge_candidates_with_every_source_column
    fakesnow_cursor.FakeSnowflakeCursor._describe_last_sql = describe_last_sql_with_quoted_keys


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
    install_statement_stand_ins()
    uvicorn.run(app(), host=os.environ.get("FAKESNOW_HOST", "127.0.0.1"), port=port, log_level="warning")


if __name__ == "__main__":
    main()
