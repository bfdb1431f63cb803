package io.ddb2sf.backfill;

import java.util.List;

/**
 * The JSON summary line of backfill.
 *
 * @param misfits values this run found that did not fit their typed column (left NULL there; the exact value is in
 *                _ITEM): a column whose type or scale does not match the data
 */
public record BackfillSummary(String job, String partition, String backfillId, List<Integer> segments, int totalSegments,
                              long items, int files, long bytes, double consumedRcu, double rcuPerSecond,
                              double budgetRcuPerSecond, long throttledPages, long misfits, boolean manifestWritten,
                              boolean checkpointReset, long durationMs) {}
