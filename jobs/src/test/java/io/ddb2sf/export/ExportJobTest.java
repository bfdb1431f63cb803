package io.ddb2sf.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.Json;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.ColumnsRecord;
import io.ddb2sf.stage.JsonStore;
import io.ddb2sf.stage.InMemoryS3;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.PartFormat;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.ShardPosition;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The export's planning with in-memory fakes: which shards it reads in which order, where a rerun stops, and which
 * partitions it refuses. The same behaviour against DynamoDB Local and a real S3 server is in the ITs
 * (HourlySyncIT, ShardSplitIT, StreamFaultIT).
 */
class ExportJobTest {
    private static final Instant H0 = Instant.parse("2026-11-24T10:00:00Z");
    private static final String ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-11-24T00:00:00.000";

    @TempDir
    Path dir;

    private final InMemoryS3 s3 = new InMemoryS3();
    private final ScriptedStream stream = new ScriptedStream();
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    @Test
    void shouldReadAClosedParentToItsEndBeforeItsChildrenAndRecordTheLineage() throws Exception {
        // Listed children first: DescribeStream promises no order.
        stream.shard("c1", "p", false, rec("4", 20), rec("6", 30));
        stream.shard("c2", "p", false, rec("5", 25));
        stream.shard("p", null, true, rec("1", 5), rec("2", 10), rec("3", 15));

        ExportSummary s = job().run(hour(0));

        assertThat(s.rows()).isEqualTo(6);
        assertThat(stream.readOrder()).as("the parent is read to its end before either child").startsWith("p")
                .contains("c1", "c2");
        assertThat(stream.readOrder().lastIndexOf("p")).as("reads: %s", stream.readOrder())
                .isLessThan(Math.min(stream.readOrder().indexOf("c1"), stream.readOrder().indexOf("c2")));
        Map<String, ShardPosition> to = manifest(hour(0)).source().to();
        assertThat(to.get("p")).isEqualTo(new ShardPosition(null, "3", true));
        assertThat(to.get("c1")).isEqualTo(new ShardPosition("p", "6", false));
        assertThat(to.get("c2")).isEqualTo(new ShardPosition("p", "5", false));
    }

    @Test
    void shouldRerunAPartitionThroughItsRecordedPositionsAndWriteTheSameBytes() throws Exception {
        stream.shard("s", null, false, rec("1", 5), rec("2", 10));
        job().run(hour(0));
        Map<String, String> first = stage(hour(0));
        // More changes of the same hour arrive after the first run: the rerun must not take them.
        stream.append("s", rec("3", 40), rec("4", 50));

        ExportSummary rerun = job().run(hour(0));

        assertThat(rerun.mode()).isEqualTo("rerun");
        assertThat(rerun.rows()).isEqualTo(2);
        assertThat(stage(hour(0))).as("the same objects, byte for byte").isEqualTo(first);
        // The next hour starts where the first run stopped, so the late changes are exported once, there.
        assertThat(job().run(hour(1)).rows()).isEqualTo(2);
    }

    @Test
    void shouldRerunAnHourStagedInAnEarlierPartFormatInThatFormat() throws Exception {
        stream.shard("s", null, false, rec("1", 5), rec("2", 10), rec("3", 15));
        job().run(hour(0));
        Manifest current = manifest(hour(0));
        assertThat(current.formatVersion()).isEqualTo(PartFormat.CURRENT.version()).isEqualTo(2);
        // The hour as a build from before format 2 staged it: its manifest says formatVersion 1.
        new ManifestStore(new StageStore(s3, "bucket"), new StageKeys("stage"), Json.mapper()).write(hour(0),
                new Manifest(1, current.table(), current.partition(), current.windowStart(), current.windowEnd(),
                        current.source(), current.schemaFingerprint(), current.files(), current.totals(),
                        current.changes(), current.columnsVersion()));

        job().run(hour(0));
        Manifest rerun = manifest(hour(0));
        Map<String, String> rerunObjects = stage(hour(0));
        job().run(hour(0));

        assertThat(rerun.formatVersion()).isEqualTo(1);
        assertThat(rerun.files()).extracting(Manifest.FileEntry::key).isEqualTo(current.files().stream().map(Manifest.FileEntry::key).toList());
        assertThat(rerun.files()).extracting(Manifest.FileEntry::rows).containsExactly(3L);
        assertThat(rerun.files().get(0).sha256()).as("encoded as format 1, not as the current format")
                .isNotEqualTo(current.files().get(0).sha256());
        assertThat(stage(hour(0))).as("a second rerun: the same objects, byte for byte").isEqualTo(rerunObjects);
    }

    @Test
    void shouldWriteTheSameBytesWhetherShardsAreReadOneByOneOrAllAtOnce() throws Exception {
        // Two lineages and idle shards; pages of two records, so the concurrent reads interleave.
        stream.shard("c1", "p", false, rec("14", 20), rec("16", 30), rec("18", 31), rec("19", 32));
        stream.shard("c2", "p", false, rec("15", 25));
        stream.shard("p", null, true, rec("11", 5), rec("12", 10), rec("13", 15));
        stream.shard("q", null, false, rec("21", 6), rec("22", 7), rec("23", 8), rec("24", 9), rec("25", 11));
        for (int i = 0; i < 5; i++) {
            stream.shard("idle-" + i, null, false);
        }

        ExportSummary oneByOne = job(1).run(hour(0));
        Map<String, String> serial = stage(hour(0));
        Manifest serialManifest = manifest(hour(0));
        s3.snapshot().keySet().forEach(k -> s3.deleteObject(b -> b.bucket("bucket").key(k)));
        ExportSummary allAtOnce = job(ExportJob.SHARD_READERS).run(hour(0));

        assertThat(allAtOnce.rows()).isEqualTo(oneByOne.rows()).isEqualTo(13);
        assertThat(stage(hour(0))).as("the same objects, byte for byte").isEqualTo(serial);
        assertThat(manifest(hour(0))).isEqualTo(serialManifest);
        assertThat(manifest(hour(0)).source().to().get("c1")).isEqualTo(new ShardPosition("p", "19", false));
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void shouldFailTheHourAndWriteNoManifestWhenOneShardFailsWhileOthersAreRead() throws Exception {
        stream.shard("a", null, false, rec("1", 5), rec("2", 10), rec("3", 12));
        stream.shard("b", null, false, rec("4", 6));
        stream.shard("c", "a", false, rec("5", 20));
        for (int i = 0; i < 5; i++) {
            stream.shard("idle-" + i, null, false);
        }
        stream.failReads("b");

        assertThatThrownBy(() -> job().run(hour(0)))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STREAM_GAP))
                .hasMessageContaining("in shard b");
        assertThat(new ManifestStore(new StageStore(s3, "bucket"), new StageKeys("stage"), Json.mapper()).load(hour(0))).isEmpty();
        assertThat(s3.snapshot()).doesNotContainKey(new StageKeys("stage").checkpoint("orders"));
    }

    @Test
    void shouldRefuseAnHourWhenTheCheckpointIsStillBeforeIt() throws Exception {
        stream.shard("s", null, false, rec("1", 5));
        job().run(hour(0));

        assertThatThrownBy(() -> job().run(hour(2)))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKPOINT_ORDER))
                .hasMessageContaining("export " + hour(1) + " first");
    }

    @Test
    void shouldRefuseAnHourWithoutAManifestThatTheCheckpointHasPassed() throws Exception {
        stream.shard("s", null, false, rec("1", 5), rec("2", 65));
        job().run(hour(0));
        job().run(hour(1));
        new StageStore(s3, "bucket").delete(new StageKeys("stage").manifest(hour(0)));

        assertThatThrownBy(() -> job().run(hour(0)))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKPOINT_ORDER))
                .hasMessageContaining("already at " + hour(1).end());
    }

    @Test
    void shouldReportAGapWhenAShardItHasNotFinishedIsGone() throws Exception {
        stream.shard("s", null, false, rec("1", 5));
        job().run(hour(0));
        stream.trim("s");
        stream.shard("s2", null, false, rec("9", 65));

        assertThatThrownBy(() -> job().run(hour(1)))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STREAM_GAP))
                .hasMessageContaining("shard s was trimmed before it was read to its end")
                .hasMessageContaining("backfill --table orders --reset-checkpoint");
    }

    @Test
    void shouldReportAGapWhenAChildDescendsFromAShardThatWasNeverRead() throws Exception {
        stream.shard("s", null, false, rec("1", 5));
        job().run(hour(0));
        stream.trim("s");
        stream.shard("x", "never-read", false, rec("7", 65));

        assertThatThrownBy(() -> job().run(hour(1)))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STREAM_GAP));
    }

    // --- wiring ---

    private ExportJob job() throws Exception {
        return job(ExportJob.SHARD_READERS);
    }

    private ExportJob job(int shardReaders) throws Exception {
        Path config = dir.resolve("ddb2sf.yaml");
        Files.writeString(config, """
                aws: {region: us-east-1}
                stage: {bucket: bucket, prefix: stage}
                snowflake: {account: a, user: u, password: p, database: D, schema: S}
                tables:
                  - name: orders
                    keys: [{attribute: pk, type: S}]
                """);
        PipelineConfig c = new ConfigLoader(Map.of()).load(config);
        StageStore store = new StageStore(s3, "bucket");
        StageKeys keys = new StageKeys("stage");
        FakeTime time = new FakeTime(H0.plus(Duration.ofHours(3)));
        StreamReader reader = new StreamReader(new OneTable(), stream, time, time::sleep, () -> 0.5);
        PrintStream log = new PrintStream(logged, true);
        return new ExportJob(c.table("orders"), c.stage(), reader, store, new CheckpointStore(store, keys, Json.mapper()),
                new ManifestStore(store, keys, Json.mapper()), new ColumnsRecord(new JsonStore(store, Json.mapper()), keys, log),
                Optional.empty(), time, log, shardReaders);
    }

    private static HourPartition hour(int n) {
        return new HourPartition("orders", H0.plus(Duration.ofHours(n)), H0.plus(Duration.ofHours(n + 1)));
    }

    private Manifest manifest(HourPartition p) {
        return new ManifestStore(new StageStore(s3, "bucket"), new StageKeys("stage"), Json.mapper()).load(p).orElseThrow();
    }

    /** The partition's objects as key to content hash. */
    private Map<String, String> stage(HourPartition p) {
        String prefix = new StageKeys("stage").partitionPrefix(p);
        return s3.snapshot().entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> StageStore.sha256(e.getValue())));
    }

    /** A change at H0 plus the given minutes (a record's sequence number orders it within its shard). */
    private static Record rec(String seq, int minutes) {
        Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("k" + seq));
        return Record.builder().eventName("INSERT").dynamodb(d -> d.keys(key).newImage(key).sequenceNumber(seq)
                .approximateCreationDateTime(H0.plus(Duration.ofMinutes(minutes))).sizeBytes(20L)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)).build();
    }

    /** A clock that sleeping moves forward: the reader's empty-page budget passes at once. */
    static final class FakeTime extends Clock {
        private Instant now;

        FakeTime(Instant now) {
            this.now = now;
        }

        synchronized void sleep(Duration d) {
            now = now.plus(d);
        }

        @Override
        public synchronized Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    /** DescribeTable of the one table: key pk (S), a NEW_AND_OLD_IMAGES stream. */
    static final class OneTable implements DynamoDbClient {
        @Override
        public DescribeTableResponse describeTable(DescribeTableRequest request) {
            return DescribeTableResponse.builder().table(t -> t.tableName("orders")
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"))
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"))
                    .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES))
                    .latestStreamArn(ARN)).build();
        }

        @Override
        public String serviceName() {
            return "dynamodb";
        }

        @Override
        public void close() {
        }
    }

    /** Shards with scripted records; an open shard answers empty pages at its tip, a closed one ends its iterator. */
    static final class ScriptedStream implements DynamoDbStreamsClient {
        private record ShardScript(String parent, boolean closed, List<Record> records) {}

        private final Map<String, ShardScript> shards = new LinkedHashMap<>();
        private final List<String> reads = java.util.Collections.synchronizedList(new ArrayList<>());
        private final java.util.Set<String> failing = java.util.concurrent.ConcurrentHashMap.newKeySet();

        void shard(String id, String parent, boolean closed, Record... records) {
            shards.put(id, new ShardScript(parent, closed, new ArrayList<>(List.of(records))));
        }

        void append(String id, Record... records) {
            shards.get(id).records().addAll(List.of(records));
        }

        void trim(String id) {
            shards.remove(id);
        }

        /** The shard stays listed, but its records are gone when it is read. */
        void failReads(String id) {
            failing.add(id);
        }

        List<String> readOrder() {
            synchronized (reads) {
                return List.copyOf(reads);
            }
        }

        @Override
        public DescribeStreamResponse describeStream(DescribeStreamRequest request) {
            List<Shard> listed = shards.entrySet().stream().map(e -> Shard.builder().shardId(e.getKey())
                    .parentShardId(e.getValue().parent())
                    .sequenceNumberRange(r -> r.startingSequenceNumber("0").endingSequenceNumber(e.getValue().closed()
                            ? last(e.getValue()) : null)).build()).toList();
            return DescribeStreamResponse.builder().streamDescription(d -> d.streamArn(ARN).shards(listed)).build();
        }

        @Override
        public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
            ShardScript s = shards.get(request.shardId());
            if (s == null || failing.contains(request.shardId())) {
                throw TrimmedDataAccessException.builder().message("trimmed").build();
            }
            int at = 0;
            if (request.shardIteratorType() == ShardIteratorType.AFTER_SEQUENCE_NUMBER) {
                List<String> seqs = s.records().stream().map(r -> r.dynamodb().sequenceNumber()).toList();
                at = seqs.indexOf(request.sequenceNumber()) + 1;
            }
            return GetShardIteratorResponse.builder().shardIterator(request.shardId() + "@" + at).build();
        }

        @Override
        public GetRecordsResponse getRecords(GetRecordsRequest request) {
            String[] it = request.shardIterator().split("@");
            ShardScript s = shards.get(it[0]);
            int at = Integer.parseInt(it[1]);
            reads.add(it[0]);
            List<Record> page = s.records().subList(at, Math.min(s.records().size(), at + 2));
            int next = at + page.size();
            String nextIterator = s.closed() && next >= s.records().size() ? null : it[0] + "@" + next;
            return GetRecordsResponse.builder().records(List.copyOf(page)).nextShardIterator(nextIterator).build();
        }

        private static String last(ShardScript s) {
            return s.records().isEmpty() ? "0" : s.records().get(s.records().size() - 1).dynamodb().sequenceNumber();
        }

        @Override
        public String serviceName() {
            return "dynamodbstreams";
        }

        @Override
        public void close() {
        }
    }
}
