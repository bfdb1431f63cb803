-- Every attempt recorded; a version counts as applied when one of its rows succeeded (NULL: recorded before the
-- flag existed, when only successes were recorded).
SELECT "VERSION", "SCRIPT", "CHECKSUM", COALESCE("SUCCESS", TRUE) AS "SUCCESS" FROM "DDB2SF_SCHEMA_HISTORY" ORDER BY "VERSION"
