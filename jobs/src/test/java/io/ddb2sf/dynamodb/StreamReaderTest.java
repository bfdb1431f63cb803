package io.ddb2sf.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
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
                .read("arn", "shard-1", null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1", "2", "3");
        assertThat(read).isEqualTo(new StreamReader.ShardRead("3", true));
        assertThat(stream.iteratorRequests).extracting(GetShardIteratorRequest::sequenceNumber).containsExactly(null, "1");
    }

    @Test
    void shouldStopBeforeTheFirstRecordOfTheNextWindow() {
        FakeStream stream = new FakeStream(List.of(record("1", T0), record("2", T0.plusSeconds(3600)), record("3", T0)));
        List<String> seen = new ArrayList<>();
        StreamReader.ShardRead read = new StreamReader(null, stream)
                .read("arn", "shard-1", null, StreamReader.Limit.before(T0.plusSeconds(3600)), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1");
        assertThat(read).isEqualTo(new StreamReader.ShardRead("1", false));
    }

    @Test
    void shouldReadExactlyThroughARecordedSequenceOnRerun() {
        FakeStream stream = new FakeStream(List.of(record("1", T0), record("2", T0), record("3", T0)));
        List<String> seen = new ArrayList<>();
        new StreamReader(null, stream).read("arn", "shard-1", null, StreamReader.Limit.through("2"), r -> seen.add(seq(r)));
        assertThat(seen).containsExactly("1", "2");
    }

    @Test
    void shouldReportTrimmedRecordsAsAGap() {
        FakeStream stream = new FakeStream(List.of());
        stream.trimmed = true;
        assertThatThrownBy(() -> new StreamReader(null, stream)
                .read("arn", "shard-1", "42", StreamReader.Limit.before(T0), r -> { }))
                .isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).code()).isEqualTo(ErrorCode.STREAM_GAP))
                .hasMessageContaining("after sequence 42", "shard-1");
    }

    private static Record record(String seq, Instant at) {
        return Record.builder().eventName("INSERT")
                .dynamodb(d -> d.sequenceNumber(seq).approximateCreationDateTime(at)).build();
    }

    private static String seq(Record r) {
        return r.dynamodb().sequenceNumber();
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
