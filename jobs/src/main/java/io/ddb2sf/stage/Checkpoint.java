package io.ddb2sf.stage;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The stream position of a table after its last exported partition. Lives next to the stage, written with a
 * conditional put so two writers can never both advance it.
 *
 * @param streamArn  the stream it belongs to; a different ARN means the stream was replaced
 * @param windowEnd  the end of the last exported partition; the next partition must start here
 * @param shards     position per shard
 * @param resetBy    the backfill (its id) that last restarted the stream position, carried forward by every export,
 *                   so a rerun of that backfill never restarts it again; null when no backfill ever did
 */
public record Checkpoint(String streamArn, Instant windowEnd, SortedMap<String, ShardPosition> shards,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String resetBy) {

    public Checkpoint {
        shards = new TreeMap<>(shards);
    }

    public Checkpoint(String streamArn, Instant windowEnd, SortedMap<String, ShardPosition> shards) {
        this(streamArn, windowEnd, shards, null);
    }
}
