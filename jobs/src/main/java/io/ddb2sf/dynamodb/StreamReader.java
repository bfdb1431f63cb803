package io.ddb2sf.dynamodb;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.TableConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * Reads a table's DynamoDB Stream shard by shard, within a bound, renewing expired iterators.
 *
 * <p>Empty pages do not mean the end of a shard: "If there are no stream records available in the portion of the
 * shard that the iterator points to, GetRecords returns an empty list. Note that it might take multiple calls to get
 * to a portion of the shard that contains stream records" (DynamoDB Streams API reference, GetRecords,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html). So a closed shard
 * (DescribeStream gives it an EndingSequenceNumber, API_streams_DescribeStream.html) is read until its
 * NextShardIterator is null ("the shard has been closed and the requested iterator will not return any more data")
 * or its ending sequence is handed over, however many empty pages lie between; an open shard, whose tip also looks
 * like empty pages, is read until it has given nothing but empty pages for a time budget, never for a page count.
 * One reader may read several shards at once, each from its own thread: it keeps no state between reads.
 */
public final class StreamReader {
    /**
     * How long an open shard may give only empty pages before it counts as read to its tip for this run, unless the
     * config says otherwise ({@code stream.openShardIdleWait}). Ten seconds is 40 polls at one every 250 ms: enough to
     * walk past a run of empty pages the real service may serve before records further along an open shard.
     */
    public static final Duration OPEN_SHARD_EMPTY_BUDGET = Duration.ofSeconds(10);
    /**
     * How long a shard that must be read to a known end (closed, or re-read through a recorded sequence) may give only
     * empty pages before the read fails; it is never reported finished before its end.
     */
    static final Duration CLOSED_SHARD_EMPTY_LIMIT = Duration.ofMinutes(10);
    /**
     * Pause between empty pages: at most 4 polls a second on a shard with nothing to hand over, so the other reader
     * a shard allows keeps its share ("No more than two processes at most should be reading from the same streams
     * shard at the same time", DynamoDB Developer Guide, Change data capture for DynamoDB Streams, Streams.html).
     */
    static final Duration EMPTY_PAGE_PAUSE = Duration.ofMillis(250);

    private final DynamoDbClient dynamodb;
    private final DynamoDbStreamsClient streams;
    private final Clock clock;
    private final Sleeper sleeper;
    private final DoubleSupplier jitter;
    private final Duration openShardIdleWait;

    /** Sleeps for the given time; tests pass a fake clock's advance. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public StreamReader(DynamoDbClient dynamodb, DynamoDbStreamsClient streams) {
        this(dynamodb, streams, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** With the clock the empty-page budgets are measured on, what waits, and a source of jitter in [0, 1). */
    public StreamReader(DynamoDbClient dynamodb, DynamoDbStreamsClient streams, Clock clock, Sleeper sleeper,
                        DoubleSupplier jitter) {
        this(dynamodb, streams, clock, sleeper, jitter, OPEN_SHARD_EMPTY_BUDGET);
    }

    /** With the time an open shard may give only empty pages before it counts as read to its tip. */
    public StreamReader(DynamoDbClient dynamodb, DynamoDbStreamsClient streams, Duration openShardIdleWait) {
        this(dynamodb, streams, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()),
                () -> ThreadLocalRandom.current().nextDouble(), openShardIdleWait);
    }

    public StreamReader(DynamoDbClient dynamodb, DynamoDbStreamsClient streams, Clock clock, Sleeper sleeper,
                        DoubleSupplier jitter, Duration openShardIdleWait) {
        this.openShardIdleWait = openShardIdleWait;
        this.dynamodb = dynamodb;
        this.streams = streams;
        this.clock = clock;
        this.sleeper = sleeper;
        this.jitter = jitter;
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

    /**
     * When the stream was created: DescribeStream's CreationRequestDateTime ("The date and time when the request to
     * create this stream was issued", API_streams_StreamDescription); empty when the service leaves it out.
     */
    public java.util.Optional<Instant> createdAt(String streamArn) {
        try {
            return java.util.Optional.ofNullable(streams.describeStream(b -> b.streamArn(streamArn)).streamDescription()
                    .creationRequestDateTime());
        } catch (SdkException e) {
            throw sourceFailed("describe stream " + streamArn, e);
        }
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
     * limit to {@code sink}, in order. {@code endingSequence} is the shard's EndingSequenceNumber when DescribeStream
     * showed it closed, null when it is open or was not described.
     */
    public ShardRead read(String streamArn, String shardId, String endingSequence, String afterSequence, Limit limit,
                          Consumer<Record> sink) {
        boolean knownEnd = endingSequence != null || limit.endsAtKnownRecord();
        String last = afterSequence;
        if (reached(last, endingSequence)) {
            return new ShardRead(last, true);
        }
        String iterator = iterator(streamArn, shardId, last);
        Instant emptySince = null;
        try {
            while (iterator != null) {
                GetRecordsResponse page;
                try {
                    page = getRecords(shardId, iterator);
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
                if (reached(last, endingSequence)) {
                    return new ShardRead(last, true);
                }
                iterator = page.nextShardIterator();
                if (iterator == null) {
                    return new ShardRead(last, true);
                }
                if (!page.records().isEmpty()) {
                    emptySince = null;
                    continue;
                }
                Instant now = clock.instant();
                emptySince = emptySince == null ? now : emptySince;
                Duration empty = Duration.between(emptySince, now);
                if (!knownEnd && empty.compareTo(openShardIdleWait) >= 0) {
                    return new ShardRead(last, false);
                }
                if (knownEnd && empty.compareTo(CLOSED_SHARD_EMPTY_LIMIT) >= 0) {
                    throw new JobException(ErrorCode.SOURCE_FAILED, "shard " + shardId + " of " + streamArn
                            + " gave only empty pages for " + empty.toMinutes() + " minutes after sequence " + last
                            + " without reaching its end" + (endingSequence == null ? "" : " (" + endingSequence + ")")
                            + "; nothing was skipped: rerun the partition");
                }
                sleeper.sleep(EMPTY_PAGE_PAUSE);
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

    /**
     * One page, retrying LimitExceededException under {@link RetryPolicy#SHARD_READERS}, the only retry of it;
     * throttling the SDK does recognise (ThrottlingException, 429, 5xx) stays with the SDK's aws.maxAttempts, and is
     * not retried again here.
     */
    private GetRecordsResponse getRecords(String shardId, String iterator) throws InterruptedException {
        for (int retry = 0; ; retry++) {
            try {
                return streams.getRecords(b -> b.shardIterator(iterator).limit(1000));
            } catch (LimitExceededException e) {
                if (!RetryPolicy.SHARD_READERS.retriesAfter(retry)) {
                    throw new JobException(ErrorCode.SOURCE_FAILED, "reading shard " + shardId + " was refused "
                            + RetryPolicy.SHARD_READERS.attempts() + " times as over the limit (" + JobException.firstLine(e)
                            + "): a shard allows two readers and ddb2sf is one of them; remove the extra reader"
                            + " (another Lambda trigger or consumer on the stream), then rerun the partition", e);
                }
                sleeper.sleep(RetryPolicy.SHARD_READERS.delay(retry, jitter.getAsDouble()));
            }
        }
    }

    /** True once the last sequence handed over is the shard's known ending sequence (or beyond it). */
    private static boolean reached(String last, String endingSequence) {
        return last != null && endingSequence != null
                && new java.math.BigInteger(last).compareTo(new java.math.BigInteger(endingSequence)) >= 0;
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

        /** True when the read must reach a record known to exist, so empty pages never end it early. */
        default boolean endsAtKnownRecord() {
            return false;
        }

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

                public boolean endsAtKnownRecord() {
                    return true;
                }
            };
        }
    }
}
