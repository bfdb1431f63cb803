-- The partitions of a table whose landing rows prune may delete: merged longer ago than the retention (the ledger's
-- clock, the server's UTC time, as ledger_record writes it), with the manifest content that is loaded (a reload
-- forgets both records, so a partition loaded again but not merged yet is never listed), and not pruned since.
-- Reads the ledger only, never the landing table. Binds: 1 = table name, 2 = minus the retention in seconds.
SELECT m."PARTITION_ID", m."MANIFEST_SHA256", m."ROWS"
FROM "DDB2SF_LEDGER" m
JOIN "DDB2SF_LEDGER" l
  ON l."TABLE_NAME" = m."TABLE_NAME" AND l."PARTITION_ID" = m."PARTITION_ID" AND l."STEP" = 'LOAD'
 AND l."MANIFEST_SHA256" = m."MANIFEST_SHA256"
WHERE m."TABLE_NAME" = ? AND m."STEP" = 'MERGE'
  AND m."RECORDED_AT" <= DATEADD(SECOND, ?, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ)
  AND NOT EXISTS (SELECT 1 FROM "DDB2SF_LEDGER" p
                  WHERE p."TABLE_NAME" = m."TABLE_NAME" AND p."PARTITION_ID" = m."PARTITION_ID" AND p."STEP" = 'PRUNE'
                    AND p."MANIFEST_SHA256" = m."MANIFEST_SHA256")
ORDER BY m."PARTITION_ID"
