-- A reload invalidates the partition's earlier load and merge records.
DELETE FROM "DDB2SF_LEDGER" WHERE "TABLE_NAME" = ? AND "PARTITION_ID" = ?
