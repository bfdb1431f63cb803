package io.ddb2sf.cli;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.Partition;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What every job takes: the table, the window and the config; nothing else changes between runs. */
public final class PartitionOptions {
    @Mixin
    TableOptions table;

    @Option(names = "--start", paramLabel = "<ISO-8601>", converter = InstantConverter.class,
            description = "Window start, inclusive, on a UTC hour (e.g. 2026-11-24T10:00:00Z).")
    Instant start;

    @Option(names = "--end", paramLabel = "<ISO-8601>", converter = InstantConverter.class,
            description = "Window end, exclusive: start plus one hour.")
    Instant end;

    @Option(names = "--backfill", paramLabel = "<id>",
            description = "Instead of a window: the backfill to work on (its id, e.g. 20261124T101500Z, is in the backfill's summary).")
    String backfill;


    /** The hour named by --start/--end, or the backfill named by --backfill: exactly one of the two. */
    public Partition partition() {
        if (backfill != null) {
            if (start != null || end != null) {
                throw usage("pass either --start/--end or --backfill, not both");
            }
            return BackfillPartition.parse(table.table, backfill);
        }
        if (start == null || end == null) {
            throw usage("pass the window with --start and --end (or a backfill with --backfill)");
        }
        return new HourPartition(table.table, start, end);
    }

    /** For jobs that only take hours. */
    public static HourPartition hourly(Partition p) {
        if (p instanceof HourPartition hour) {
            return hour;
        }
        throw usage("this job takes an hour (--start/--end), not --backfill");
    }

    private static JobException usage(String message) {
        return new JobException(ErrorCode.USAGE_INVALID, message);
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
