-- Applies the newest change of every key the partition touched. It reads only the partition's landing rows, the
-- analytics table and the tombstones (<TABLE>_TOMBSTONES, the version of every hard-deleted key), never the landing
-- table's history, so its cost does not grow with it and the landing table can be pruned (DESIGN invariant 8).
-- The version guard (event time, then sequence number) applies a change only over an older row, and a change older
-- than its key's tombstone is dropped from the source (it can never be the key's final state: the REMOVE that made the
-- tombstone is newer): partitions merged out of order, reruns and backfill/stream overlaps converge on the source's
-- state, and an older change never brings a deleted key back, whatever the landing table still holds.
-- On Snowflake the "_PARTITION" filter reads only the partition's micro-partitions: the landing table is loaded one
-- partition at a time, and every micro-partition's metadata holds each column's range of values, which queries prune
-- by (https://docs.snowflake.com/en/user-guide/tables-clustering-micropartitions). The filter is two equalities, not
-- IN (?, ?): the same test ([ NOT ] IN, https://docs.snowflake.com/en/sql-reference/functions/in), but DuckDB (the
-- local stack's engine) evaluates equalities inside the table scan and reads the other columns only for the partition's
-- rows, where it reads every column of every landing row before filtering an IN list of bind parameters.
-- A soft delete keeps the item's last state: a REMOVE row carries the deleted item as its image, and the row takes it
-- like any other change (a REMOVE without an image keeps what the row held). A REMOVE over a row already marked
-- deleted (a full refresh moving its version up, insert_full_refresh_removes.sql) keeps its _DELETED_AT and
-- _TTL_DELETE: the item was deleted then. A full refresh's REMOVE (zero sequence) cannot know what the item last held
-- nor when it went; a stream REMOVE of the key that is older than the full refresh but newer than the state it kept
-- (its version in the tombstones, record_kept_versions.sql) does, and gives the row its image, _DELETED_AT and
-- _TTL_DELETE, the version staying the snapshot's: so the row ends the same whichever is merged first. Snowflake takes
-- any number of WHEN MATCHED [AND <case_predicate>] clauses (MERGE, https://docs.snowflake.com/en/sql-reference/sql/merge);
-- these clauses' conditions exclude each other, so their order does not matter.
-- A typed column a landing row lacks (its partition was staged before the column was added: COPY leaves a column the
-- files do not have NULL) takes its value from the row's item, typed as the export types it (from_item, the
-- item_value_* templates): the typed value is NULL only when the export's would be, so a partition staged before a
-- column change and merged (or rerun) after it leaves the row as a partition staged after it would.
-- Binds: 1 = delete mode (HARD or SOFT), 2 = partition id, 3 = the partition's full-refresh deletes (a backfill's; else
-- the partition id again).
MERGE INTO {{target}} t
USING (
    SELECT n.* FROM (
        SELECT
            c."_KEY",
{{#each columns}}            c.{{column}},
{{/each}}            c."_OP", c."_EVENT_TS", c."_SEQ", c."_TTL_DELETE", c."_PARTITION",
            PARSE_JSON(c."_ITEM") AS "_ITEM",
            PARSE_JSON(c."_ITEM_TYPES") AS "_ITEM_TYPES",
            IFF(c."_OP" = 'REMOVE', c."_EVENT_TS", NULL) AS "_DELETED_AT",
            ? AS "_DELETE_MODE",
            IFF(d."_KEY" IS NOT NULL AND (d."_VERSION_TS" > c."_EVENT_TS"
                OR (d."_VERSION_TS" = c."_EVENT_TS" AND d."_VERSION_SEQ" > c."_SEQ")), TRUE, FALSE) AS "_BURIED",
            IFF(d."_KEY" IS NOT NULL AND (d."_VERSION_TS" < c."_EVENT_TS"
                OR (d."_VERSION_TS" = c."_EVENT_TS" AND d."_VERSION_SEQ" < c."_SEQ")), TRUE, FALSE) AS "_PAST_KEPT"
        FROM {{landing}} c
        LEFT JOIN {{tombstones}} d ON d."_KEY" = c."_KEY"
        WHERE (c."_PARTITION" = ? OR c."_PARTITION" = ?)
        QUALIFY ROW_NUMBER() OVER (PARTITION BY c."_KEY" ORDER BY c."_EVENT_TS" DESC, c."_SEQ" DESC,
                                                       d."_VERSION_TS" DESC NULLS LAST, d."_VERSION_SEQ" DESC NULLS LAST) = 1
    ) n
    WHERE NOT n."_BURIED"
) s
ON t."_KEY" = s."_KEY"
WHEN MATCHED AND s."_OP" = 'REMOVE' AND s."_DELETE_MODE" = 'HARD'
     AND (s."_EVENT_TS" > t."_VERSION_TS" OR (s."_EVENT_TS" = t."_VERSION_TS" AND s."_SEQ" > t."_VERSION_SEQ"))
    THEN DELETE
WHEN MATCHED AND s."_OP" = 'REMOVE' AND s."_DELETE_MODE" = 'SOFT' AND s."_ITEM" IS NOT NULL AND s."_PAST_KEPT"
     AND t."_OP" = 'REMOVE' AND t."_VERSION_SEQ" = '0000000000000000000000000000000000000000'
     AND (s."_EVENT_TS" < t."_VERSION_TS" OR (s."_EVENT_TS" = t."_VERSION_TS" AND s."_SEQ" < t."_VERSION_SEQ"))
    THEN UPDATE SET
{{#each columns}}        {{column}} = COALESCE(s.{{column}}, {{from_item}}),
{{/each}}        "_ITEM" = s."_ITEM", "_ITEM_TYPES" = s."_ITEM_TYPES",
        "_DELETED_AT" = s."_DELETED_AT", "_TTL_DELETE" = s."_TTL_DELETE"
WHEN MATCHED
     AND (s."_EVENT_TS" > t."_VERSION_TS" OR (s."_EVENT_TS" = t."_VERSION_TS" AND s."_SEQ" > t."_VERSION_SEQ"))
    THEN UPDATE SET
{{#each columns}}        {{column}} = IFF(s."_ITEM" IS NULL, t.{{column}}, COALESCE(s.{{column}}, {{from_item}})),
{{/each}}        "_ITEM" = IFF(s."_ITEM" IS NULL, t."_ITEM", s."_ITEM"),
        "_ITEM_TYPES" = IFF(s."_ITEM" IS NULL, t."_ITEM_TYPES", s."_ITEM_TYPES"),
        "_VERSION_TS" = s."_EVENT_TS", "_VERSION_SEQ" = s."_SEQ", "_OP" = s."_OP",
        "_DELETED_AT" = IFF(s."_OP" = 'REMOVE' AND t."_OP" = 'REMOVE', t."_DELETED_AT", s."_DELETED_AT"),
        "_TTL_DELETE" = IFF(s."_OP" = 'REMOVE' AND t."_OP" = 'REMOVE', t."_TTL_DELETE", s."_TTL_DELETE"),
        "_PARTITION" = s."_PARTITION"
WHEN NOT MATCHED AND (s."_OP" <> 'REMOVE' OR s."_DELETE_MODE" = 'SOFT')
    THEN INSERT ("_KEY", {{#each columns}}{{column}}, {{/each}}"_ITEM", "_ITEM_TYPES", "_VERSION_TS", "_VERSION_SEQ", "_OP",
                 "_DELETED_AT", "_TTL_DELETE", "_PARTITION")
    VALUES (s."_KEY", {{#each columns}}COALESCE(s.{{column}}, {{from_item}}), {{/each}}s."_ITEM", s."_ITEM_TYPES", s."_EVENT_TS", s."_SEQ", s."_OP",
            s."_DELETED_AT", s."_TTL_DELETE", s."_PARTITION")
