"""merge-apply's two statements (sql/templates/merge_partition.sql, merge_tombstones.sql) for one partition of 10,000
rows against landing tables with 10k and 1.5M rows of history, against the same statements over a landing table that
holds only the partition (the bare baseline), and the merge before the tombstones (read from git), run in-process on
fakesnow's DuckDB engine: no HTTP server in between, so the figures are the SQL's own cost. CPU seconds of this
process, best of ROUNDS, the analytics table and tombstones emptied before each run.
    .venv/bin/python bench/merge-history-engine.py [ROUNDS] [HISTORY ...]   (default: 5 10000 300000 1500000)
"""
import re
import subprocess
import sys
import time
from pathlib import Path

import fakesnow
import snowflake.connector

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import fakesnow_server  # noqa: E402  (the local stack's stand-ins, as its server runs the statements)

fakesnow_server.install_statement_stand_ins()
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
sizes = [int(a) for a in sys.argv[2:]] or [10_000, 300_000, 1_500_000]


def render(text: str, landing: str) -> str:
    text = re.sub(r"(?s)\{\{#each columns}}(.*?)\{\{/each}}", r"\1", text).replace("{{column}}", '"PK"')
    pk = "\n".join(line for line in template("item_value_s").split("\n") if not line.startswith("--")).strip()
    text = text.replace("{{from_item}}", pk.replace("{{attribute}}", "'pk'"))
    text = text.replace("{{landing}}", landing).replace("{{tombstones}}", "D").replace("{{target}}", "T")
    return "\n".join(line for line in text.split("\n") if not line.startswith("--"))


def template(name: str) -> str:
    return (ROOT / "sql" / "templates" / f"{name}.sql").read_text()


added = subprocess.run(["git", "log", "--format=%H", "--diff-filter=A", "-1", "--", "sql/templates/merge_tombstones.sql"],
                       cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
before = subprocess.run(["git", "show", f"{added}~1:sql/templates/merge_partition.sql"], cwd=ROOT, capture_output=True,
                        text=True, check=True).stdout

# Partition ids as ddb2sf writes them (<table>/dt=.../hour=..., <table>/backfill=...) share a prefix longer than the 8
# bytes of a string that DuckDB's row-group min/max keeps, as these do: no row group of history is skipped by them.
NOW = "bench_merge/now"
LANDING = ('("_KEY" varchar, "PK" varchar, "_OP" varchar, "_EVENT_TS" timestamp_ntz, "_SEQ" varchar(40),'
           ' "_TTL_DELETE" boolean, "_ITEM" varchar, "_ITEM_TYPES" varchar, "_OLD_ITEM" varchar, "_PARTITION" varchar)')


def changes(table: str, count: int, start: str, keys: int, partition: str, remove_every: int) -> str:
    return (f"insert into {table} select 'k' || mod(seq8() * 7, {keys}), 'k', iff(mod(seq8(), {remove_every}) = 0,"
            f" 'REMOVE', 'MODIFY'), dateadd(second, seq8(), '{start}'::timestamp_ntz), lpad(to_varchar(seq8()), 40, '0'),"
            f" false, '{{\"a\":1}}', '{{}}', null, {partition} from table(generator(rowcount => {count}))")


with fakesnow.patch():
    c = snowflake.connector.connect(database="DB", schema="S", paramstyle="qmark")
    cur = c.cursor()
    cur.execute('create table D ("_KEY" varchar, "_VERSION_TS" timestamp_ntz, "_VERSION_SEQ" varchar(40), "_PARTITION" varchar)')
    cur.execute('create table T ("_KEY" varchar, "PK" varchar, "_ITEM" variant, "_ITEM_TYPES" variant,'
                ' "_VERSION_TS" timestamp_ntz, "_VERSION_SEQ" varchar(40), "_OP" varchar, "_DELETED_AT" timestamp_ntz,'
                ' "_TTL_DELETE" boolean, "_PARTITION" varchar)')
    print(f"{'history':<10} {'ddb2sf cpu-s':<13} {'bare cpu-s':<11} {'ratio':<6} {'before cpu-s':<13} before/bare")
    for n in sizes:
        cur.execute(f"create or replace table L {LANDING}")
        cur.execute(f"create or replace table P {LANDING}")
        cur.execute(changes("L", n, "2026-01-01", 20_000, "'bench_merge/hour=' || to_varchar(floor(seq8() / 10000))", 20))
        for t in ("L", "P"):
            cur.execute(changes(t, 10_000, "2027-01-01", 30_000, "'bench_merge/now'", 10))

        def cost(statements) -> float:
            best = 9.0
            for _ in range(rounds):
                cur.execute("delete from T")
                cur.execute("delete from D")
                t0 = time.process_time()
                for sql, params in statements:
                    cur.execute(sql, params).fetchall()
                best = min(best, time.process_time() - t0)
            return best

        def ours(landing: str):
            return [(render(template("merge_partition"), landing), ("HARD", NOW, NOW)),
                    (render(template("merge_tombstones"), landing), (True, True, NOW, NOW))]

        a, b = cost(ours("L")), cost(ours("P"))
        x = cost([(render(before, "L"), ("HARD", NOW, NOW))])
        print(f"{n:<10} {a:<13.3f} {b:<11.3f} {a / b:<6.2f} {x:<13.3f} {x / b:.2f}")
