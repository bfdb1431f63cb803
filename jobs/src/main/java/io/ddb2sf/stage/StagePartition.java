package io.ddb2sf.stage;

/** A unit of the stage that copy-load and merge-apply take: an hour of stream changes, or one backfill snapshot. */
public sealed interface StagePartition permits Partition, BackfillPartition {
    String table();

    /** Stable name, used in the stage path, the landing rows and the ledger. */
    String id();
}
