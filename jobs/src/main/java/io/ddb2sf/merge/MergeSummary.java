package io.ddb2sf.merge;

/** The JSON summary line of merge-apply. */
public record MergeSummary(String job, String partition, boolean alreadyMerged, long partitionRows, long inserted,
                           long updated, long deleted, long durationMs) {}
