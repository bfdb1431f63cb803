-- The columns of a table's landing, analytics and tombstone tables as Snowflake reports them, in one round trip
-- (INFORMATION_SCHEMA.COLUMNS: DATA_TYPE is TEXT for VARCHAR, NUMBER with NUMERIC_SCALE, BINARY, BOOLEAN, VARIANT,
-- TIMESTAMP_NTZ; https://docs.snowflake.com/en/sql-reference/info-schema/columns). A table with no row does not
-- exist. The schema is the session's (the config's snowflake.schema).
-- Binds: 1, 2, 3 = the landing, analytics and tombstone tables (exactly as created: quoted names keep their case).
SELECT "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "NUMERIC_SCALE"
FROM INFORMATION_SCHEMA.COLUMNS
WHERE "TABLE_SCHEMA" = CURRENT_SCHEMA() AND "TABLE_NAME" IN (?, ?, ?)
