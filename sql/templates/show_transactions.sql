-- The current user's running transactions in all its sessions: id, user, session, name, started_on, state, scope.
-- https://docs.snowflake.com/en/sql-reference/sql/show-transactions
SHOW TRANSACTIONS
