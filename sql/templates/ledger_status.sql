-- What status reads of the ledger for one table: the steps of its hours from a given hour on, and of its backfills.
-- Hour ids ('<table>/dt=YYYY-MM-DD/hour=HH') sort by time; backfill ids ('<table>/backfill=...') sort before them.
SELECT "PARTITION_ID", "STEP", "MANIFEST_SHA256" FROM "DDB2SF_LEDGER"
WHERE "TABLE_NAME" = ? AND ("PARTITION_ID" >= ? OR "PARTITION_ID" < ?)
