package io.ddb2sf.migrate;

import java.util.List;

/** The JSON summary line of migrate. */
public record MigrateSummary(String job, List<String> migrationsApplied, List<String> tables, long durationMs,
                             io.ddb2sf.snowflake.SchemaChanges.Report columns) {}
