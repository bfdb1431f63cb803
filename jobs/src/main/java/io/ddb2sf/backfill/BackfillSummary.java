package io.ddb2sf.backfill;

import java.util.List;

/** The JSON summary line of backfill. */
public record BackfillSummary(String job, String partition, String backfillId, List<Integer> segments, int totalSegments,
                              long items, int files, long bytes, double consumedRcu, double rcuPerSecond,
                              double budgetRcuPerSecond, long throttledPages, boolean manifestWritten,
                              boolean checkpointReset, long durationMs) {}
