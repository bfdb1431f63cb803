package io.ddb2sf.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The table's real stream records from DynamoDB Local, shown as a shard split: the first {@code splitAfter} records
 * in a parent shard that then closes, the rest in two child shards that divide the keys between them, as DynamoDB
 * does when a partition splits. DynamoDB Local never splits a shard, so this view is the only way to show one to
 * the export; the records, their sequence numbers and their images are the real ones.
 */
final class SplitStream extends ScriptedShards {
    private static final int PAGE = 3;

    private final int splitAfter;
    private final Predicate<Record> toFirstChild;

    SplitStream(DynamoDbStreamsClient real, int splitAfter, Predicate<Record> toFirstChild) {
        super(real);
        this.splitAfter = splitAfter;
        this.toFirstChild = toFirstChild;
    }

    @Override
    public GetRecordsResponse getRecords(GetRecordsRequest request) {
        String[] at = request.shardIterator().split("\\|");
        List<Record> records = records(at[0]);
        int from = Math.min(Integer.parseInt(at[1]), records.size());
        int to = Math.min(from + PAGE, records.size());
        boolean closedAndRead = closed(at[0]) && to == records.size();
        return GetRecordsResponse.builder().records(records.subList(from, to))
                .nextShardIterator(closedAndRead ? null : at[0] + "|" + to).build();
    }

    @Override
    protected Layout layout(List<Record> all) {
        Map<String, List<Record>> shards = new LinkedHashMap<>();
        shards.put("shard-parent", new ArrayList<>(all.subList(0, Math.min(splitAfter, all.size()))));
        shards.put("shard-child-a", new ArrayList<>());
        shards.put("shard-child-b", new ArrayList<>());
        for (Record r : all.subList(Math.min(splitAfter, all.size()), all.size())) {
            shards.get(toFirstChild.test(r) ? "shard-child-a" : "shard-child-b").add(r);
        }
        return new Layout(shards, Map.of("shard-child-a", "shard-parent", "shard-child-b", "shard-parent"));
    }
}
