package io.ddb2sf.status;

import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.Partition;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the stage and the ledger hold for one table, as read: nothing derived yet.
 *
 * @param checkpoint    the stream checkpoint, if any
 * @param exportedHours hours within the lookback that have a manifest
 * @param ledger        the steps recorded per partition id (hours within the lookback and every backfill)
 * @param backfills     every backfill folder of the table
 */
public record TableFacts(String table, Optional<Checkpoint> checkpoint, List<Partition> exportedHours,
                         Map<String, Set<Ledger.Step>> ledger, List<Backfill> backfills) {

    public TableFacts {
        exportedHours = List.copyOf(exportedHours);
        ledger = Map.copyOf(ledger);
        backfills = List.copyOf(backfills);
    }

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
