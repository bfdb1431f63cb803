"""Prints rows of a Snowflake table on the local stack (fakesnow), for the demo and for incident drills.

Usage: show_table.py PORT DATABASE SCHEMA SQL
"""

import sys

import snowflake.connector


def main() -> None:
    port, database, schema, sql = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    conn = snowflake.connector.connect(
        user="ddb2sf", password="local", account="fakesnow", host="127.0.0.1", port=int(port), protocol="http",
        database=database, schema=schema, network_timeout=30,
    )
    cur = conn.cursor()
    cur.execute(sql)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    widths = [min(60, max([len(n)] + [len(str(r[i])) for r in rows])) for i, n in enumerate(names)]
    print(" | ".join(n.ljust(w) for n, w in zip(names, widths)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(str(v)[:w].ljust(w) for v, w in zip(r, widths)))
    print(f"({len(rows)} rows)")


if __name__ == "__main__":
    main()
