package io.ddb2sf.stage;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How far one stream shard has been read.
 *
 * @param parent      the parent shard, read before this one
 * @param lastSequence the last sequence number exported, or null when nothing was read from it yet
 * @param finished    the shard is closed and every record of it was exported
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShardPosition(String parent, String lastSequence, boolean finished) {

    public ShardPosition advancedTo(String sequence) {
        return new ShardPosition(parent, sequence, false);
    }

    public ShardPosition closed() {
        return new ShardPosition(parent, lastSequence, true);
    }
}
