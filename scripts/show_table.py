"""Prints rows of a Snowflake table on the local stack (fakesnow), for the demo and for incident drills.

Usage: show_table.py PORT DATABASE SCHEMA SQL
"""

import sys

import snowflake.connector

# Result column type codes of the Snowflake connector (snowflake.connector.constants.FIELD_TYPES) for timestamps:
# TIMESTAMP, TIMESTAMP_LTZ, TIMESTAMP_TZ, TIMESTAMP_NTZ.
TIMESTAMP_TYPES = {4, 6, 7, 8}


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def main() -> None:
    port, database, schema, sql = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    conn = snowflake.connector.connect(
        user="ddb2sf", password="local", account="fakesnow", host="127.0.0.1", port=int(port), protocol="http",
        database=database, schema=schema, network_timeout=30,
    )
    cur = conn.cursor()
    cur.execute(sql)
    names = [d[0] for d in cur.description]
    timestamps = [d.type_code in TIMESTAMP_TYPES for d in cur.description]
    if any(timestamps) and len(set(names)) == len(names):
        # fakesnow sends timestamp columns without their null mask, so the connector reads a NULL timestamp as
        # 1970-01-01 00:00:00; a NULL cast to text stays NULL. Real Snowflake sends the NULL itself.
        columns = ", ".join(
            f"TO_VARCHAR({quoted(n)}) AS {quoted(n)}" if ts else quoted(n) for n, ts in zip(names, timestamps)
        )
        cur.execute(f"SELECT {columns} FROM ({sql.strip().rstrip(';')})")
    rows = cur.fetchall()
    widths = [min(60, max([len(n)] + [len(show(r[i])) for r in rows])) for i, n in enumerate(names)]
    print(" | ".join(n.ljust(w) for n, w in zip(names, widths)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(show(v)[:w].ljust(w) for v, w in zip(r, widths)))
    print(f"({len(rows)} rows)")


def show(value: object) -> str:
    return "NULL" if value is None else str(value)


if __name__ == "__main__":
    main()
