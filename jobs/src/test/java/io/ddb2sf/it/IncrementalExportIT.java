package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.Json;
import io.ddb2sf.cli.Wiring;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.export.ExportSummary;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.StageKeys;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code source: incremental-export} end to end: DynamoDB Local has no export API, so the DynamoDB client is seen
 * through {@link ExportingDynamoDb}, which writes each incremental export from the table's stream in the documented
 * layout; the hours are simulated ({@link SimulatedHours}: real writes, their stream records dated into past hours,
 * which the generated exports see too). Everything after the export API (conversion, stage, load, merge, the stream
 * before and after) is the real pipeline.
 */
class IncrementalExportIT {
    final LocalStack stack = LocalStack.fromEnvironment();

    @Test
    void shouldSwitchFromStreamToIncrementalExportAndBackLosingNothingAndRerunAnExportedHourByteForByte() throws Exception {
        LocalStack.TestTable t = stack.newTable("incexport", "hard");
        Instant first = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(5));
        HourPartition a = new HourPartition(t.name(), first, first.plus(Duration.ofHours(1)));
        HourPartition b = a.next();
        HourPartition c = b.next();
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            String arn = ddb.describeTable(r -> r.tableName(t.name())).table().latestStreamArn();
            SimulatedHours hours = new SimulatedHours(streams);
            // The simulated stream was there before the first simulated hour, as it would have been.
            UnaryOperator<DynamoDbStreamsClient> view = real -> new CreatedAt(hours.view(real, new Random(7), 0),
                    first.minus(Duration.ofHours(1)));
            ExportingDynamoDb api = new ExportingDynamoDb(ddb, view.apply(streams), s3, 2);
            Path exportConfig = incrementalExportConfig(t);

            // Hour a, by stream: 40 inserts, dated up to its last minute (inside the next hour's switch overlap).
            for (int i = 0; i < 40; i++) {
                Fixtures.put(ddb, t.name(), i % 4 == 0 ? Fixtures.everyType("e-" + i, String.valueOf(i))
                        : Fixtures.plain("p-" + i, String.valueOf(i), i));
            }
            hours.date(arn, a.start().plusSeconds(60), a.end().minusSeconds(60));
            ExportSummary streamed = t.exportThrough(view, a.start(), a.end());
            assertThat(streamed.inserts()).isEqualTo(40);
            chain(t, a);
            // A change of hour a's last minute that reached the stream only after hour a was read: the stream partition
            // missed it, the next hour by stream would take it as late; the first export after the stream must too.
            Fixtures.put(ddb, t.name(), Fixtures.plain("late-a", "1", 1));
            hours.date(arn, a.end().minusSeconds(30), a.end().minusSeconds(30));

            // Hour b, by incremental export: updates (several of one item), deletes, inserts, an insert deleted again.
            for (int i = 0; i < 10; i++) {
                Fixtures.update(ddb, t.name(), Fixtures.key("p-" + (i + 1), String.valueOf(i + 1)), "SET price = :p",
                        Map.of(":p", Fixtures.n("8." + i)), names -> { });
            }
            for (int v = 0; v < 3; v++) {
                Fixtures.update(ddb, t.name(), Fixtures.key("p-1", "1"), "SET label = :l",
                        Map.of(":l", Fixtures.s("version " + v)), names -> { });
            }
            for (int i = 20; i < 26; i++) {
                String sk = String.valueOf(i);
                ddb.deleteItem(r -> r.tableName(t.name()).key(Fixtures.key((Integer.parseInt(sk) % 4 == 0 ? "e-" : "p-") + sk, sk)));
            }
            for (int i = 0; i < 8; i++) {
                Fixtures.put(ddb, t.name(), Fixtures.everyType("b-" + i, String.valueOf(i)));
            }
            Fixtures.put(ddb, t.name(), Fixtures.plain("brief", "1", 1));
            ddb.deleteItem(r -> r.tableName(t.name()).key(Fixtures.key("brief", "1")));
            hours.date(arn, b.start().plusSeconds(60), b.end().minusSeconds(60));

            ExportSummary exported = exportHour(exportConfig, api, b);
            assertThat(exported.mode()).isEqualTo("new");
            assertThat(api.started()).as("one export for hour b").hasSize(1);
            assertThat(api.started().get(0).incrementalExportSpecification().exportFromTime())
                    .as("after a stream hour the export starts the overlap earlier").isEqualTo(b.start().minus(Duration.ofMinutes(5)));
            assertThat(exported.lateRecords()).as("hour a's last-minute inserts, inside the overlap").isPositive();
            // p-4 and p-8 never existed (those are e-4, e-8): their updates create them.
            assertThat(exported.inserts()).as("b-0..7, p-4, p-8 and the overlap's (late-a among them); 'brief' was inserted"
                    + " and deleted inside the hour: no line").isEqualTo(10 + exported.lateRecords());
            assertThat(exported.removes()).isEqualTo(6);
            assertThat(exported.modifies()).as("the other eight of p-1..10 once each, with its last change").isEqualTo(8);
            assertThat(checkpoint(s3, t).fromIncrementalExport()).isTrue();
            assertThat(checkpoint(s3, t).windowEnd()).isEqualTo(b.end());
            chain(t, b);

            // A rerun adopts the recorded export: no second export, the same bytes.
            String folder = t.prefix() + "/" + b.id() + "/";
            Map<String, String> before = Snapshots.stage(s3, LocalStack.BUCKET, folder);
            ExportSummary rerun = exportHour(exportConfig, api, b);
            assertThat(rerun.mode()).isEqualTo("rerun");
            assertThat(api.started()).as("exports started over both runs").hasSize(1);
            assertThat(Snapshots.stage(s3, LocalStack.BUCKET, folder)).isEqualTo(before);
            assertThat(before.keySet()).contains(folder + "_export.json", folder + "_manifest.json");

            // Hour c, by stream again: it restarts before the hour, so no change from c on is skipped.
            Fixtures.put(ddb, t.name(), Fixtures.plain("p-21", "21", 2121));
            for (int i = 30; i < 35; i++) {
                String sk = String.valueOf(i);
                ddb.deleteItem(r -> r.tableName(t.name()).key(Fixtures.key((Integer.parseInt(sk) % 4 == 0 ? "e-" : "p-") + sk, sk)));
            }
            Fixtures.update(ddb, t.name(), Fixtures.key("b-1", "1"), "SET price = :p", Map.of(":p", Fixtures.n("1.01")), names -> { });
            hours.date(arn, c.start().plusSeconds(60), c.end().minusSeconds(60));
            assertThat(hours.undated(arn)).isZero();
            ExportSummary back = t.exportThrough(view, c.start(), c.end());
            assertThat(back.lateRecords()).as("hour b's last-minute changes, inside the overlap, again").isPositive();
            assertThat(back.rows()).as("hour c's seven changes and the overlap's").isEqualTo(7 + back.lateRecords());
            assertThat(checkpoint(s3, t).fromIncrementalExport()).isFalse();
            chain(t, c);

            try (Connection conn = stack.snowflake(t.schema())) {
                Map<String, Object> source = Snapshots.source(ddb, t.name());
                assertThat(source).hasSize(40 + 1 - 6 + 8 + 2 + 1 - 5);
                assertThat(Snapshots.diff(source, Snapshots.target(conn, t.target()))).isEmpty();
            }
        }
    }

    @Test
    void shouldRefuseAnHourNotYetInThePointInTimeRecoveryWindowInOneLineStagingNothing() throws Exception {
        LocalStack.TestTable t = stack.newTable("incexport_recent", "hard");
        Instant now = Instant.now().truncatedTo(ChronoUnit.HOURS);
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            ExportingDynamoDb api = new ExportingDynamoDb(ddb, streams, s3, 1);
            Path exportConfig = incrementalExportConfig(t);
            HourPartition current = new HourPartition(t.name(), now, now.plus(Duration.ofHours(1)));
            assertThatThrownBy(() -> exportHour(exportConfig, api, current))
                    .isInstanceOfSatisfying(JobException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_WINDOW_INVALID);
                        assertThat(e.getMessage()).contains("outside its point-in-time recovery window")
                                .contains("rerun once it has passed " + current.end()).doesNotContain("\n");
                    });
            assertThat(api.started()).as("no export started").isEmpty();
            assertThat(Snapshots.stage(s3, LocalStack.BUCKET, t.prefix() + "/")).as("nothing staged, no checkpoint").isEmpty();
        }
    }

    @Test
    void shouldRetireAnExportWhoseDataFileFailsItsManifestAndStartANewOneWhenTheHourIsRerun() throws Exception {
        LocalStack.TestTable t = stack.newTable("incexport_corrupt", "hard");
        HourPartition p = lastHour(t);
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            ExportingDynamoDb api = itemsWrittenIn(p, t, "p", 12, ddb, streams, s3);
            Path exportConfig = incrementalExportConfig(t);

            api.corruptNextExport();
            assertThatThrownBy(() -> exportHour(exportConfig, api, p))
                    .isInstanceOfSatisfying(JobException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_CORRUPT);
                        assertThat(e.getMessage()).contains("the rerun of " + p + " starts a new export of the hour")
                                .doesNotContain("\n");
                    });
            assertThat(Snapshots.stage(s3, LocalStack.BUCKET, t.prefix() + "/").keySet()).as("no manifest, no checkpoint")
                    .noneMatch(k -> k.endsWith("_manifest.json") || k.endsWith("_checkpoint.json"));

            ExportSummary rerun = exportHour(exportConfig, api, p);
            assertThat(api.started()).as("the rerun started a second export, not the damaged one again").hasSize(2);
            assertThat(api.started().get(1).clientToken()).isNotEqualTo(api.started().get(0).clientToken());
            assertThat(rerun.inserts()).isEqualTo(12);
        }
    }

    /**
     * An export that ends FAILED (e.g. a bucket policy refusing DynamoDB) is retired in the hour's record like a corrupt
     * one: the rerun starts the next attempt, whose ClientToken every run of the hour computes alike, and a later run
     * adopts that export instead of starting another.
     */
    @Test
    void shouldRetireAFailedExportAndStartTheNextAttemptWhenTheHourIsRerun() throws Exception {
        LocalStack.TestTable t = stack.newTable("incexport_failed", "hard");
        HourPartition p = lastHour(t);
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            ExportingDynamoDb api = itemsWrittenIn(p, t, "f", 5, ddb, streams, s3);
            Path exportConfig = incrementalExportConfig(t);

            api.failNextExport();
            assertThatThrownBy(() -> exportHour(exportConfig, api, p))
                    .isInstanceOfSatisfying(JobException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_FAILED);
                        assertThat(e.getMessage()).contains("FAILED", "rerun").doesNotContain("\n");
                    });
            var record = Json.mapper().readTree(s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET)
                    .key(new StageKeys(t.prefix()).exportState(p))).asUtf8String());
            assertThat(record.path("exportArn").isNull()).as("the failed export is retired: " + record).isTrue();
            assertThat(record.path("attempt").asInt()).as("the next attempt named: " + record).isEqualTo(1);

            ExportSummary rerun = exportHour(exportConfig, api, p);
            assertThat(api.started()).as("the rerun started the next attempt").hasSize(2);
            assertThat(api.started().get(1).clientToken()).isNotEqualTo(api.started().get(0).clientToken());
            assertThat(rerun.inserts()).isEqualTo(5);
            ExportSummary again = exportHour(exportConfig, api, p);
            assertThat(api.started()).as("a later run adopts the completed attempt").hasSize(2);
            assertThat(again.inserts()).isEqualTo(5);
        }
    }

    @Test
    void shouldWaitForPointInTimeRecoveryToCoverAnHourThatHasEnded() throws Exception {
        LocalStack.TestTable t = stack.newTable("incexport_lag", "hard");
        Instant last = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            ExportingDynamoDb api = new ExportingDynamoDb(ddb, streams, s3, 1);
            // Right after the hour, point-in-time recovery is still behind it: two answers two hours behind the clock.
            api.lagPointInTimeRecovery(2, Duration.ofHours(2));
            Path exportConfig = incrementalExportConfig(t);
            ExportSummary s = exportHour(exportConfig, api, new HourPartition(t.name(), last, last.plus(Duration.ofHours(1))));
            assertThat(s.rows()).isZero();
            assertThat(api.started()).hasSize(1);
            assertThat(api.backupsDescribed()).as("asked until it covered the hour, then once more to start").isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void shouldRefuseToGoBackToAStreamThatNoLongerHoldsTheHourNamingTheBackfill() throws Exception {
        LocalStack.TestTable t = stack.newTable("incexport_back", "hard");
        try (DynamoDbClient ddb = stack.dynamodb(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            // Exported by incremental exports up to 30 hours ago: the stream (24 hours) may have trimmed what followed.
            Instant old = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(30));
            putCheckpoint(s3, t, Checkpoint.afterIncrementalExport(old, null));
            assertThatThrownBy(() -> t.exportThrough(UnaryOperator.identity(), old, old.plus(Duration.ofHours(1))))
                    .isInstanceOfSatisfying(JobException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.STREAM_GAP);
                        assertThat(e.getMessage()).contains("the stream keeps changes 24 hours")
                                .contains("ddb2sf backfill --table " + t.name() + " --reset-checkpoint").doesNotContain("\n");
                    });
            // Up to two hours ago, but the stream was created just now: the changes in between were never streamed.
            Instant recent = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(2));
            putCheckpoint(s3, t, Checkpoint.afterIncrementalExport(recent, null));
            assertThatThrownBy(() -> t.exportThrough(UnaryOperator.identity(), recent, recent.plus(Duration.ofHours(1))))
                    .isInstanceOfSatisfying(JobException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.STREAM_GAP);
                        assertThat(e.getMessage()).contains("was created at").contains("keep source: incremental-export");
                    });
            assertThat(checkpoint(s3, t).fromIncrementalExport()).as("checkpoint untouched").isTrue();
        }
    }

    /** The stream as DescribeStream reports it, with the given creation time. */
    static final class CreatedAt extends StreamView {
        private final Instant created;

        CreatedAt(DynamoDbStreamsClient real, Instant created) {
            super(real);
            this.created = created;
        }

        @Override
        public DescribeStreamResponse describeStream(DescribeStreamRequest request) {
            DescribeStreamResponse r = real.describeStream(request);
            return r.toBuilder().streamDescription(r.streamDescription().toBuilder().creationRequestDateTime(created).build()).build();
        }
    }

    /**
     * columns: auto with source: incremental-export: the attributes an hour's incremental export brings are recorded
     * before its manifest, which names the record version its parts were written with; load and merge type them.
     */
    @Test
    void shouldTurnAttributesAnIncrementalExportBringsIntoColumns() throws Exception {
        LocalStack.TestTable t = stack.newTable("incexport_auto", "hard");
        Instant last = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        HourPartition p = new HourPartition(t.name(), last, last.plus(Duration.ofHours(1)));
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            String arn = ddb.describeTable(r -> r.tableName(t.name())).table().latestStreamArn();
            SimulatedHours hours = new SimulatedHours(streams);
            ExportingDynamoDb api = new ExportingDynamoDb(ddb, hours.view(streams, new Random(3), 0), s3, 1);
            Path auto = stack.writeConfig(t.prefix(), t.schema(), """
                    - name: %s
                      keys:
                        - {attribute: pk, type: S}
                        - {attribute: sk, type: N}
                      deletes: hard
                      columns: auto
                      source: incremental-export
                    """.formatted(t.name()));
            for (int i = 0; i < 5; i++) {
                Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item =
                        new java.util.HashMap<>(Fixtures.key("i-" + i, String.valueOf(i)));
                item.put("shade", Fixtures.s("s" + i));
                Fixtures.put(ddb, t.name(), item);
            }
            hours.date(arn, p.start().plusSeconds(60), p.end().minusSeconds(60));
            assertThat(exportHour(auto, api, p).inserts()).isEqualTo(5);
            assertThat(s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(t.prefix() + "/" + t.name()
                    + "/_columns.json")).asUtf8String()).contains("\"SHADE\"");
            String manifest = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(t.prefix() + "/" + p.id()
                    + "/_manifest.json")).asUtf8String();
            assertThat(Json.mapper().readTree(manifest).get("columnsVersion").asInt()).isZero();
            Cli cli = new Cli(auto, stack.environment());
            for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
                Cli.Result r = cli.run(job, t.name(), p.start().toString(), p.end().toString());
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            try (Connection c = stack.snowflake(t.schema());
                 var rs = c.createStatement().executeQuery("SELECT \"SHADE\" FROM \"" + t.target()
                         + "\" WHERE \"_KEY\" = '[\"i-3\",\"3\"]'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("s3");
            }
        }
    }

    private static HourPartition lastHour(LocalStack.TestTable t) {
        Instant last = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        return new HourPartition(t.name(), last, last.plus(Duration.ofHours(1)));
    }

    /**
     * Creates the table and writes {@code items} plain items, their stream records dated inside hour {@code p}; the
     * export API's test view over it, which exports from that view.
     */
    private static ExportingDynamoDb itemsWrittenIn(HourPartition p, LocalStack.TestTable t, String keyPrefix, int items,
                                                    DynamoDbClient ddb, DynamoDbStreamsClient streams, S3Client s3) {
        Fixtures.createTable(ddb, t.name());
        String arn = ddb.describeTable(r -> r.tableName(t.name())).table().latestStreamArn();
        SimulatedHours hours = new SimulatedHours(streams);
        ExportingDynamoDb api = new ExportingDynamoDb(ddb, hours.view(streams, new Random(7), 0), s3, 1);
        for (int i = 0; i < items; i++) {
            Fixtures.put(ddb, t.name(), Fixtures.plain(keyPrefix + "-" + i, String.valueOf(i), i));
        }
        hours.date(arn, p.start().plusSeconds(60), p.end().minusSeconds(60));
        return api;
    }

    private Path incrementalExportConfig(LocalStack.TestTable t) throws java.io.IOException {
        return stack.writeConfig(t.prefix(), t.schema(), Fixtures.tableYaml(t.name(), "hard") + "  source: incremental-export\n");
    }

    private static ExportSummary exportHour(Path config, ExportingDynamoDb api, HourPartition p) {
        PipelineConfig loaded = new ConfigLoader(System.getenv()).load(config);
        try (Wiring wiring = new Wiring(loaded, System.err, UnaryOperator.identity(), real -> api)) {
            return wiring.exportJob(loaded.table(p.table()), Duration.ofMillis(100), Duration.ofMinutes(1)).run(p);
        }
    }

    private static void chain(LocalStack.TestTable t, HourPartition p) {
        for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
            Cli.Result r = t.cli().run(job, t.name(), p.start().toString(), p.end().toString());
            assertThat(r.exitCode()).as(job + " " + p + ": " + r.stderr()).isZero();
        }
    }

    private static Checkpoint checkpoint(S3Client s3, LocalStack.TestTable t) throws Exception {
        byte[] json = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(t.prefix() + "/" + t.name() + "/_checkpoint.json"))
                .asByteArray();
        return Json.mapper().readValue(json, Checkpoint.class);
    }

    private static void putCheckpoint(S3Client s3, LocalStack.TestTable t, Checkpoint c) throws Exception {
        s3.putObject(b -> b.bucket(LocalStack.BUCKET).key(t.prefix() + "/" + t.name() + "/_checkpoint.json"),
                RequestBody.fromBytes(Json.mapper().writeValueAsBytes(c)));
    }
}
