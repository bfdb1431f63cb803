-- Hard-delete tables: remembers the partition's hard deletes: for every key whose newest change in the partition is a
-- REMOVE, the tombstone takes that version unless it already holds a newer one. Reads only the partition's landing rows
-- and the tombstones (the partition filter is two equalities for the reason merge_partition.sql gives); a rerun changes
-- nothing. A tombstone may stay behind a newer live row (a re-insert): the row's own version then guards the key, and
-- the tombstone is only consulted for keys the analytics table lacks.
-- Soft-delete tables (binds 1 and 2 FALSE): the table holds the version of the state a full refresh kept for a key
-- (record_kept_versions.sql); a stream REMOVE newer than it has just replaced that state in the MERGE, so the kept
-- version moves up to it and an older REMOVE merged later cannot put an older state back. Keys without a kept version
-- get none, and the full refresh's own REMOVEs (zero sequence) never move it.
-- Binds: 1 = whether a full refresh's REMOVE counts, 2 = whether a key without a row gets one (both TRUE for hard),
--        3 = partition id, 4 = the partition's full-refresh deletes (a backfill's; else the partition id again).
MERGE INTO {{tombstones}} d
USING (
    SELECT n."_KEY", n."_EVENT_TS", n."_SEQ", n."_PARTITION", n."_NEW_KEYS"
    FROM (
        SELECT c."_KEY", c."_OP", c."_EVENT_TS", c."_SEQ", c."_PARTITION",
               ? AS "_FULL_REFRESH_COUNTS", ? AS "_NEW_KEYS"
        FROM {{landing}} c
        WHERE (c."_PARTITION" = ? OR c."_PARTITION" = ?)
        QUALIFY ROW_NUMBER() OVER (PARTITION BY c."_KEY" ORDER BY c."_EVENT_TS" DESC, c."_SEQ" DESC) = 1
    ) n
    WHERE n."_OP" = 'REMOVE' AND (n."_FULL_REFRESH_COUNTS" OR n."_SEQ" <> '0000000000000000000000000000000000000000')
) s
ON d."_KEY" = s."_KEY"
WHEN MATCHED AND (s."_EVENT_TS" > d."_VERSION_TS" OR (s."_EVENT_TS" = d."_VERSION_TS" AND s."_SEQ" > d."_VERSION_SEQ"))
    THEN UPDATE SET "_VERSION_TS" = s."_EVENT_TS", "_VERSION_SEQ" = s."_SEQ", "_PARTITION" = s."_PARTITION"
WHEN NOT MATCHED AND s."_NEW_KEYS"
    THEN INSERT ("_KEY", "_VERSION_TS", "_VERSION_SEQ", "_PARTITION") VALUES (s."_KEY", s."_EVENT_TS", s."_SEQ", s."_PARTITION")
