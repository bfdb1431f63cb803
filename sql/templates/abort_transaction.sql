-- Rolls back a running transaction and releases its locks; no effect on one already committed or rolled back.
-- Bind: 1 = transaction id from SHOW TRANSACTIONS. https://docs.snowflake.com/en/sql-reference/functions/system_abort_transaction
SELECT SYSTEM$ABORT_TRANSACTION(?)
