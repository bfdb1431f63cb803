package io.ddb2sf.stage;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The unit of scheduling, retry and rerun: one table and one half-open hour {@code [start, end)}, in UTC.
 */
public record HourPartition(String table, Instant start, Instant end) implements Partition {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH").withZone(ZoneOffset.UTC);

    public HourPartition {
        if (!end.isAfter(start)) {
            throw new JobException(ErrorCode.WINDOW_INVALID,
                    "window end " + end + " is not after start " + start + " (pass --start before --end)");
        }
        if (!start.truncatedTo(ChronoUnit.HOURS).equals(start) || !Duration.between(start, end).equals(Duration.ofHours(1))) {
            throw new JobException(ErrorCode.WINDOW_INVALID,
                    "window [" + start + ", " + end + ") is not one whole UTC hour; partitions are hourly, e.g. --start "
                            + start.truncatedTo(ChronoUnit.HOURS) + " --end " + start.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1)));
        }
    }

    @Override
    public String id() {
        return table + "/dt=" + DAY.format(start) + "/hour=" + HOUR.format(start);
    }

    /** The partition that follows this one. */
    public HourPartition next() {
        return new HourPartition(table, end, end.plus(Duration.ofHours(1)));
    }

    @Override
    public String toString() {
        return id();
    }
}
