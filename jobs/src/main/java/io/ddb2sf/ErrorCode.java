package io.ddb2sf;

/**
 * Every failure a job reports, with a stable code (config 0xxx, source 1xxx, warehouse 2xxx, stage 3xxx)
 * and the process exit code DESIGN.md fixes: 2 for bad usage or config, 1 for everything else. Findings that monitoring
 * acts on have their own codes: {@code status} exits 3 or 4 when a table is at risk or late, {@code verify} exits 5
 * when the analytics table differs from the source (after printing its summary line).
 */
public enum ErrorCode {
    CONFIG_INVALID("DDB2SF-0001", 2),
    WINDOW_INVALID("DDB2SF-0002", 2),
    KEY_SCHEMA_MISMATCH("DDB2SF-0003", 2),
    USAGE_INVALID("DDB2SF-0004", 2),
    /** The config gives a typed column another type than the Snowflake tables have; a type never changes in place. */
    COLUMN_TYPE_CHANGED("DDB2SF-0005", 2),

    SOURCE_FAILED("DDB2SF-1000", 1),
    STREAM_GAP("DDB2SF-1001", 1),
    STREAM_REPLACED("DDB2SF-1002", 1),
    STREAM_NOT_ENABLED("DDB2SF-1003", 1),
    CHECKPOINT_ORDER("DDB2SF-1004", 1),
    CHECKPOINT_CONFLICT("DDB2SF-1005", 1),
    /** A DynamoDB export ended FAILED or was cancelled (DescribeExport's FailureCode and FailureMessage say why). */
    EXPORT_FAILED("DDB2SF-1020", 1),
    /** An export tree without its manifests or with a data file missing: the export is still running or was cut short. */
    EXPORT_INCOMPLETE("DDB2SF-1021", 1),
    /** An export of another table, or of another type or view than the one asked for. */
    EXPORT_MISMATCH("DDB2SF-1022", 1),
    /** A data file whose bytes, item count or lines do not match its manifest line. */
    EXPORT_CORRUPT("DDB2SF-1023", 1),
    /** Exports need point-in-time recovery, which is off for the table. */
    PITR_DISABLED("DDB2SF-1024", 1),
    /** An incremental export window outside what DynamoDB accepts (15 minutes to 24 hours, inside the PITR window). */
    EXPORT_WINDOW_INVALID("DDB2SF-1025", 2),
    /**
     * An hour that has ended but that point-in-time recovery does not cover yet (it trails the clock by minutes):
     * transient, so exit 1 and the scheduler's retry exports it later.
     */
    PITR_BEHIND("DDB2SF-1026", 1),
    /** Not a failure of status itself: a table's checkpoint is close to (or past) the stream's 24-hour trim. */
    STREAM_AT_RISK("DDB2SF-1010", 3),

    WAREHOUSE_FAILED("DDB2SF-2000", 1),
    LOAD_MISMATCH("DDB2SF-2001", 1),
    NOT_LOADED("DDB2SF-2002", 1),
    MIGRATION_EDITED("DDB2SF-2003", 1),
    MIGRATION_FAILED("DDB2SF-2004", 1),
    LANDING_PRUNED("DDB2SF-2005", 1),
    /** Not a failure of status itself: exported hours wait too long for copy-load or merge-apply. */
    MERGE_LATE("DDB2SF-2010", 4),
    /** Not a failure of verify itself: the analytics table differs from the source beyond changes still in flight. */
    VERIFY_DRIFT("DDB2SF-2020", 5),

    STAGE_FAILED("DDB2SF-3000", 1),
    STAGE_INVALID("DDB2SF-3001", 1),
    MANIFEST_MISSING("DDB2SF-3002", 1),

    INTERNAL("DDB2SF-9999", 1);

    private final String code;
    private final int exitCode;

    ErrorCode(String code, int exitCode) {
        this.code = code;
        this.exitCode = exitCode;
    }

    public String code() {
        return code;
    }

    public int exitCode() {
        return exitCode;
    }
}
