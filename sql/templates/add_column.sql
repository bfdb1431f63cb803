-- A typed column the config names and the table lacks. DDL commits on its own in Snowflake (it cannot share a
-- transaction with the fill that follows: https://docs.snowflake.com/en/sql-reference/transactions#ddl), so it is
-- idempotent and the column's ADDED record, written before it, makes the next run finish a fill that did not commit.
-- ALTER TABLE ... ADD [ COLUMN ] [ IF NOT EXISTS ]: https://docs.snowflake.com/en/sql-reference/sql/alter-table-column
ALTER TABLE {{table}} ADD COLUMN IF NOT EXISTS {{column}} {{type}}
