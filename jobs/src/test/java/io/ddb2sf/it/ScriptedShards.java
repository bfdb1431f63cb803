package io.ddb2sf.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The table's real stream records from DynamoDB Local, dealt over shards a subclass lays out (DynamoDB Local itself
 * has one shard): DescribeStream shows them with their parents, a shard whose id ends in {@code -parent} is closed at
 * its last record, and an iterator is {@code <shard>|<index>}. Subclasses answer GetRecords their own way (page
 * size, empty pages at an open shard's tip).
 */
abstract class ScriptedShards extends StreamView {
    /** Shards in DescribeStream order with their records, and each child's parent. */
    record Layout(Map<String, List<Record>> shards, Map<String, String> parents) {}

    private Layout layout;

    ScriptedShards(DynamoDbStreamsClient real) {
        super(real);
    }

    /** How the whole real stream, in order, is dealt over shards. */
    protected abstract Layout layout(List<Record> all);

    @Override
    public DescribeStreamResponse describeStream(DescribeStreamRequest request) {
        Layout l = load(request.streamArn());
        List<Shard> shown = new ArrayList<>();
        l.shards().forEach((id, records) -> shown.add(Shard.builder().shardId(id).parentShardId(l.parents().get(id))
                .sequenceNumberRange(r -> r.startingSequenceNumber(records.isEmpty() ? null : seq(records.get(0)))
                        .endingSequenceNumber(closed(id) ? seq(records.get(records.size() - 1)) : null))
                .build()));
        return DescribeStreamResponse.builder()
                .streamDescription(d -> d.streamArn(request.streamArn()).streamStatus("ENABLED").shards(shown)).build();
    }

    @Override
    public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
        List<Record> records = load(request.streamArn()).shards().get(request.shardId());
        int index = 0;
        if (request.shardIteratorType() == ShardIteratorType.AFTER_SEQUENCE_NUMBER) {
            while (index < records.size() && !seq(records.get(index)).equals(request.sequenceNumber())) {
                index++;
            }
            index++;
        }
        return GetShardIteratorResponse.builder().shardIterator(request.shardId() + "|" + index).build();
    }

    /** The records of the shard an iterator points into (the stream was loaded when the iterator was made). */
    protected synchronized List<Record> records(String shardId) {
        return layout.shards().get(shardId);
    }

    /** Each shard's records, in shard order, by shard. */
    synchronized Map<String, List<Record>> shards() {
        return Map.copyOf(layout.shards());
    }

    protected static boolean closed(String shardId) {
        return shardId.endsWith("-parent");
    }

    /** Reads the whole real stream once per run of the export (each run makes a new view). */
    private synchronized Layout load(String streamArn) {
        if (layout == null) {
            layout = layout(SimulatedHours.readAll(real, streamArn));
        }
        return layout;
    }

    private static String seq(Record r) {
        return r.dynamodb().sequenceNumber();
    }
}
