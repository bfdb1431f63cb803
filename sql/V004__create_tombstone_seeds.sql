-- Which tables' tombstones (<TABLE>_TOMBSTONES, the version of every hard-deleted key, which merge-apply reads instead
-- of the landing table's history) were seeded from their landing table. A deployment that predates the tombstones
-- has its hard deletes only in the landing table; the first merge-apply or prune of each table copies them over, in
-- its own transaction, and records it here, so it happens once and always before prune may delete a landing row.
CREATE TABLE IF NOT EXISTS "DDB2SF_TOMBSTONE_SEEDS" (
    "TOMBSTONE_TABLE" VARCHAR NOT NULL,
    "TOMBSTONES"      NUMBER(38, 0) NOT NULL,
    "SEEDED_AT"       TIMESTAMP_NTZ NOT NULL
);
