package io.ddb2sf.stage;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.SortedMap;

/**
 * {@code _manifest.json}, written last in a partition: what stage-validate checks and copy-load loads, nothing else.
 * No field depends on when it was written, so a rerun writes the same bytes. {@code formatVersion} names the
 * {@link PartFormat} its parts were encoded with.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
        int formatVersion,
        String table,
        String partition,
        Instant windowStart,
        Instant windowEnd,
        Source source,
        String schemaFingerprint,
        List<FileEntry> files,
        Totals totals,
        ChangeCounts changes,
        Integer columnsVersion) {

    public Manifest {
        files = List.copyOf(files);
    }

    /** A partition of a table without automatic columns ({@code columnsVersion}: the columns record it was written with). */
    public Manifest(int formatVersion, String table, String partition, Instant windowStart, Instant windowEnd, Source source,
                    String schemaFingerprint, List<FileEntry> files, Totals totals, ChangeCounts changes) {
        this(formatVersion, table, partition, windowStart, windowEnd, source, schemaFingerprint, files, totals, changes, null);
    }

    /**
     * Where the rows came from: the stream positions before and after this partition, per shard.
     *
     * @param kind      "stream" (or "scan" for a backfill)
     * @param streamArn the stream read
     * @param from      the checkpoint the partition started from
     * @param to        the checkpoint after it
     */
    public record Source(String kind, String streamArn, SortedMap<String, ShardPosition> from,
                         SortedMap<String, ShardPosition> to) {}

    public record FileEntry(String key, long size, String sha256, long rows) {}

    public record Totals(int files, long rows, long bytes) {}

    /** Changes by kind; {@code snapshots} counts a backfill's rows. */
    public record ChangeCounts(long inserts, long modifies, long removes, long ttlRemoves, long lateRecords, long snapshots) {}
}
