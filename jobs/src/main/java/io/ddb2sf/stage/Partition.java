package io.ddb2sf.stage;

/**
 * What copy-load and merge-apply take: an {@link HourPartition} of stream changes or a {@link BackfillPartition}
 * (one snapshot of the whole table).
 */
public sealed interface Partition permits HourPartition, BackfillPartition {
    String table();

    /** Stable name, used in the stage path, the landing rows and the ledger. */
    String id();
}
