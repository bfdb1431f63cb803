package io.ddb2sf.load;

/** The JSON summary line of copy-load. */
public record LoadSummary(String job, String partition, boolean alreadyLoaded, int files, long rows, long bytes,
                          int copyStatements, java.util.List<String> migrationsApplied, long durationMs,
                          io.ddb2sf.snowflake.SchemaChanges.Report columns) {}
