package io.ddb2sf.dynamodb;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.TableConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** Reads a table's DynamoDB Stream shard by shard, within a bound, renewing expired iterators. */
public final class StreamReader {
    /** Consecutive empty pages after which an open shard counts as read to its tip for this run. */
    private static final int EMPTY_PAGES_AT_TIP = 3;
    private static final Duration EMPTY_PAGE_PAUSE = Duration.ofMillis(200);

    private final DynamoDbClient dynamodb;
    private final DynamoDbStreamsClient streams;

    public StreamReader(DynamoDbClient dynamodb, DynamoDbStreamsClient streams) {
        this.dynamodb = dynamodb;
        this.streams = streams;
    }

    /** The table's current stream ARN, after checking the stream and the configured key schema. */
    public String streamArn(TableConfig table) {
        TableDescription d = KeySchema.describe(dynamodb, table);
        var spec = d.streamSpecification();
        if (spec == null || !Boolean.TRUE.equals(spec.streamEnabled()) || d.latestStreamArn() == null) {
            throw new JobException(ErrorCode.STREAM_NOT_ENABLED, "table " + table.name()
                    + " has no DynamoDB Stream; enable it with view type NEW_AND_OLD_IMAGES, then backfill the table");
        }
        if (spec.streamViewType() != StreamViewType.NEW_AND_OLD_IMAGES) {
            throw new JobException(ErrorCode.STREAM_NOT_ENABLED, "table " + table.name() + " streams "
                    + spec.streamViewType() + "; ddb2sf needs NEW_AND_OLD_IMAGES (change the stream, then backfill)");
        }
        return d.latestStreamArn();
    }

    public List<Shard> shards(String streamArn) {
        List<Shard> shards = new ArrayList<>();
        String after = null;
        try {
            do {
                String start = after;
                DescribeStreamResponse r = streams.describeStream(b -> b.streamArn(streamArn).exclusiveStartShardId(start));
                shards.addAll(r.streamDescription().shards());
                after = r.streamDescription().lastEvaluatedShardId();
            } while (after != null);
        } catch (SdkException e) {
            throw sourceFailed("describe stream " + streamArn, e);
        }
        return shards;
    }

    /** Whether a shard can still be read after {@code afterSequence}: false once those records were trimmed. */
    public boolean readableAfter(String streamArn, String shardId, String afterSequence) {
        try {
            iterator(streamArn, shardId, afterSequence);
            return true;
        } catch (JobException e) {
            if (e.code() == ErrorCode.STREAM_GAP) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Reads one shard after {@code afterSequence} (from its trim horizon when null) and hands each record within the
     * limit to {@code sink}, in order.
     */
    public ShardRead read(String streamArn, String shardId, String afterSequence, Limit limit, Consumer<Record> sink) {
        String last = afterSequence;
        String iterator = iterator(streamArn, shardId, last);
        int emptyPages = 0;
        try {
            while (iterator != null) {
                GetRecordsResponse page;
                try {
                    String it = iterator;
                    page = streams.getRecords(b -> b.shardIterator(it).limit(1000));
                } catch (ExpiredIteratorException e) {
                    // Iterators live 15 minutes; a slow sink must not lose the place.
                    iterator = iterator(streamArn, shardId, last);
                    continue;
                }
                for (Record r : page.records()) {
                    if (limit.excludes(r)) {
                        return new ShardRead(last, false);
                    }
                    sink.accept(r);
                    last = r.dynamodb().sequenceNumber();
                    if (limit.endsAt(r)) {
                        return new ShardRead(last, false);
                    }
                }
                iterator = page.nextShardIterator();
                if (iterator == null) {
                    return new ShardRead(last, true);
                }
                emptyPages = page.records().isEmpty() ? emptyPages + 1 : 0;
                if (emptyPages >= EMPTY_PAGES_AT_TIP) {
                    return new ShardRead(last, false);
                }
                if (emptyPages > 0) {
                    Thread.sleep(EMPTY_PAGE_PAUSE.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobException(ErrorCode.SOURCE_FAILED, "interrupted while reading shard " + shardId + "; rerun the partition");
        } catch (TrimmedDataAccessException e) {
            throw trimmed(shardId, last, e);
        } catch (SdkException e) {
            throw sourceFailed("read shard " + shardId + " of " + streamArn, e);
        }
        return new ShardRead(last, true);
    }

    private String iterator(String streamArn, String shardId, String afterSequence) {
        try {
            return streams.getShardIterator(b -> {
                b.streamArn(streamArn).shardId(shardId);
                if (afterSequence == null) {
                    b.shardIteratorType(ShardIteratorType.TRIM_HORIZON);
                } else {
                    b.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(afterSequence);
                }
            }).shardIterator();
        } catch (TrimmedDataAccessException e) {
            throw trimmed(shardId, afterSequence, e);
        } catch (ResourceNotFoundException e) {
            throw new JobException(ErrorCode.STREAM_GAP, "shard " + shardId + " of " + streamArn
                    + " no longer exists (stream records are kept 24 hours)", e);
        } catch (SdkException e) {
            throw sourceFailed("open shard " + shardId, e);
        }
    }

    private static JobException trimmed(String shardId, String afterSequence, Exception e) {
        return new JobException(ErrorCode.STREAM_GAP, "stream records after sequence " + afterSequence + " in shard "
                + shardId + " were trimmed (kept 24 hours)", e);
    }

    private static JobException sourceFailed(String what, SdkException e) {
        return new JobException(ErrorCode.SOURCE_FAILED, "cannot " + what + ": " + JobException.firstLine(e)
                + " (check the endpoint, region and the role's dynamodb:Describe*/GetRecords/GetShardIterator rights; then rerun)", e);
    }

    /** Where a shard read stopped: the last sequence number handed over, and whether the shard is closed and done. */
    public record ShardRead(String lastSequence, boolean finished) {}

    /** Which records a read may hand over. */
    public interface Limit {
        /** True for the first record that must not be handed over; the read stops before it. */
        boolean excludes(Record r);

        /** True for the last record that may be handed over; the read stops after it. */
        boolean endsAt(Record r);

        /** Every record whose event time is before {@code end}. */
        static Limit before(Instant end) {
            return new Limit() {
                public boolean excludes(Record r) {
                    return !r.dynamodb().approximateCreationDateTime().isBefore(end);
                }

                public boolean endsAt(Record r) {
                    return false;
                }
            };
        }

        /** Exactly up to and including {@code sequence}: a rerun reproduces what the first run read. */
        static Limit through(String sequence) {
            java.math.BigInteger last = new java.math.BigInteger(sequence);
            return new Limit() {
                public boolean excludes(Record r) {
                    return new java.math.BigInteger(r.dynamodb().sequenceNumber()).compareTo(last) > 0;
                }

                public boolean endsAt(Record r) {
                    return new java.math.BigInteger(r.dynamodb().sequenceNumber()).equals(last);
                }
            };
        }
    }
}
