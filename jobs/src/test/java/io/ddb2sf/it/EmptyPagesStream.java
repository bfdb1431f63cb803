package io.ddb2sf.it;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * A stream whose shards hold runs of empty pages, as the real service's may: "If there are no stream records
 * available in the portion of the shard that the iterator points to, GetRecords returns an empty list. Note that it
 * might take multiple calls to get to a portion of the shard that contains stream records" (DynamoDB Streams API
 * reference, GetRecords). DynamoDB Local never returns an empty page before a record, so this view over another
 * stream serves {@code gap} empty pages before each shard's first page, after its first page of records, and after
 * its last page (before the null iterator of a closed shard; before the real tip of an open one). The records, their
 * order and the shards are the inner stream's; it counts every empty page it served, by shard and by place.
 */
final class EmptyPagesStream extends StreamView {
    /** Where a run of empty pages sits in a shard. */
    enum Place { BEFORE, BETWEEN, AFTER }

    private final int gap;
    private final Map<String, Position> positions = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();

    EmptyPagesStream(DynamoDbStreamsClient inner, int gap) {
        super(inner);
        this.gap = gap;
    }

    /** How many empty pages this view served for {@code shardId} at {@code place}. */
    int served(String shardId, Place place) {
        AtomicInteger n = served.get(shardId + "/" + place);
        return n == null ? 0 : n.get();
    }

    /**
     * An iterator of this view: {@code emptyLeft} empty pages still to serve at {@code place}, then the inner
     * iterator (null: the closed shard ends); {@code betweenDone} once the run after the first page was placed.
     */
    private record Position(String shardId, int emptyLeft, Place place, String inner, boolean betweenDone, boolean afterDone) {}

    @Override
    public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
        String it = real.getShardIterator(request).shardIterator();
        return GetShardIteratorResponse.builder()
                .shardIterator(keep(new Position(request.shardId(), gap, Place.BEFORE, it, false, false))).build();
    }

    @Override
    public GetRecordsResponse getRecords(GetRecordsRequest request) {
        Position at = positions.get(request.shardIterator());
        if (at.emptyLeft > 0) {
            served.computeIfAbsent(at.shardId + "/" + at.place, k -> new AtomicInteger()).incrementAndGet();
            Position next = new Position(at.shardId, at.emptyLeft - 1, at.place, at.inner, at.betweenDone, at.afterDone);
            boolean closedEnd = next.emptyLeft == 0 && next.inner == null;
            return GetRecordsResponse.builder().records(List.of()).nextShardIterator(closedEnd ? null : keep(next)).build();
        }
        GetRecordsResponse page = real.getRecords(b -> b.shardIterator(at.inner).limit(request.limit()));
        String innerNext = page.nextShardIterator();
        Position next;
        if (!page.records().isEmpty() && innerNext == null) {
            next = new Position(at.shardId, gap, Place.AFTER, null, true, true);            // closed: empty pages, then the end
        } else if (!page.records().isEmpty() && !at.betweenDone) {
            next = new Position(at.shardId, gap, Place.BETWEEN, innerNext, true, at.afterDone);
        } else if (page.records().isEmpty() && innerNext != null && !at.afterDone && at.betweenDone) {
            next = new Position(at.shardId, gap, Place.AFTER, innerNext, true, true);       // open: empty pages, then the tip
        } else {
            next = innerNext == null ? null : new Position(at.shardId, 0, at.place, innerNext, at.betweenDone, at.afterDone);
        }
        return page.toBuilder().nextShardIterator(next == null ? null : keep(next)).build();
    }

    private String keep(Position p) {
        String id = "gap-" + ids.incrementAndGet();
        positions.put(id, p);
        return id;
    }
}
