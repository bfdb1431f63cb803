-- Whether the stage exists already (an administrator may have created it), and where it points. Scoped to the
-- configured database and schema: without IN, SHOW STAGES lists the whole current database (or account), where a
-- same-named stage of another schema would be found (SHOW STAGES, https://docs.snowflake.com/en/sql-reference/sql/show-stages).
SHOW STAGES LIKE {{name}} IN SCHEMA {{database}}.{{schema}}
