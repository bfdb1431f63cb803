-- verify: which of the given keys have a landed change of a partition not merged yet (loaded, waiting for
-- merge-apply): in flight rather than drift. A landed change of a merged partition explains nothing, so a row lost or
-- altered after its merge is still drift. Binds: the keys' _KEY texts, then the table name.
SELECT DISTINCT c."_KEY"
FROM {{landing}} c
WHERE c."_KEY" IN (NULL{{#each keys}}, ?{{/each}})
  AND c."_PARTITION" NOT IN (SELECT l."PARTITION_ID" FROM "DDB2SF_LEDGER" l WHERE l."TABLE_NAME" = ? AND l."STEP" = 'MERGE')
