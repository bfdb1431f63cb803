-- Fills a table's tombstones from its landing table, once (DDB2SF_TOMBSTONE_SEEDS records it in the same transaction):
-- every key whose newest landed change is a REMOVE, at that version. This is what merge-apply used to find by ranking
-- the landing table's whole history on every run; a deployment that predates the tombstones reads that history once
-- more, and never again, before anything may prune it. A key already tombstoned keeps its row.
-- Binds: none.
INSERT INTO {{tombstones}} ("_KEY", "_VERSION_TS", "_VERSION_SEQ", "_PARTITION")
SELECT n."_KEY", n."_EVENT_TS", n."_SEQ", n."_PARTITION"
FROM (
    SELECT c."_KEY", c."_OP", c."_EVENT_TS", c."_SEQ", c."_PARTITION"
    FROM {{landing}} c
    QUALIFY ROW_NUMBER() OVER (PARTITION BY c."_KEY" ORDER BY c."_EVENT_TS" DESC, c."_SEQ" DESC) = 1
) n
WHERE n."_OP" = 'REMOVE'
  AND NOT EXISTS (SELECT 1 FROM {{tombstones}} d WHERE d."_KEY" = n."_KEY")
