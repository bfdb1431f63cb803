package io.ddb2sf.prune;

import java.util.List;

/**
 * The JSON summary line of prune.
 *
 * @param retention       the table's landing retention (ISO-8601)
 * @param partitionsPruned the partitions whose landing rows were deleted now (recorded as PRUNE in the ledger)
 * @param rowsDeleted     landing rows deleted
 */
public record PruneSummary(String job, String table, String retention, List<String> partitionsPruned, long rowsDeleted,
                           long durationMs) {}
