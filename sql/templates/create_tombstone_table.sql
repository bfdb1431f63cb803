-- <TABLE>_TOMBSTONES: the newest version at which each key was hard deleted, so merge-apply never needs the landing
-- table's history: a change older than its key's tombstone is not inserted again (DESIGN invariants 3 and 8). Kept
-- apart from the analytics table (whose users see only live items) and from the landing table (which is pruned).
-- Created from the landing table in one statement, so a deployment that predates it is seeded once, atomically, with
-- every key whose newest landed change is a REMOVE (what merge-apply used to find by ranking the whole history);
-- when the table exists, nothing runs. CREATE TABLE ... IF NOT EXISTS ... AS SELECT (CTAS):
-- https://docs.snowflake.com/en/sql-reference/sql/create-table
CREATE TABLE IF NOT EXISTS {{tombstones}} AS
SELECT CAST(n."_KEY" AS VARCHAR) AS "_KEY",
       CAST(n."_EVENT_TS" AS TIMESTAMP_NTZ) AS "_VERSION_TS",
       CAST(n."_SEQ" AS VARCHAR(40)) AS "_VERSION_SEQ",
       CAST(n."_PARTITION" AS VARCHAR) AS "_PARTITION"
FROM (
    SELECT c."_KEY", c."_OP", c."_EVENT_TS", c."_SEQ", c."_PARTITION"
    FROM {{landing}} c
    QUALIFY ROW_NUMBER() OVER (PARTITION BY c."_KEY" ORDER BY c."_EVENT_TS" DESC, c."_SEQ" DESC) = 1
) n
WHERE n."_OP" = 'REMOVE'
