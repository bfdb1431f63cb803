-- The id of the session's open transaction, NULL when none is open.
-- https://docs.snowflake.com/en/sql-reference/functions/current_transaction
SELECT CURRENT_TRANSACTION()
