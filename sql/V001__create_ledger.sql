-- The record of loaded and merged partitions. A partition counts as loaded (or merged) only once its row here is
-- committed in the same transaction as the COPY (or MERGE) it records.
CREATE TABLE IF NOT EXISTS "DDB2SF_LEDGER" (
    "TABLE_NAME"      VARCHAR NOT NULL,
    "PARTITION_ID"    VARCHAR NOT NULL,
    "STEP"            VARCHAR(8) NOT NULL,   -- LOAD or MERGE
    "MANIFEST_SHA256" VARCHAR(64) NOT NULL,  -- the exact manifest content that was applied
    "ROWS"            NUMBER(38, 0) NOT NULL,
    "FILES"           NUMBER(38, 0) NOT NULL,
    "RECORDED_AT"     TIMESTAMP_NTZ NOT NULL
);
