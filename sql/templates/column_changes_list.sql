-- A table's recorded column changes, oldest first. Binds: 1 = analytics table.
SELECT "COLUMN_NAME", "SQL_TYPE", "CHANGE", "CHANGED_AT" FROM "DDB2SF_COLUMN_CHANGES" WHERE "TABLE_NAME" = ?
ORDER BY "CHANGED_AT"
