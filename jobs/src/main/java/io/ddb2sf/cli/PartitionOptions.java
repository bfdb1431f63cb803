package io.ddb2sf.cli;

import io.ddb2sf.stage.Partition;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** What every job takes: the table, the window and the config; nothing else changes between runs. */
public final class PartitionOptions {
    @Option(names = "--table", required = true, paramLabel = "<name>", description = "DynamoDB table name, as in the config.")
    String table;

    @Option(names = "--start", required = true, paramLabel = "<ISO-8601>", converter = InstantConverter.class,
            description = "Window start, inclusive, on a UTC hour (e.g. 2026-11-24T10:00:00Z).")
    Instant start;

    @Option(names = "--end", required = true, paramLabel = "<ISO-8601>", converter = InstantConverter.class,
            description = "Window end, exclusive: start plus one hour.")
    Instant end;

    @Option(names = "--config", paramLabel = "<file>", defaultValue = "${env:DDB2SF_CONFIG:-ddb2sf.yaml}",
            description = "Config file, YAML or JSON (default: $DDB2SF_CONFIG, else ddb2sf.yaml).")
    Path config;

    public Partition partition() {
        return new Partition(table, start, end);
    }

    /** Accepts 2026-11-24T10:00:00Z and Airflow's 2026-11-24T10:00:00+00:00. */
    public static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException e) {
                try {
                    return Instant.parse(value);
                } catch (DateTimeParseException e2) {
                    throw new CommandLine.TypeConversionException("'" + value
                            + "' is not an ISO-8601 instant like 2026-11-24T10:00:00Z");
                }
            }
        }
    }
}
