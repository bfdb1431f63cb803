-- Which sql/V*.sql files have been applied, like a migration tool's history table. A row is written after each
-- attempt: SUCCESS true once every statement of the file ran, false (with the error) when one failed.
CREATE TABLE IF NOT EXISTS "DDB2SF_SCHEMA_HISTORY" (
    "VERSION"     NUMBER(38, 0) NOT NULL,
    "SCRIPT"      VARCHAR NOT NULL,
    "CHECKSUM"    VARCHAR(64) NOT NULL,
    "INSTALLED_AT" TIMESTAMP_NTZ NOT NULL,
    "SUCCESS"     BOOLEAN,
    "ERROR"       VARCHAR
)
