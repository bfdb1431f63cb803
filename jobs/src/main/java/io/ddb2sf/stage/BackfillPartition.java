package io.ddb2sf.stage;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * One backfill of a whole table: every item as of the scan, staged under {@code <table>/backfill=<snapshot>/}.
 *
 * @param snapshot when the scan started, to the second; names the backfill and dates its rows
 */
public record BackfillPartition(String table, Instant snapshot) implements Partition {
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    public BackfillPartition {
        snapshot = snapshot.truncatedTo(ChronoUnit.SECONDS);
    }

    /** Parses the id printed by a backfill (20261124T101500Z) or an ISO instant. */
    public static BackfillPartition parse(String table, String id) {
        try {
            return new BackfillPartition(table, Instant.from(ID.parse(id)));
        } catch (DateTimeParseException e) {
            try {
                return new BackfillPartition(table, Instant.parse(id));
            } catch (DateTimeParseException e2) {
                throw new JobException(ErrorCode.USAGE_INVALID, "'" + id + "' is not a backfill id like 20261124T101500Z"
                        + " (the backfill's summary prints it)");
            }
        }
    }

    public String snapshotId() {
        return ID.format(snapshot);
    }

    @Override
    public String id() {
        return table + "/backfill=" + snapshotId();
    }

    /**
     * The version of every snapshot row (with a zero sequence): the scan's start floored to the stream's timestamp
     * precision. A stream change stamped in that same unit may come after the scan started, so it wins (its sequence is
     * above zero); one stamped in an earlier unit was made before the scan started, so the snapshot already contains
     * it, or something newer, and the snapshot wins. A snapshot never loses to a change it already contains.
     */
    public Instant version(Duration streamTimestampPrecision) {
        long unit = streamTimestampPrecision.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(snapshot.toEpochMilli(), unit) * unit);
    }

    /** The partition that holds the deletes this snapshot found when it was merged as a full refresh. */
    public String fullRefreshId() {
        return id() + "/full-refresh";
    }

    @Override
    public String toString() {
        return id();
    }
}
