package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.Json;
import io.ddb2sf.backfill.BackfillJob;
import io.ddb2sf.backfill.BackfillSummary;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.PrintStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** Backfills of whole tables: in parallel, while the table is written, killed and resumed, throttled. */
class BackfillIT {
    /** Items in the table that two processes backfill while it is written. */
    static final int ITEMS = 200_000;

    /**
     * Its stream is shown in a past hour ({@link LocalStack#hour}); a backfill that meets the stream takes its id from
     * {@link LocalStack#past}, the real start moved back as far as the stream's stamps, so both keep their real order.
     */
    final LocalStack stack = LocalStack.fromEnvironment().inPastHour();

    @Test
    void shouldConvergeWithTheStreamWhenBackfilledByTwoProcessesDuringWrites() throws Exception {
        LocalStack.TestTable t = stack.newTable("backfill", "hard");
        Instant[] hour = stack.hour();
        String snapshot = new BackfillPartition(t.name(), stack.past(Instant.now())).snapshotId();
        try (DynamoDbClient ddb = stack.dynamodb()) {
            // Loaded before its stream is turned on, as a table that starts syncing already holds its items: the
            // hourly export then reads the changes made during the backfill, not 200k inserts.
            Fixtures.createTable(ddb, t.name());
            ddb.updateTable(b -> b.tableName(t.name()).streamSpecification(x -> x.streamEnabled(false)));
            Fixtures.bulkPut(ddb, t.name(), "item", ITEMS);
            ddb.updateTable(b -> b.tableName(t.name()).streamSpecification(x -> x.streamEnabled(true)
                    .streamViewType(software.amazon.awssdk.services.dynamodb.model.StreamViewType.NEW_AND_OLD_IMAGES)));
            List<CompletableFuture<Cli.Result>> processes = new ArrayList<>();
            for (String segments : List.of("0,1,2,3", "4,5,6,7")) {
                processes.add(CompletableFuture.supplyAsync(() -> t.cli().exec(List.of("backfill", "--table", t.name(),
                        "--backfill", snapshot, "--total-segments", "8", "--segment", segments, "--rcu-budget", "100000",
                        "--config", configOf(t)))));
            }
            // Writes while the scan runs: updates, deletes, new items.
            Random random = new Random(7);
            for (int i = 0; i < 600; i++) {
                int k = random.nextInt(ITEMS);
                switch (i % 3) {
                    case 0 -> Fixtures.update(ddb, t.name(), Fixtures.key("item-" + k, String.valueOf(k)), "SET label = :l",
                            Map.of(":l", s("during backfill " + i)), names -> { });
                    case 1 -> ddb.deleteItem(b -> b.tableName(t.name()).key(Fixtures.key("item-" + k, String.valueOf(k))));
                    default -> Fixtures.put(ddb, t.name(), Fixtures.plain("new-" + i, String.valueOf(i), i));
                }
            }
            List<Cli.Result> results = processes.stream().map(CompletableFuture::join).toList();
            for (Cli.Result r : results) {
                assertThat(r.exitCode()).as(r.stderr()).isZero();
            }
            assertThat(results).anySatisfy(r -> assertThat(r.summary().get("manifestWritten").asBoolean()).isTrue());
            assertThat(results.stream().mapToLong(r -> r.summary().get("items").asLong()).sum()).isGreaterThan(ITEMS - 600);

            for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
                Cli.Result r = t.cli().exec(List.of(job, "--table", t.name(), "--backfill", snapshot, "--config", configOf(t)));
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            // Then the hourly increment, from a stream position taken before the backfill began.
            for (String job : List.of("export-increment", "stage-validate", "copy-load", "merge-apply")) {
                Cli.Result r = t.cli().run(job, t.name(), hour[0].toString(), hour[1].toString());
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();
            }
        }
    }

    @Test
    void shouldResumeAKilledBackfillWithEveryItemExactlyOnce() throws Exception {
        LocalStack.TestTable t = stack.newTable("resume", "hard");
        String snapshot = new BackfillPartition(t.name(), Instant.now()).snapshotId();
        int items = 1500;
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            Random random = new Random(11);
            for (int i = 0; i < items; i++) {
                Map<String, AttributeValue> item = new java.util.HashMap<>(Fixtures.plain("r-" + i, String.valueOf(i), i));
                byte[] noise = new byte[1500];
                random.nextBytes(noise);
                item.put("noise", AttributeValue.fromS(java.util.Base64.getEncoder().encodeToString(noise)));
                Fixtures.put(ddb, t.name(), item);
            }
        }
        List<String> args = List.of("backfill", "--table", t.name(), "--backfill", snapshot, "--total-segments", "1",
                "--rcu-budget", "100", "--config", configOf(t));
        String state = t.prefix() + "/" + t.name() + "/backfill=" + snapshot + "/_segments/segment-0000.json";
        Process killed = t.cli().start(args);
        try (var s3 = stack.s3()) {
            long deadline = System.currentTimeMillis() + 120_000;
            while (!exists(s3, state)) {
                assertThat(System.currentTimeMillis()).as("the first part was checkpointed").isLessThan(deadline);
                assertThat(killed.isAlive()).as("backfill still running").isTrue();
                Thread.sleep(200);
            }
            killed.destroyForcibly().waitFor();
            // The killed run as a build from before part formats would have left it: a state without its format,
            // so its parts are format 1, and so must be the ones the resumed segment adds.
            var saved = (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().readTree(
                    s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(state)).asByteArray());
            assertThat(saved.remove("partFormat")).as("the state names its parts' format").isNotNull();
            s3.putObject(b -> b.bucket(LocalStack.BUCKET).key(state),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(Json.mapper().writeValueAsBytes(saved)));
        }

        Cli.Result resumed = t.cli().exec(args);
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        assertThat(resumed.summary().get("items").asLong()).isEqualTo(items);
        String manifest = t.prefix() + "/" + t.name() + "/backfill=" + snapshot + "/_manifest.json";
        byte[] written;
        try (var s3 = stack.s3()) {
            written = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(manifest)).asByteArray();
            assertThat(Json.mapper().readTree(written).get("formatVersion").asInt()).as("the segment kept format 1").isEqualTo(1);
        }
        // A retry of the finished backfill (an Airflow retry, the last of several pods) writes the same manifest, so
        // copy-load does not take it for a new one and load the whole snapshot again.
        Cli.Result retried = t.cli().exec(args);
        assertThat(retried.exitCode()).as(retried.stderr()).isZero();
        try (var s3 = stack.s3()) {
            assertThat(s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(manifest)).asByteArray())
                    .as("the manifest a retry writes").isEqualTo(written);
        }
        for (String job : List.of("stage-validate", "copy-load")) {
            Cli.Result r = t.cli().exec(List.of(job, "--table", t.name(), "--backfill", snapshot, "--config", configOf(t)));
            assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
        }
        try (Connection c = stack.snowflake(t.schema()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT \"_KEY\") FROM \"" + t.target() + "_CHANGES\"")) {
            rs.next();
            assertThat(rs.getLong(1)).as("rows staged").isEqualTo(items);
            assertThat(rs.getLong(2)).as("distinct items").isEqualTo(items);
        }
    }

    @Test
    void shouldRetryThrottledPagesWithoutLosingAny() throws Exception {
        LocalStack.TestTable t = stack.newTable("throttle", "hard");
        try (DynamoDbClient real = stack.dynamodb(); var s3 = stack.s3()) {
            Fixtures.createTable(real, t.name());
            for (int i = 0; i < 600; i++) {
                Fixtures.put(real, t.name(), Fixtures.plain("t-" + i, String.valueOf(i), i));
            }
            AtomicInteger calls = new AtomicInteger();
            DynamoDbClient throttling = new DynamoDbClient() {
                @Override
                public ScanResponse scan(Consumer<ScanRequest.Builder> request) {
                    if (calls.incrementAndGet() % 2 == 1) {
                        throw ProvisionedThroughputExceededException.builder().message("injected throttle").statusCode(400)
                                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException")
                                        .serviceName("DynamoDb").build())
                                .build();
                    }
                    return real.scan(request);
                }

                @Override
                public software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse describeTable(
                        Consumer<software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest.Builder> request) {
                    return real.describeTable(request);
                }

                @Override
                public String serviceName() {
                    return "dynamodb";
                }

                @Override
                public void close() {}
            };
            PipelineConfig config = new ConfigLoader(Map.of()).load(java.nio.file.Path.of(configOf(t)));
            StageStore store = new StageStore(s3, LocalStack.BUCKET);
            StageKeys keys = new StageKeys(t.prefix());
            PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
            BackfillJob job = new BackfillJob(config.table(t.name()), config.stage(), config.aws().streamTimestampPrecision(), throttling, new StreamReader(throttling, (DynamoDbStreamsClient) null),
                    store, new ManifestStore(store, keys, Json.mapper()), new CheckpointStore(store, keys, Json.mapper()),
                    Json.mapper(), Clock.systemUTC(), quiet);
            BackfillPartition p = new BackfillPartition(t.name(), Instant.now());
            BackfillSummary summary = job.run(new BackfillJob.Plan(p, List.of(0, 1), 2, 2, OptionalDouble.of(1000), 0.25, false),
                    nanos -> Thread.sleep(nanos / 1_000_000 / 100)); // backoff sleeps shortened for the test
            assertThat(summary.throttledPages()).isPositive();
            assertThat(summary.items()).isEqualTo(600);
            try (Connection c = stack.snowflake(t.schema())) {
                // Every item staged exactly once: load the partition and count.
                Cli.Result load = t.cli().exec(List.of("copy-load", "--table", t.name(), "--backfill", p.snapshotId(),
                        "--config", configOf(t)));
                assertThat(load.exitCode()).as(load.stderr()).isZero();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT COUNT(*), COUNT(DISTINCT \"_KEY\") FROM \"" + t.target() + "_CHANGES\"")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(600);
                    assertThat(rs.getLong(2)).isEqualTo(600);
                }
            }
            assertThat(summary.manifestWritten()).isTrue();
        }
    }

    @Test
    void shouldRestartTheStreamCheckpointOnceHoweverOftenTheBackfillIsRerun() throws Exception {
        LocalStack.TestTable t = stack.newTable("resetonce", "hard");
        // Not in a past hour: the backfill makes the table's first checkpoint, whose hour is the job's real one.
        Instant[] hour = Fixtures.currentHour();
        Instant next = hour[1].plus(java.time.Duration.ofHours(1));
        String snapshot = new BackfillPartition(t.name(), Instant.now()).snapshotId();
        List<String> backfill = List.of("backfill", "--table", t.name(), "--reset-checkpoint", "--backfill", snapshot,
                "--total-segments", "1", "--rcu-budget", "1000", "--config", configOf(t));
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            for (int i = 0; i < 5; i++) {
                Fixtures.put(ddb, t.name(), Fixtures.plain("x" + i, String.valueOf(i), i));
            }
            Cli.Result first = t.cli().exec(backfill);
            assertThat(first.exitCode()).as(first.stderr()).isZero();
            assertThat(first.summary().get("checkpointReset").asBoolean()).isTrue();
            sync(t, hour[0], hour[1]);

            // An Airflow retry of the finished scan task: the same backfill again.
            Cli.Result retry = t.cli().exec(backfill);
            assertThat(retry.exitCode()).as(retry.stderr()).isZero();

            Fixtures.update(ddb, t.name(), Fixtures.key("x0", "0"), "SET label = :l", Map.of(":l", s("x0 again")), n -> { });
            Fixtures.put(ddb, t.name(), Fixtures.plain("x5", "5", 5));
            sync(t, hour[1], next);
            try (Connection c = stack.snowflake(t.schema()); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT \"_SEQ\") FROM \"" + t.target()
                         + "_CHANGES\" WHERE \"_OP\" <> 'SNAPSHOT'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("stream changes landed: 7 made, each once").isEqualTo(7);
                assertThat(rs.getLong(2)).isEqualTo(7);
            }
            assertThat(retry.summary().get("checkpointReset").asBoolean()).as(retry.stderr()).isFalse();
            ddb.deleteTable(b -> b.tableName(t.name()));
        }
    }

    /**
     * A gap in the same stream (a shard the checkpoint had not finished is gone): the restart keeps the position of
     * the shard that is still readable, so the records already exported from it are not landed a second time.
     */
    @Test
    void shouldKeepReadableShardPositionsWhenRestartingAfterAGapInTheSameStream() throws Exception {
        LocalStack.TestTable t = stack.newTable("samestream", "hard");
        Instant[] hour = stack.hour();
        Instant next = hour[1].plus(java.time.Duration.ofHours(1));
        try (DynamoDbClient ddb = stack.dynamodb(); var s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            Fixtures.put(ddb, t.name(), Fixtures.plain("a", "1", 1));
            sync(t, hour[0], hour[1]);
            String key = t.prefix() + "/" + t.name() + "/_checkpoint.json";
            String checkpoint = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(key)).asUtf8String();
            String gone = checkpoint.replaceFirst("\"shards\" : \\{", "\"shards\" : { \"shardId-00000000000000000001-deadbeef\" : "
                    + "{ \"lastSequence\" : \"000000000000000000001\", \"finished\" : false },");
            assertThat(gone).isNotEqualTo(checkpoint);
            s3.putObject(b -> b.bucket(LocalStack.BUCKET).key(key), software.amazon.awssdk.core.sync.RequestBody.fromString(gone));
            Fixtures.put(ddb, t.name(), Fixtures.plain("b", "2", 2));

            Cli.Result failed = t.cli().run("export-increment", t.name(), hour[1].toString(), next.toString());
            assertThat(failed.error()).contains("DDB2SF-1001", "ddb2sf backfill --table " + t.name() + " --reset-checkpoint");
            String snapshot = new BackfillPartition(t.name(), stack.past(Instant.now())).snapshotId();
            Cli.Result backfill = t.cli().exec(List.of("backfill", "--table", t.name(), "--reset-checkpoint", "--backfill",
                    snapshot, "--total-segments", "1", "--rcu-budget", "1000", "--config", configOf(t)));
            assertThat(backfill.exitCode()).as(backfill.stderr()).isZero();
            for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
                Cli.Result r = t.cli().exec(List.of(job, "--table", t.name(), "--backfill", snapshot, "--config", configOf(t)));
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            sync(t, hour[1], next);
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.rows(c, "SELECT \"PK\", \"_OP\" FROM \"" + t.target() + "_CHANGES\" WHERE \"_OP\" <> 'SNAPSHOT'"
                        + " ORDER BY 1").values()).as("each stream change landed once").containsExactly("a\u0001INSERT\u0001",
                        "b\u0001INSERT\u0001");
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();
            }
            ddb.deleteTable(b -> b.tableName(t.name()));
        }
    }

    /**
     * A backfill that outlasts the stream's retention: changes made during the scan to items already scanned are
     * exported by the hours that run during the scan (the checkpoint restarted when the backfill started), so when
     * the stream has trimmed them by the time the scan ends, nothing is lost.
     */
    @Test
    void shouldKeepChangesMadeDuringALongBackfillAfterTheStreamTrimmedThem() throws Exception {
        LocalStack.TestTable t = stack.newTable("longscan", "hard");
        Instant[] hour = stack.hour();
        Instant h1 = hour[1];
        Instant h2 = h1.plus(java.time.Duration.ofHours(1));
        int items = 1500;
        String snapshot = new BackfillPartition(t.name(), stack.past(Instant.now())).snapshotId();
        try (DynamoDbClient ddb = stack.dynamodb(); var s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            Random random = new Random(13);
            for (int i = 0; i < items; i++) {
                Map<String, AttributeValue> item = new java.util.HashMap<>(Fixtures.plain("l-" + i, String.valueOf(i), i));
                byte[] noise = new byte[1500];
                random.nextBytes(noise);
                item.put("noise", AttributeValue.fromS(java.util.Base64.getEncoder().encodeToString(noise)));
                Fixtures.put(ddb, t.name(), item);
            }
            sync(t, hour[0], h1);
            // The stream is replaced: the next hour fails with DDB2SF-1002 until a backfill restarts the checkpoint.
            ddb.updateTable(b -> b.tableName(t.name()).streamSpecification(x -> x.streamEnabled(false)));
            ddb.updateTable(b -> b.tableName(t.name()).streamSpecification(x -> x.streamEnabled(true)
                    .streamViewType(software.amazon.awssdk.services.dynamodb.model.StreamViewType.NEW_AND_OLD_IMAGES)));

            Process scan = t.cli().start(List.of("backfill", "--table", t.name(), "--reset-checkpoint", "--backfill", snapshot,
                    // A budget low enough that the scan outlasts the hourly export below, which waits stream.openShardIdleWait at
                    // the open shard's tip (2 s in the tests), even on a loaded machine.
                    "--total-segments", "1", "--rcu-budget", "8", "--config", configOf(t)));
            String state = t.prefix() + "/" + t.name() + "/backfill=" + snapshot + "/_segments/segment-0000.json";
            long deadline = System.currentTimeMillis() + 120_000;
            while (!exists(s3, state)) {
                assertThat(System.currentTimeMillis()).as("the first part was checkpointed").isLessThan(deadline);
                assertThat(scan.isAlive()).as("backfill still running").isTrue();
                Thread.sleep(200);
            }
            // Items the scan has passed (in its order, before the position it saved) change while it goes on.
            var saved = Json.mapper().readTree(s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(state)).asByteArray())
                    .path("lastEvaluatedKey").path("pk").path("S").asText();
            List<Map<String, AttributeValue>> order = new ArrayList<>();
            ddb.scanPaginator(b -> b.tableName(t.name()).segment(0).totalSegments(1).projectionExpression("pk, sk")).items()
                    .forEach(order::add);
            List<String> scanned = order.stream().map(k -> k.get("pk").s()).takeWhile(pk -> !pk.equals(saved)).limit(20).toList();
            assertThat(scanned).hasSize(20);
            for (String pk : scanned) {
                Fixtures.update(ddb, t.name(), Fixtures.key(pk, pk.substring(2)), "SET label = :l",
                        Map.of(":l", s("changed during the scan")), n -> { });
            }
            // The hourly export that runs while the scan goes on.
            Cli.Result during = t.cli().run("export-increment", t.name(), h1.toString(), h2.toString());
            assertThat(scan.isAlive()).as("the export ran during the scan").isTrue();
            assertThat(scan.waitFor()).as("backfill exit code").isZero();

            // By the time the scan ends the stream has trimmed everything written so far.
            TrimmedStream[] trimmed = new TrimmedStream[1];
            Instant nextHour = during.exitCode() == 0 ? h2 : h1;
            t.exportThrough(real -> trimmed[0] = new TrimmedStream(real), nextHour, nextHour.plus(java.time.Duration.ofHours(1)));
            assertThat(trimmed[0].trimmedRecords).as("records trimmed").isGreaterThanOrEqualTo(20);
            for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
                Cli.Result r = t.cli().exec(List.of(job, "--table", t.name(), "--backfill", snapshot, "--config", configOf(t)));
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            for (Instant start = h1; start.isBefore(nextHour.plus(java.time.Duration.ofHours(1))); start = start.plus(java.time.Duration.ofHours(1))) {
                for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
                    Cli.Result r = t.cli().run(job, t.name(), start.toString(), start.plus(java.time.Duration.ofHours(1)).toString());
                    assertThat(r.exitCode()).as(job + " " + start + ": " + r.stderr()).isZero();
                }
            }
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target())))
                        .as("changes made during the scan, then trimmed").isEmpty();
            }
            assertThat(during.exitCode()).as(during.stderr()).isZero();
            ddb.deleteTable(b -> b.tableName(t.name()));
        }
    }

    @Test
    void shouldRefuseABackfillIdInTheFuture() throws Exception {
        LocalStack.TestTable t = stack.newTable("future", "hard");
        String later = new BackfillPartition(t.name(), Instant.now().plus(java.time.Duration.ofHours(1))).snapshotId();
        Cli.Result r = t.cli().exec(List.of("backfill", "--table", t.name(), "--backfill", later, "--rcu-budget", "100",
                "--config", configOf(t)));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.error()).contains("DDB2SF-0004", "--backfill " + later + " is in the future");
    }

    private static void sync(LocalStack.TestTable t, Instant start, Instant end) {
        Cli.Result r = t.cli().run("sync", t.name(), start.toString(), end.toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
    }

    private static boolean exists(software.amazon.awssdk.services.s3.S3Client s3, String key) {
        try {
            s3.headObject(b -> b.bucket(LocalStack.BUCKET).key(key));
            return true;
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static String configOf(LocalStack.TestTable t) {
        return t.cli().config().toString();
    }
}
