package io.ddb2sf.it;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The table's real stream records from DynamoDB Local, shown as a stream of {@code shardCount} shards, as a table
 * with many partitions has: the first {@code splitAfter} records in {@code shard-00-parent}, which then closes, the
 * rest in its open child {@code shard-01-child}; its other child {@code shard-02-child} and the remaining open
 * shards got no writes. An open shard answers empty pages at its tip, as the real service does, and the view notes
 * when each shard's run of empty pages (its tip check) began and last went on, so a test can see whether the export
 * checked the idle shards one after the other or at the same time. The records, their sequence numbers and their
 * images are the real ones; DynamoDB Local itself has one shard.
 */
final class FannedStream extends ScriptedShards {
    static final String PARENT = "shard-00-parent";
    static final String CHILD = "shard-01-child";

    /** When a shard's tip check began and when it was last polled, in System.nanoTime. */
    record TipCheck(long firstEmptyPage, long lastEmptyPage) {}

    private final int shardCount;
    private final int splitAfter;
    private final int page;
    private final Map<String, TipCheck> tipChecks = new ConcurrentHashMap<>();

    FannedStream(DynamoDbStreamsClient real, int shardCount, int splitAfter) {
        this(real, shardCount, splitAfter, 10);
    }

    /** With GetRecords pages of at most {@code page} records. */
    FannedStream(DynamoDbStreamsClient real, int shardCount, int splitAfter, int page) {
        super(real);
        this.shardCount = shardCount;
        this.splitAfter = splitAfter;
        this.page = page;
    }

    /** The open shards' tip checks seen so far, by shard. */
    Map<String, TipCheck> tipChecks() {
        return Map.copyOf(tipChecks);
    }

    @Override
    public GetRecordsResponse getRecords(GetRecordsRequest request) {
        String[] at = request.shardIterator().split("\\|");
        List<Record> records = records(at[0]);
        int from = Math.min(Integer.parseInt(at[1]), records.size());
        int to = Math.min(from + Math.min(page, request.limit() == null ? page : request.limit()), records.size());
        boolean closed = closed(at[0]);
        if (from == to && !closed) {
            long now = System.nanoTime();
            tipChecks.merge(at[0], new TipCheck(now, now), (a, b) -> new TipCheck(a.firstEmptyPage(), now));
        }
        return GetRecordsResponse.builder().records(records.subList(from, to))
                .nextShardIterator(closed && to == records.size() ? null : at[0] + "|" + to).build();
    }

    @Override
    protected Layout layout(List<Record> all) {
        Map<String, List<Record>> byShard = new LinkedHashMap<>();
        Map<String, String> parentOf = new LinkedHashMap<>();
        byShard.put(PARENT, List.copyOf(all.subList(0, Math.min(splitAfter, all.size()))));
        byShard.put(CHILD, List.copyOf(all.subList(Math.min(splitAfter, all.size()), all.size())));
        parentOf.put(CHILD, PARENT);
        for (int i = 2; i < shardCount; i++) {
            String id = String.format(i == 2 ? "shard-%02d-child" : "shard-%02d-idle", i);
            byShard.put(id, List.of());
            if (i == 2) {
                parentOf.put(id, PARENT);
            }
        }
        return new Layout(byShard, parentOf);
    }
}
