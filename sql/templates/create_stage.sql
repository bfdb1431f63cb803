-- The external stage over the stage bucket and prefix; every table's partitions are folders under it.
CREATE STAGE IF NOT EXISTS {{stage}}
    URL = {{url}}
    STORAGE_INTEGRATION = {{storage_integration}}
    FILE_FORMAT = (TYPE = PARQUET BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE)
