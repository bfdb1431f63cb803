package io.ddb2sf.merge;

/**
 * The JSON summary line of merge-apply.
 *
 * @param columns            typed columns this run added, filled from _ITEM or found removed (SchemaChanges)
 * @param fullRefreshDeletes keys a complete snapshot lacked (deleted while nothing streamed), removed by this merge
 * @param itemMisfits        values the MERGE typed from _ITEM (the partition's typed column NULL, the item holding the
 *                           attribute) that did not fit their column either: left NULL, exact in _ITEM
 */
public record MergeSummary(String job, String partition, boolean alreadyMerged, long partitionRows, long inserted,
                           long updated, long deleted, long fullRefreshDeletes, long itemMisfits, long durationMs,
                           io.ddb2sf.snowflake.SchemaChanges.Report columns) {}
