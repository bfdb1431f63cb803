-- A complete snapshot is a full refresh: a live key of the analytics table that the snapshot lacks, at a version older
-- than the snapshot, was deleted while nothing streamed (the snapshot would hold it otherwise, and a later change would
-- be newer). This lands a REMOVE for each such key, versioned as the snapshot with a zero sequence, with _TTL_DELETE
-- false and the row's last state as its image, so the MERGE then applies it like any delete (soft-delete tables keep
-- that state) and the tombstones remember it: a later rerun of an older partition cannot bring the key back.
-- On a soft-delete table the rows already marked deleted at an older version get the same REMOVE (bind 6 = TRUE, run
-- after the live ones): it moves their version up to the snapshot's, so an older change merged later (a put before a
-- delete nobody streamed) cannot bring the key back either; the MERGE keeps their state, _DELETED_AT and _TTL_DELETE.
-- The rows go to their own partition id, so a reload of the snapshot (which replaces the snapshot's rows) keeps them,
-- and a rerun adds none twice.
-- Binds: 1 = snapshot version, 2 = full-refresh partition id, 3 = snapshot version, 4 = snapshot partition id,
--        5 = full-refresh partition id, 6 = FALSE for live rows, TRUE for rows already marked deleted.
INSERT INTO {{landing}} ("_KEY", {{#each columns}}{{column}}, {{/each}}"_OP", "_EVENT_TS", "_SEQ", "_TTL_DELETE",
                         "_ITEM", "_ITEM_TYPES", "_OLD_ITEM", "_PARTITION")
SELECT t."_KEY", {{#each columns}}t.{{column}}, {{/each}}'REMOVE', TO_TIMESTAMP_NTZ(?), '0000000000000000000000000000000000000000',
       FALSE, TO_JSON(t."_ITEM"), TO_JSON(t."_ITEM_TYPES"), NULL, ?
FROM {{target}} t
WHERE t."_VERSION_TS" < TO_TIMESTAMP_NTZ(?)
  AND NOT EXISTS (SELECT 1 FROM {{landing}} s WHERE s."_PARTITION" = ? AND s."_KEY" = t."_KEY")
  AND NOT EXISTS (SELECT 1 FROM {{landing}} r WHERE r."_PARTITION" = ? AND r."_KEY" = t."_KEY")
  AND (t."_OP" = 'REMOVE') = ?
