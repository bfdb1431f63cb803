-- verify of a whole table: live analytics rows whose key the scan never met (candidates for "extra in Snowflake").
SELECT t."_KEY"
FROM {{target}} t
WHERE t."_DELETED_AT" IS NULL
  AND NOT EXISTS (SELECT 1 FROM "DDB2SF_VERIFY_SEEN" s WHERE s."_KEY" = t."_KEY")
ORDER BY t."_KEY"
