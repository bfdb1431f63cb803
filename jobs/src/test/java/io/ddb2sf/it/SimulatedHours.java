package io.ddb2sf.it;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Several hours of one table's stream, run in a few minutes. The writes happen now, in batches; after each batch the
 * test dates the batch's stream records into a chosen span of a past hour ({@link #date}), spread in stream order and
 * floored to the minute as DynamoDB Local stamps them. The export sees the real stream (records, sequence numbers,
 * images, iterators, shards) through {@link #view}, where only ApproximateCreationDateTime is the simulated one, so
 * every past hour is a real, closed one-hour window. Records not dated yet keep their real time, later than every
 * simulated hour, and stay out of every window until their batch is dated.
 */
final class SimulatedHours {
    private final DynamoDbStreamsClient real;
    private final Map<String, Instant> dated = new ConcurrentHashMap<>();

    /** One dated record: its stream, sequence number, keys, and whether its window is exported. */
    record Dated(String streamArn, String sequence, Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> keys,
                 String eventName, Instant at) {}

    SimulatedHours(DynamoDbStreamsClient real) {
        this.real = real;
    }

    /**
     * Dates every record of the stream not dated yet into [from, to], in stream order; returns them.
     */
    List<Dated> date(String streamArn, Instant from, Instant to) {
        List<Record> fresh = new ArrayList<>();
        for (Record r : readAll(real, streamArn)) {
            if (!dated.containsKey(id(r))) {
                fresh.add(r);
            }
        }
        List<Dated> out = new ArrayList<>();
        long span = Duration.between(from, to).toMillis();
        for (int i = 0; i < fresh.size(); i++) {
            Record r = fresh.get(i);
            Instant at = from.plusMillis(fresh.size() == 1 ? 0 : span * i / (fresh.size() - 1)).truncatedTo(ChronoUnit.MINUTES);
            if (dated.putIfAbsent(id(r), at) != null) {
                throw new AssertionError("stream record " + id(r) + " seen twice in " + streamArn);
            }
            out.add(new Dated(streamArn, r.dynamodb().sequenceNumber(), r.dynamodb().keys(), r.eventNameAsString(), at));
        }
        return out;
    }

    /** Records of the stream not dated yet (each must belong to some simulated hour by the end). */
    long undated(String streamArn) {
        return readAll(real, streamArn).stream().filter(r -> !dated.containsKey(id(r))).count();
    }

    /**
     * The stream as an export sees it: dated records, pages of random sizes (1 to 40 records, never empty), and, when
     * {@code dieOnCall} is positive, the process "dying" on that GetRecords call: it throws {@link Killed} before the
     * page reaches the export, as a SIGKILL would leave it: records read, nothing written for them.
     */
    View view(DynamoDbStreamsClient streams, Random random, int dieOnCall) {
        return new View(streams, random, dieOnCall);
    }

    /** Thrown by a view to end an export where a SIGKILL would. */
    static final class Killed extends RuntimeException {
        Killed(String message) {
            super(message);
        }
    }

    final class View extends StreamView {
        private final Random random;
        private final int dieOnCall;
        private int calls;
        boolean died;

        private View(DynamoDbStreamsClient streams, Random random, int dieOnCall) {
            super(streams);
            this.random = random;
            this.dieOnCall = dieOnCall;
        }

        @Override
        public GetRecordsResponse getRecords(GetRecordsRequest request) {
            int limit = Math.min(request.limit() == null ? 1000 : request.limit(), 1 + random.nextInt(40));
            GetRecordsResponse page = real.getRecords(request.toBuilder().limit(limit).build());
            if (++calls == dieOnCall) {
                died = true;
                throw new Killed("export killed on GetRecords call " + calls);
            }
            List<Record> records = page.records().stream().map(r -> {
                Instant at = dated.get(id(r));
                return at == null ? r : r.toBuilder().dynamodb(r.dynamodb().toBuilder().approximateCreationDateTime(at).build()).build();
            }).toList();
            return page.toBuilder().records(records).build();
        }

    }

    private static String id(Record r) {
        return r.eventID() != null ? r.eventID() : r.dynamodb().sequenceNumber();
    }

    /** Every record of the stream, shard by shard, in order: the shards' records up to their tips. */
    static List<Record> readAll(DynamoDbStreamsClient streams, String streamArn) {
        List<Record> all = new ArrayList<>();
        for (Shard shard : streams.describeStream(b -> b.streamArn(streamArn)).streamDescription().shards()) {
            String iterator = streams.getShardIterator(b -> b.streamArn(streamArn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            int empty = 0;
            while (iterator != null && empty < 2) {
                String it = iterator;
                GetRecordsResponse page = streams.getRecords(b -> b.shardIterator(it));
                all.addAll(page.records());
                empty = page.records().isEmpty() ? empty + 1 : 0;
                iterator = page.nextShardIterator();
            }
        }
        return all;
    }
}
