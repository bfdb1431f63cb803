-- A named transaction, so a rerun can find the one a dead run of the same step and partition left open.
-- https://docs.snowflake.com/en/sql-reference/sql/begin
BEGIN TRANSACTION NAME {{name}}
