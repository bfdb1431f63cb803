-- The named file format reads the staged files the way copy-load does (copy_partition.sql): binary columns as
-- binary, not as UTF-8 text (Snowflake's Parquet default BINARY_AS_TEXT = TRUE), and the files' logical types used
-- (USE_LOGICAL_TYPE, default FALSE). CREATE FILE FORMAT, Parquet options:
-- https://docs.snowflake.com/en/sql-reference/sql/create-file-format. V002 created it with the defaults; an applied
-- V file is never edited, so this one replaces it. The local stack skips it like V002.
CREATE OR REPLACE FILE FORMAT "DDB2SF_PARQUET" TYPE = PARQUET BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE;
