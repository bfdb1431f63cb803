package io.ddb2sf.stage;

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
 */
public record Checkpoint(String streamArn, Instant windowEnd, SortedMap<String, ShardPosition> shards) {

    public Checkpoint {
        shards = new TreeMap<>(shards);
    }
}
