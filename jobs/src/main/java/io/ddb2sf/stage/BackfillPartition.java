package io.ddb2sf.stage;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
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
public record BackfillPartition(String table, Instant snapshot) implements StagePartition {
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
     * The version of every snapshot row: a minute before the scan began, floored to the minute. Stream records are
     * stamped to the minute (DynamoDB Local) or approximately (AWS), so any change made from then on wins over the
     * snapshot, and every change the scan may have missed is one of them.
     */
    public Instant version() {
        return snapshot.truncatedTo(ChronoUnit.MINUTES).minus(1, ChronoUnit.MINUTES);
    }

    @Override
    public String toString() {
        return id();
    }
}
