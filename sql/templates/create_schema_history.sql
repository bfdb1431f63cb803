-- Which sql/V*.sql files have been applied, like a migration tool's history table.
CREATE TABLE IF NOT EXISTS "DDB2SF_SCHEMA_HISTORY" (
    "VERSION"     NUMBER(38, 0) NOT NULL,
    "SCRIPT"      VARCHAR NOT NULL,
    "CHECKSUM"    VARCHAR(64) NOT NULL,
    "INSTALLED_AT" TIMESTAMP_NTZ NOT NULL
)
