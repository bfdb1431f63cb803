-- A table's columns as Snowflake reports them (INFORMATION_SCHEMA.COLUMNS: DATA_TYPE is TEXT for VARCHAR, NUMBER with
-- NUMERIC_SCALE, BINARY, BOOLEAN, VARIANT, TIMESTAMP_NTZ; https://docs.snowflake.com/en/sql-reference/info-schema/columns).
-- No row: the table does not exist. The schema is the session's (the config's snowflake.schema).
-- Binds: 1 = table (exactly as created: quoted names keep their case).
SELECT "COLUMN_NAME", "DATA_TYPE", "NUMERIC_SCALE"
FROM INFORMATION_SCHEMA.COLUMNS
WHERE "TABLE_SCHEMA" = CURRENT_SCHEMA() AND "TABLE_NAME" = ?
