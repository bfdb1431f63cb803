-- Named file format for people querying the stage by hand (SELECT ... FROM @DDB2SF_STAGE (FILE_FORMAT => ...)).
-- copy-load states its format inline, so this is a convenience and the local stack skips it.
CREATE FILE FORMAT IF NOT EXISTS "DDB2SF_PARQUET" TYPE = PARQUET;
