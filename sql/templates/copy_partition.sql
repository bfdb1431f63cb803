-- Loads exactly the listed files (at most 1,000 per statement). FORCE because the DELETE before it, in the same
-- transaction, already removed any earlier load of this partition.
-- The Parquet options are not Snowflake's defaults (CREATE FILE FORMAT, "TYPE = PARQUET" options,
-- https://docs.snowflake.com/en/sql-reference/sql/create-file-format; COPY INTO <table> takes the same options inline,
-- https://docs.snowflake.com/en/sql-reference/sql/copy-into-table):
--   BINARY_AS_TEXT = FALSE   a BINARY column with no logical type (the typed B columns) is binary data; the default
--                            TRUE reads it as UTF-8 text, so arbitrary bytes fail the COPY and hex-looking ones land
--                            as other bytes.
--   USE_LOGICAL_TYPE = TRUE  the files' logical types decide: _EVENT_TS is TIMESTAMP(MICROS, isAdjustedToUTC=false),
--                            a UTC wall-clock time for the TIMESTAMP_NTZ column whatever the session's TIMEZONE;
--                            DECIMAL(38,s) and STRING columns as annotated (ChangeRowSchema).
COPY INTO {{landing}}
FROM @{{stage}}
FILES = ({{files}})
FILE_FORMAT = (TYPE = PARQUET BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE)
MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
FORCE = TRUE
