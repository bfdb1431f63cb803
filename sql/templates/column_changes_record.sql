-- Binds: 1 = analytics table, 2 = column, 3 = attribute, 4 = SQL type, 5 = change, 6 = rows, 7 = misfits, 8 = run.
INSERT INTO "DDB2SF_COLUMN_CHANGES" ("TABLE_NAME", "COLUMN_NAME", "ATTRIBUTE", "SQL_TYPE", "CHANGE", "ROWS", "MISFITS",
                                     "RUN", "CHANGED_AT")
VALUES (?, ?, ?, ?, ?, ?, ?, ?, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ)
