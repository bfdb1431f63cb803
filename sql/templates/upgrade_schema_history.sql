-- History tables made before the success flag existed get its columns; their rows (NULL) were all successes.
-- Snowflake: ALTER TABLE ... ADD [ COLUMN ] [ IF NOT EXISTS ] (https://docs.snowflake.com/en/sql-reference/sql/alter-table)
ALTER TABLE "DDB2SF_SCHEMA_HISTORY" ADD COLUMN IF NOT EXISTS "SUCCESS" BOOLEAN;
ALTER TABLE "DDB2SF_SCHEMA_HISTORY" ADD COLUMN IF NOT EXISTS "ERROR" VARCHAR
