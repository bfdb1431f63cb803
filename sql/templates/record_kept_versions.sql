-- Soft-delete tables only, before the MERGE of a full refresh: for each key the full refresh is about to mark deleted,
-- remembers in <TABLE>_TOMBSTONES the version of the state the row will keep (merge-apply writes no hard-delete
-- tombstones for a soft-delete table, whose rows guard their deleted keys themselves). The full refresh cannot know when,
-- between that version and the snapshot, the item was deleted or what it last held; a stream REMOVE of the key newer
-- than that version, merged later, knows both, and the MERGE lets it replace the kept state (merge_partition.sql).
-- So the row ends the same whichever of the snapshot and the hour holding that REMOVE is merged first.
-- Binds: 1 = full-refresh partition id.
MERGE INTO {{tombstones}} d
USING (
    SELECT t."_KEY", t."_VERSION_TS", t."_VERSION_SEQ", r."_PARTITION"
    FROM {{landing}} r
    JOIN {{target}} t ON t."_KEY" = r."_KEY"
    WHERE r."_PARTITION" = ?
      AND (t."_VERSION_TS" < r."_EVENT_TS" OR (t."_VERSION_TS" = r."_EVENT_TS" AND t."_VERSION_SEQ" < r."_SEQ"))
) s
ON d."_KEY" = s."_KEY"
WHEN MATCHED AND (s."_VERSION_TS" > d."_VERSION_TS" OR (s."_VERSION_TS" = d."_VERSION_TS" AND s."_VERSION_SEQ" > d."_VERSION_SEQ"))
    THEN UPDATE SET "_VERSION_TS" = s."_VERSION_TS", "_VERSION_SEQ" = s."_VERSION_SEQ", "_PARTITION" = s."_PARTITION"
WHEN NOT MATCHED
    THEN INSERT ("_KEY", "_VERSION_TS", "_VERSION_SEQ", "_PARTITION")
    VALUES (s."_KEY", s."_VERSION_TS", s."_VERSION_SEQ", s."_PARTITION")
