package io.ddb2sf.export;

import io.ddb2sf.stage.ShardPosition;
import java.util.SortedMap;

/** The JSON summary line of export-increment. */
public record ExportSummary(
        String job,
        String partition,
        String mode,
        long rows,
        long inserts,
        long modifies,
        long removes,
        long ttlRemoves,
        long lateRecords,
        long typedColumnMisfits,
        int files,
        long bytes,
        long durationMs,
        String manifest,
        SortedMap<String, ShardPosition> checkpoint) {}
