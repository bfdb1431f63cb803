-- Every step the ledger records for a partition (LOAD, MERGE, PRUNE), in one round trip.
-- Binds: 1 = table name (the config's), 2 = partition id.
SELECT "STEP", "MANIFEST_SHA256", "ROWS" FROM "DDB2SF_LEDGER"
WHERE "TABLE_NAME" = ? AND "PARTITION_ID" = ?
