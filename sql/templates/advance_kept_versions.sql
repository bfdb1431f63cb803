-- Soft-delete tables only, after the MERGE of a partition: a stream REMOVE newer than a key's kept version (see
-- record_kept_versions.sql) has just replaced the state the full refresh kept, so the kept version moves up to it, and
-- an older REMOVE merged later cannot put an older state back. Keys without a kept version get none (a soft-delete
-- row's own version guards it); the full refresh's own REMOVEs (zero sequence) never move it.
-- Binds: 1 = partition id.
MERGE INTO {{tombstones}} d
USING (
    SELECT n."_KEY", n."_EVENT_TS", n."_SEQ", n."_PARTITION"
    FROM (
        SELECT c."_KEY", c."_OP", c."_EVENT_TS", c."_SEQ", c."_PARTITION"
        FROM {{landing}} c
        WHERE c."_PARTITION" = ?
        QUALIFY ROW_NUMBER() OVER (PARTITION BY c."_KEY" ORDER BY c."_EVENT_TS" DESC, c."_SEQ" DESC) = 1
    ) n
    WHERE n."_OP" = 'REMOVE' AND n."_SEQ" <> '0000000000000000000000000000000000000000'
) s
ON d."_KEY" = s."_KEY"
WHEN MATCHED AND (s."_EVENT_TS" > d."_VERSION_TS" OR (s."_EVENT_TS" = d."_VERSION_TS" AND s."_SEQ" > d."_VERSION_SEQ"))
    THEN UPDATE SET "_VERSION_TS" = s."_EVENT_TS", "_VERSION_SEQ" = s."_SEQ", "_PARTITION" = s."_PARTITION"
