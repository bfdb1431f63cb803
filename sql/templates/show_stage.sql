-- Whether the stage exists already (an administrator may have created it), and where it points. Scoped to the
-- configured database and schema: without IN, SHOW STAGES lists the whole current database and shows same-named
-- objects of different schemas only once, so it could return another schema's stage instead of this one
-- (SHOW STAGES, "IN ...", https://docs.snowflake.com/en/sql-reference/sql/show-stages).
SHOW STAGES LIKE {{name}} IN SCHEMA {{database}}.{{schema}}
