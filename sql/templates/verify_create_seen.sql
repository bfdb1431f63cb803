-- verify of a whole table: the session's record of every scanned key, to find analytics rows the scan never met.
CREATE TEMPORARY TABLE IF NOT EXISTS "DDB2SF_VERIFY_SEEN" ("_KEY" VARCHAR NOT NULL)
