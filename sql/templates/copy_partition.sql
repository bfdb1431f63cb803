-- Loads exactly the listed files (at most 1,000 per statement). FORCE because the DELETE before it, in the same
-- transaction, already removed any earlier load of this partition.
COPY INTO {{landing}}
FROM @{{stage}}
FILES = ({{files}})
FILE_FORMAT = (TYPE = PARQUET)
MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
FORCE = TRUE
