package io.ddb2sf.status;

import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.HourPartition;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the stage and the ledger hold for one table, as read: nothing derived yet.
 *
 * @param checkpoint    the stream checkpoint, if any
 * @param exportedHours hours within the lookback that have a manifest, with the manifest's sha-256
 * @param ledger        per partition id (hours within the lookback and every backfill), the steps recorded and the
 *                      sha-256 of the manifest content each applied
 * @param backfills     every backfill folder of the table
 */
public record TableFacts(String table, Optional<Checkpoint> checkpoint, List<Exported> exportedHours,
                         Map<String, Map<Ledger.Step, String>> ledger, List<Backfill> backfills) {

    public TableFacts {
        exportedHours = List.copyOf(exportedHours);
        ledger = Map.copyOf(ledger);
        backfills = List.copyOf(backfills);
    }

    /** An hour with a manifest; {@code manifestSha256} names its content, as the ledger does. */
    public record Exported(HourPartition hour, String manifestSha256) {}

    /**
     * One backfill as its folder shows it.
     *
     * @param manifest      the manifest is written, so the scan is complete
     * @param segmentsDone  segments scanned to their end
     * @param totalSegments segments of the scan, 0 when no segment has recorded progress yet
     * @param items         items in the parts written so far
     */
    public record Backfill(BackfillPartition partition, boolean manifest, int segmentsDone, int totalSegments, long items) {}
}
