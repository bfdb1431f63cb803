package io.ddb2sf.stage;

import io.ddb2sf.config.TableConfig;

/**
 * What copy-load and merge-apply take: an {@link HourPartition} of stream changes or a {@link BackfillPartition}
 * (one snapshot of the whole table).
 */
public sealed interface Partition permits HourPartition, BackfillPartition {
    String table();

    /** Stable name, used in the stage path, the landing rows and the ledger. */
    String id();

    /** Fails fast when a job made for one table is handed a partition of another. */
    default void requireTable(TableConfig t) {
        if (!table().equals(t.name())) {
            throw new IllegalArgumentException("partition " + id() + " is not of table " + t.name());
        }
    }
}
