package io.ddb2sf.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** The reader's own logic against a scripted stream; the real stream is exercised by the integration tests. */
class StreamReaderTest {
    private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    @Test
    void shouldRenewAnExpiredIteratorFromTheLastSequenceAndLoseNothing() {
        FakeStream stream = new FakeStream(List.of(record("1", T0), record("2", T0), record("3", T0)));
        stream.expireAfterRead = 1;
        List<String> seen = new ArrayList<>();
        StreamReader.ShardRead read = new StreamReader(null, stream)
                .read("arn", "shard-1", null, null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1", "2", "3");
        assertThat(read).isEqualTo(new StreamReader.ShardRead("3", true));
        assertThat(stream.iteratorRequests).extracting(GetShardIteratorRequest::sequenceNumber).containsExactly(null, "1");
    }

    @Test
    void shouldStopBeforeTheFirstRecordOfTheNextWindow() {
        FakeStream stream = new FakeStream(List.of(record("1", T0), record("2", T0.plusSeconds(3600)), record("3", T0)));
        List<String> seen = new ArrayList<>();
        StreamReader.ShardRead read = new StreamReader(null, stream)
                .read("arn", "shard-1", null, null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1");
        assertThat(read).isEqualTo(new StreamReader.ShardRead("1", false));
    }

    @Test
    void shouldReadExactlyThroughARecordedSequenceOnRerun() {
        FakeStream stream = new FakeStream(List.of(record("1", T0), record("2", T0), record("3", T0)));
        List<String> seen = new ArrayList<>();
        new StreamReader(null, stream).read("arn", "shard-1", null, null, StreamReader.Limit.through("2"), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1", "2");
    }

    @Test
    void shouldReportTrimmedRecordsAsAGap() {
        FakeStream stream = new FakeStream(List.of());
        stream.trimmed = true;
        assertThatThrownBy(() -> new StreamReader(null, stream)
                .read("arn", "shard-1", null, "42", StreamReader.Limit.before(T0), r -> { }))
                .isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).code()).isEqualTo(ErrorCode.STREAM_GAP))
                .hasMessageContaining("after sequence 42", "shard-1");
    }

    @Test
    void shouldReadAClosedShardThroughEmptyPagesBeforeAndBetweenRecordsToItsEndingSequence() {
        PagedStream stream = new PagedStream(true, empty(20), page("1", "2"), empty(20), page("3"), empty(20));
        FakeTime time = new FakeTime();
        List<String> seen = new ArrayList<>();
        StreamReader.ShardRead read = time.reader(stream)
                .read("arn", "shard-1", "3", null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1", "2", "3");
        assertThat(read).isEqualTo(new StreamReader.ShardRead("3", true));
        assertThat(stream.emptyPagesServed).isEqualTo(40);
    }

    @Test
    void shouldReadAClosedShardThroughEmptyPagesAfterItsLastRecordUntilTheIteratorEnds() {
        PagedStream stream = new PagedStream(true, empty(20), page("1"), empty(20), page("2"), empty(20));
        List<String> seen = new ArrayList<>();
        StreamReader.ShardRead read = new FakeTime().reader(stream)
                .read("arn", "shard-1", "5", null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1", "2");
        assertThat(read).isEqualTo(new StreamReader.ShardRead("2", true));
        assertThat(stream.emptyPagesServed).isEqualTo(60);
    }

    @Test
    void shouldStopAtAnIdleOpenShardsTipAfterTheConfiguredWait() {
        PagedStream stream = new PagedStream(false, page("1"));
        FakeTime time = new FakeTime();
        StreamReader.ShardRead read = time.reader(stream, Duration.ofSeconds(2))
                .read("arn", "shard-1", null, null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> { });
        assertThat(read).isEqualTo(new StreamReader.ShardRead("1", false));
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(2));
        assertThat(stream.emptyPagesServed).isEqualTo(Duration.ofSeconds(2).dividedBy(StreamReader.EMPTY_PAGE_PAUSE) + 1);
    }

    @Test
    void shouldGiveAnOpenShardATimeBudgetForEmptyPagesNotAPageCount() {
        PagedStream stream = new PagedStream(false, empty(20), page("1"), empty(20), page("2"));
        FakeTime time = new FakeTime();
        List<String> seen = new ArrayList<>();
        StreamReader.ShardRead read = time.reader(stream)
                .read("arn", "shard-1", null, null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1", "2");
        assertThat(read).isEqualTo(new StreamReader.ShardRead("2", false));
        // At the tip it polled for the budget, at the documented pace, then stopped.
        long tipPages = stream.emptyPagesServed - 40;
        assertThat(tipPages).isEqualTo(StreamReader.OPEN_SHARD_EMPTY_BUDGET.dividedBy(StreamReader.EMPTY_PAGE_PAUSE) + 1);
        assertThat(time.slept).allMatch(StreamReader.EMPTY_PAGE_PAUSE::equals);
    }

    @Test
    void shouldReadThroughEmptyPagesToTheRecordedSequenceOnRerunEvenPastTheOpenShardBudget() {
        PagedStream stream = new PagedStream(false, empty(100), page("1", "2"), page("3"));
        List<String> seen = new ArrayList<>();
        StreamReader.ShardRead read = new FakeTime().reader(stream)
                .read("arn", "shard-1", null, null, StreamReader.Limit.through("2"), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1", "2");
        assertThat(read.lastSequence()).isEqualTo("2");
    }

    @Test
    void shouldFailAClosedShardThatGivesOnlyEmptyPagesRatherThanCallItFinished() {
        PagedStream stream = new PagedStream(false, page("1"));
        FakeTime time = new FakeTime();
        assertThatThrownBy(() -> time.reader(stream)
                .read("arn", "shard-1", "9", null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> { }))
                .isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).code()).isEqualTo(ErrorCode.SOURCE_FAILED))
                .hasMessageContaining("shard-1", "after sequence 1", "(9)", "rerun the partition");
        assertThat(time.elapsed()).isGreaterThanOrEqualTo(StreamReader.CLOSED_SHARD_EMPTY_LIMIT);
    }

    @Test
    void shouldRetryAReadRefusedAsOverTheReaderLimitWithFullJitterBackoff() {
        PagedStream stream = new PagedStream(true, page("1"), page("2"));
        stream.refusals = 3;
        FakeTime time = new FakeTime();
        List<String> seen = new ArrayList<>();
        StreamReader.ShardRead read = time.reader(stream)
                .read("arn", "shard-1", null, null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1", "2");
        assertThat(read).isEqualTo(new StreamReader.ShardRead("2", true));
        assertThat(stream.refused).isEqualTo(3);
        // jitter 0.5 over ceilings of 1 s, 2 s, 4 s
        assertThat(time.slept).containsExactly(Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(2000));
    }

    @Test
    void shouldFailWithWhatToDoWhenReadsStayOverTheReaderLimit() {
        PagedStream stream = new PagedStream(true, page("1"));
        stream.refusals = Integer.MAX_VALUE;
        FakeTime time = new FakeTime();
        assertThatThrownBy(() -> time.reader(stream)
                .read("arn", "shard-1", null, null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> { }))
                .isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).code()).isEqualTo(ErrorCode.SOURCE_FAILED))
                .hasMessageContaining("shard-1", "two readers", "ddb2sf is one of them");
        assertThat(stream.refused).isEqualTo(RetryPolicy.SHARD_READERS.attempts());
    }

    @Test
    void shouldCapTheBackoffCeiling() {
        RetryPolicy policy = RetryPolicy.SHARD_READERS;
        assertThat(policy.delay(0, 0.999)).isLessThan(Duration.ofSeconds(1));
        assertThat(policy.delay(30, 0.999)).isLessThanOrEqualTo(Duration.ofSeconds(20)).isGreaterThan(Duration.ofSeconds(19));
        assertThat(policy.delay(5, 0.0)).isEqualTo(Duration.ZERO);
    }

    private static List<List<Record>> empty(int pages) {
        List<List<Record>> empty = new ArrayList<>();
        for (int i = 0; i < pages; i++) {
            empty.add(List.of());
        }
        return empty;
    }

    private static List<List<Record>> page(String... seqs) {
        List<Record> page = new ArrayList<>();
        for (String s : seqs) {
            page.add(record(s, T0));
        }
        return List.of(page);
    }

    private static Record record(String seq, Instant at) {
        return Record.builder().eventName("INSERT")
                .dynamodb(d -> d.sequenceNumber(seq).approximateCreationDateTime(at)).build();
    }

    private static String seq(Record r) {
        return r.dynamodb().sequenceNumber();
    }

    /** A clock that moves only when the reader sleeps. */
    static final class FakeTime {
        private final Instant start = T0;
        private Instant now = T0;
        final List<Duration> slept = new ArrayList<>();

        StreamReader reader(DynamoDbStreamsClient stream) {
            return reader(stream, StreamReader.OPEN_SHARD_EMPTY_BUDGET);
        }

        StreamReader reader(DynamoDbStreamsClient stream, Duration openShardIdleWait) {
            Clock clock = new Clock() {
                public ZoneId getZone() {
                    return ZoneOffset.UTC;
                }

                public Clock withZone(ZoneId zone) {
                    return this;
                }

                public Instant instant() {
                    return now;
                }
            };
            return new StreamReader(null, stream, clock, d -> {
                slept.add(d);
                now = now.plus(d);
            }, () -> 0.5, openShardIdleWait);
        }

        Duration elapsed() {
            return Duration.between(start, now);
        }
    }

    /**
     * One shard served page by page as scripted; after the script a closed shard ends (null iterator) and an open one
     * gives empty pages forever, as its tip does. Iterators are page positions; an iterator after a sequence points to
     * the page after the one holding it.
     */
    static final class PagedStream implements DynamoDbStreamsClient {
        final List<List<Record>> pages = new ArrayList<>();
        final boolean closed;
        int refusals;
        int refused;
        long emptyPagesServed;

        @SafeVarargs
        PagedStream(boolean closed, List<List<Record>>... script) {
            this.closed = closed;
            for (List<List<Record>> part : script) {
                pages.addAll(part);
            }
        }

        @Override
        public GetShardIteratorResponse getShardIterator(Consumer<GetShardIteratorRequest.Builder> b) {
            GetShardIteratorRequest req = GetShardIteratorRequest.builder().applyMutation(b).build();
            int pos = 0;
            if (req.sequenceNumber() != null) {
                while (pos < pages.size() && pages.get(pos).stream().noneMatch(r -> seq(r).equals(req.sequenceNumber()))) {
                    pos++;
                }
                pos++;
            }
            return GetShardIteratorResponse.builder().shardIterator(String.valueOf(pos)).build();
        }

        @Override
        public GetRecordsResponse getRecords(Consumer<GetRecordsRequest.Builder> b) {
            GetRecordsRequest req = GetRecordsRequest.builder().applyMutation(b).build();
            if (refused < refusals) {
                refused++;
                throw LimitExceededException.builder().statusCode(400)
                        .message("Too many operations for a given subscriber").build();
            }
            int pos = Integer.parseInt(req.shardIterator());
            List<Record> page = pos < pages.size() ? pages.get(pos) : List.of();
            emptyPagesServed += page.isEmpty() ? 1 : 0;
            boolean end = closed && pos + 1 >= pages.size();
            return GetRecordsResponse.builder().records(page).nextShardIterator(end ? null : String.valueOf(pos + 1)).build();
        }

        @Override
        public String serviceName() {
            return "fake";
        }

        @Override
        public void close() {}
    }

    /** A closed shard served one record per page; iterators are positions. */
    static final class FakeStream implements DynamoDbStreamsClient {
        final List<Record> records;
        final List<GetShardIteratorRequest> iteratorRequests = new ArrayList<>();
        int expireAfterRead = -1;
        boolean trimmed;
        int reads;

        FakeStream(List<Record> records) {
            this.records = records;
        }

        @Override
        public GetShardIteratorResponse getShardIterator(Consumer<GetShardIteratorRequest.Builder> b) {
            GetShardIteratorRequest req = GetShardIteratorRequest.builder().applyMutation(b).build();
            iteratorRequests.add(req);
            if (trimmed) {
                throw TrimmedDataAccessException.builder().message("trimmed").build();
            }
            int pos = 0;
            if (req.sequenceNumber() != null) {
                while (pos < records.size() && !seq(records.get(pos)).equals(req.sequenceNumber())) {
                    pos++;
                }
                pos++;
            }
            return GetShardIteratorResponse.builder().shardIterator(String.valueOf(pos)).build();
        }

        @Override
        public GetRecordsResponse getRecords(Consumer<GetRecordsRequest.Builder> b) {
            GetRecordsRequest req = GetRecordsRequest.builder().applyMutation(b).build();
            if (reads++ == expireAfterRead) {
                throw ExpiredIteratorException.builder().message("expired").build();
            }
            int pos = Integer.parseInt(req.shardIterator());
            if (pos >= records.size()) {
                return GetRecordsResponse.builder().records(List.of()).build();
            }
            return GetRecordsResponse.builder().records(records.get(pos)).nextShardIterator(String.valueOf(pos + 1)).build();
        }

        @Override
        public String serviceName() {
            return "fake";
        }

        @Override
        public void close() {}
    }
}
