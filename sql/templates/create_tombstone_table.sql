-- <TABLE>_TOMBSTONES: the newest version at which each key was hard deleted, so merge-apply never needs the landing
-- table's history: a change older than its key's tombstone is not inserted again (DESIGN invariants 3 and 8). Kept
-- apart from the analytics table (whose users see only live items) and from the landing table (which is pruned).
-- A deployment that predates it fills it once from the landing table (seed_tombstones.sql).
-- On a soft-delete table (whose rows guard their deleted keys themselves) it holds instead, for each key a full refresh
-- marked deleted, the version of the state the row keeps (record_kept_versions.sql).
CREATE TABLE IF NOT EXISTS {{tombstones}} (
    "_KEY"         VARCHAR NOT NULL PRIMARY KEY,
    "_VERSION_TS"  TIMESTAMP_NTZ NOT NULL,
    "_VERSION_SEQ" VARCHAR(40) NOT NULL,
    "_PARTITION"   VARCHAR NOT NULL
)
