package io.ddb2sf.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The table's real stream records from DynamoDB Local, shown as a shard split: the first {@code splitAfter} records
 * in a parent shard that then closes, the rest in two child shards that divide the keys between them, as DynamoDB
 * does when a partition splits. DynamoDB Local never splits a shard, so this view is the only way to show one to
 * the export; the records, their sequence numbers and their images are the real ones.
 */
final class SplitStream extends StreamView {
    private static final int PAGE = 3;

    private final int splitAfter;
    private final Predicate<Record> toFirstChild;
    private Map<String, List<Record>> shards;
    private Map<String, String> parents;

    SplitStream(DynamoDbStreamsClient real, int splitAfter, Predicate<Record> toFirstChild) {
        super(real);
        this.splitAfter = splitAfter;
        this.toFirstChild = toFirstChild;
    }

    @Override
    public DescribeStreamResponse describeStream(DescribeStreamRequest request) {
        load(request.streamArn());
        List<Shard> shown = new ArrayList<>();
        shards.forEach((id, records) -> shown.add(Shard.builder().shardId(id).parentShardId(parents.get(id))
                .sequenceNumberRange(r -> r.startingSequenceNumber(records.isEmpty() ? null : seq(records.get(0)))
                        .endingSequenceNumber(id.endsWith("-parent") ? seq(records.get(records.size() - 1)) : null))
                .build()));
        return DescribeStreamResponse.builder()
                .streamDescription(d -> d.streamArn(request.streamArn()).streamStatus("ENABLED").shards(shown)).build();
    }

    @Override
    public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
        load(request.streamArn());
        List<Record> records = shards.get(request.shardId());
        int index = 0;
        if (request.shardIteratorType() == ShardIteratorType.AFTER_SEQUENCE_NUMBER) {
            while (index < records.size() && !seq(records.get(index)).equals(request.sequenceNumber())) {
                index++;
            }
            index++;
        }
        return GetShardIteratorResponse.builder().shardIterator(request.shardId() + "|" + index).build();
    }

    @Override
    public GetRecordsResponse getRecords(GetRecordsRequest request) {
        String[] at = request.shardIterator().split("\\|");
        List<Record> records = shards.get(at[0]);
        int from = Math.min(Integer.parseInt(at[1]), records.size());
        int to = Math.min(from + PAGE, records.size());
        boolean closedAndRead = at[0].endsWith("-parent") && to == records.size();
        return GetRecordsResponse.builder().records(records.subList(from, to))
                .nextShardIterator(closedAndRead ? null : at[0] + "|" + to).build();
    }

    /** Reads the whole real stream once per run of the export (each run makes a new view). */
    private void load(String streamArn) {
        if (shards != null) {
            return;
        }
        List<Record> all = new ArrayList<>();
        for (Shard shard : real.describeStream(b -> b.streamArn(streamArn)).streamDescription().shards()) {
            String iterator = real.getShardIterator(b -> b.streamArn(streamArn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            int empty = 0;
            while (iterator != null && empty < 2) {
                String it = iterator;
                GetRecordsResponse page = real.getRecords(b -> b.shardIterator(it));
                all.addAll(page.records());
                empty = page.records().isEmpty() ? empty + 1 : 0;
                iterator = page.nextShardIterator();
            }
        }
        shards = new LinkedHashMap<>();
        parents = new LinkedHashMap<>();
        shards.put("shard-parent", new ArrayList<>(all.subList(0, Math.min(splitAfter, all.size()))));
        shards.put("shard-child-a", new ArrayList<>());
        shards.put("shard-child-b", new ArrayList<>());
        parents.put("shard-child-a", "shard-parent");
        parents.put("shard-child-b", "shard-parent");
        for (Record r : all.subList(Math.min(splitAfter, all.size()), all.size())) {
            shards.get(toFirstChild.test(r) ? "shard-child-a" : "shard-child-b").add(r);
        }
    }

    private static String seq(Record r) {
        return r.dynamodb().sequenceNumber();
    }
}
