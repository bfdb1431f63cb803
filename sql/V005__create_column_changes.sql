-- Every change ddb2sf makes to a table's typed columns, like DDB2SF_SCHEMA_HISTORY records the sql/ files: which
-- column of which analytics table, what happened, when, and which run did it (the job and its partition, or migrate).
-- CHANGE is one of
--   BASELINE  the column was in place with no recorded change (made with the table); taken as maintained
--   ADDED     about to be added to the landing and analytics tables (recorded before the ALTERs)
--   FILLED    existing analytics rows typed from _ITEM (ROWS filled, MISFITS: values that did not fit, left NULL);
--             committed with the fill in one transaction
--   REMOVED   no longer in the config: the column stays in Snowflake with its values and is no longer written
--   DROPPED   a removed column is gone from the analytics table (dropped by hand, README "Changing columns")
CREATE TABLE IF NOT EXISTS "DDB2SF_COLUMN_CHANGES" (
    "TABLE_NAME"  VARCHAR NOT NULL,
    "COLUMN_NAME" VARCHAR NOT NULL,
    "ATTRIBUTE"   VARCHAR,
    "SQL_TYPE"    VARCHAR,
    "CHANGE"      VARCHAR(8) NOT NULL,
    "ROWS"        NUMBER(38, 0),
    "MISFITS"     NUMBER(38, 0),
    "RUN"         VARCHAR NOT NULL,
    "CHANGED_AT"  TIMESTAMP_NTZ NOT NULL
);
