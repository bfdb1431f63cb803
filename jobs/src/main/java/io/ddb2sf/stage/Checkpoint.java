package io.ddb2sf.stage;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The stream position of a table after its last exported partition. Lives next to the stage, written with a
 * conditional put so two writers can never both advance it.
 *
 * @param streamArn  the stream it belongs to; a different ARN means the stream was replaced; null when the last
 *                   partition came from an incremental export
 * @param windowEnd  the end of the last exported partition; the next partition must start here
 * @param shards     position per shard
 * @param resetBy    the backfill (its id) that last restarted the stream position, carried forward by every export,
 *                   so a rerun of that backfill never restarts it again; null when no backfill ever did
 * @param source     {@value #INCREMENTAL_EXPORT} when the last partition came from an incremental export of its hour
 *                   (then there are no shard positions: the stream restarts at windowEnd if the table goes back to it);
 *                   null for the stream, so stream checkpoints keep the bytes they always had
 */
public record Checkpoint(@JsonInclude(JsonInclude.Include.NON_NULL) String streamArn, Instant windowEnd,
                         SortedMap<String, ShardPosition> shards,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String resetBy,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String source) {

    public static final String INCREMENTAL_EXPORT = "incremental-export";

    public Checkpoint {
        shards = new TreeMap<>(shards);
    }

    public Checkpoint(String streamArn, Instant windowEnd, SortedMap<String, ShardPosition> shards, String resetBy) {
        this(streamArn, windowEnd, shards, resetBy, null);
    }

    public Checkpoint(String streamArn, Instant windowEnd, SortedMap<String, ShardPosition> shards) {
        this(streamArn, windowEnd, shards, null, null);
    }

    /** After an incremental export of the hour ending at {@code windowEnd}. */
    public static Checkpoint afterIncrementalExport(Instant windowEnd, String resetBy) {
        return new Checkpoint(null, windowEnd, new TreeMap<>(), resetBy, INCREMENTAL_EXPORT);
    }

    /** Whether the last partition came from an incremental export rather than the stream. */
    public boolean fromIncrementalExport() {
        return INCREMENTAL_EXPORT.equals(source);
    }
}
