package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.Json;
import io.ddb2sf.backfill.BackfillSummary;
import io.ddb2sf.backfill.ExportBackfill;
import io.ddb2sf.cli.Wiring;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.stage.BackfillPartition;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * backfill --source export end to end: DynamoDB Local has no export API, so the DynamoDB client is seen through
 * {@link ExportingDynamoDb}, which serves it as documented and writes the export trees (documented layout) into the
 * local S3; everything after the export (conversion, stage, load, merge, hourly sync by stream) is the real pipeline.
 */
class ExportBackfillIT {
    static final int FILES = 4;

    final LocalStack stack = LocalStack.fromEnvironment();

    /** A process death right after a line containing {@code marker} reached the log: nothing after it runs. */
    static final class Killed extends Error {
        Killed(String line) {
            super("killed after: " + line);
        }
    }

    /** The log of one pod: kept for assertions, and the pod dies after the first line containing {@code killAfter}. */
    static final class PodLog extends OutputStream {
        private final ByteArrayOutputStream all = new ByteArrayOutputStream();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final String killAfter;

        PodLog(String killAfter) {
            this.killAfter = killAfter;
        }

        @Override
        public void write(int b) {
            all.write(b);
            System.err.write(b);
            if (b != '\n') {
                line.write(b);
                return;
            }
            String done = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (killAfter != null && done.contains(killAfter)) {
                throw new Killed(done);
            }
        }

        String text() {
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldBackfillEveryTypeByExportOverTwoPodsResumingAKilledOneThenSyncByStream() throws Exception {
        LocalStack.TestTable t = stack.newTable("exportfill", "hard");
        Instant[] hour = Fixtures.currentHour();
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            for (int i = 0; i < 300; i++) {
                Fixtures.put(ddb, t.name(), i % 3 == 0 ? Fixtures.plain("p-" + i, String.valueOf(i), i)
                        : Fixtures.everyType("e-" + i, String.valueOf(i)));
            }
            ExportingDynamoDb api = new ExportingDynamoDb(ddb, streams, s3, FILES);

            // Pod 0 of 2 dies right after its first data file is converted and recorded.
            PodLog killedLog = new PodLog("data file 0 of " + FILES + " converted");
            Optional<BackfillPartition> none = Optional.empty();
            assertThatThrownBy(() -> run(t, api, killedLog, plan(t, none, Optional.empty(), 0)))
                    .isInstanceOf(Killed.class);
            assertThat(api.started()).as("export started").hasSize(1);
            BackfillPartition p = new BackfillPartition(t.name(), api.started().get(0).exportTime());
            String state = t.prefix() + "/" + p.id() + "/_segments/";
            assertThat(keys(s3, state)).as("the killed pod recorded only its first file").containsExactly(state + "segment-0000.json");

            PodLog otherLog = new PodLog(null);
            BackfillSummary other = run(t, api, otherLog, plan(t, Optional.of(p), Optional.empty(), 1));
            assertThat(otherLog.text()).contains("adopting export");
            assertThat(other.manifestWritten()).as("file 2 is not done yet").isFalse();

            PodLog resumedLog = new PodLog(null);
            BackfillSummary resumed = run(t, api, resumedLog, plan(t, Optional.of(p), Optional.empty(), 0));
            assertThat(resumedLog.text()).contains("data file 0 of " + FILES + " already converted")
                    .doesNotContain("data file 0 of " + FILES + " converted")
                    .contains("data file 2 of " + FILES + " converted");
            assertThat(resumed.manifestWritten()).isTrue();
            assertThat(resumed.items() + other.items()).as("every item staged exactly once").isEqualTo(300);

            // A rerun of a finished backfill adopts the recorded export: still the one export.
            run(t, api, new PodLog(null), plan(t, Optional.of(p), Optional.empty(), 1));
            assertThat(api.started()).as("exports started over every run").hasSize(1);
            assertThat(keys(s3, t.prefix() + "/" + p.id() + "/_export.json")).hasSize(1);

            for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
                Cli.Result r = t.cli().exec(List.of(job, "--table", t.name(), "--backfill", p.snapshotId(),
                        "--config", t.cli().config().toString()));
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            // Then the hour's changes by stream, from the checkpoint the backfill restarted.
            for (int i = 0; i < 30; i++) {
                int k = i;
                switch (i % 3) {
                    case 0 -> Fixtures.update(ddb, t.name(), Fixtures.key("e-" + (i + 1), String.valueOf(i + 1)),
                            "SET price = :p", Map.of(":p", Fixtures.n("7." + i)), names -> { });
                    case 1 -> ddb.deleteItem(b -> b.tableName(t.name()).key(Fixtures.key("p-" + (3 * k), String.valueOf(3 * k))));
                    default -> Fixtures.put(ddb, t.name(), Fixtures.everyType("new-" + i, String.valueOf(i)));
                }
            }
            Cli.Result sync = t.cli().run("sync", t.name(), hour[0].toString(), hour[1].toString());
            assertThat(sync.exitCode()).as(sync.stderr()).isZero();
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();
            }
        }
    }

    @Test
    void shouldRefuseAnExportOfAnotherTableOrAFailedOneStagingNothing() throws Exception {
        LocalStack.TestTable t = stack.newTable("exportbad", "hard");
        LocalStack.TestTable otherTable = stack.newTable("exportother", "hard");
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            Fixtures.createTable(ddb, otherTable.name());
            Fixtures.put(ddb, otherTable.name(), Fixtures.everyType("x", "1"));
            ExportingDynamoDb api = new ExportingDynamoDb(ddb, streams, s3, FILES);
            Instant at = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

            ExportDescription foreign = api.exportOf(otherTable.name(), LocalStack.BUCKET, otherTable.prefix() + "/x", at);
            api.place(foreign);
            assertThatThrownBy(() -> run(t, api, new PodLog(null), plan(t, Optional.empty(), Optional.of(foreign.exportArn()), 0)))
                    .isInstanceOfSatisfying(JobException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_MISMATCH);
                        assertThat(e.getMessage()).doesNotContain("\n").contains(otherTable.name()).contains("pass an export of this table");
                    });

            ExportDescription failed = api.exportOf(t.name(), LocalStack.BUCKET, t.prefix() + "/x", at).toBuilder()
                    .exportStatus(ExportStatus.FAILED).failureCode("S3NoSuchBucket").failureMessage("The bucket does not exist").build();
            api.place(failed);
            assertThatThrownBy(() -> run(t, api, new PodLog(null), plan(t, Optional.empty(), Optional.of(failed.exportArn()), 0)))
                    .isInstanceOfSatisfying(JobException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_FAILED);
                        assertThat(e.getMessage()).doesNotContain("\n").contains("S3NoSuchBucket");
                    });

            // An export older than the stream keeps changes cannot restart the checkpoint: the changes since are gone.
            ExportDescription old = api.exportOf(t.name(), LocalStack.BUCKET, t.prefix() + "/old", at.minus(Duration.ofHours(25)));
            api.place(old);
            assertThatThrownBy(() -> run(t, api, new PodLog(null), plan(t, Optional.empty(), Optional.of(old.exportArn()), 0)))
                    .isInstanceOfSatisfying(JobException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_MISMATCH);
                        assertThat(e.getMessage()).doesNotContain("\n").contains("older than the stream keeps changes");
                    });
            assertThat(keys(s3, t.prefix() + "/" + t.name() + "/_checkpoint.json")).as("checkpoint restarted").isEmpty();
            assertThat(keys(s3, t.prefix() + "/" + t.name() + "/backfill=")).as("staged").isEmpty();
            assertThat(api.started()).isEmpty();
        }
    }

    @Test
    void shouldStartANewExportOnTheRerunOfABackfillWhoseExportFailed() throws Exception {
        LocalStack.TestTable t = stack.newTable("exportretry", "hard");
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            Fixtures.put(ddb, t.name(), Fixtures.everyType("a", "1"));
            ExportingDynamoDb api = new ExportingDynamoDb(ddb, streams, s3, 1);
            api.failNextExport();
            BackfillPartition p = new BackfillPartition(t.name(), Instant.now().minusSeconds(30));
            assertThatThrownBy(() -> run(t, api, new PodLog(null), new ExportBackfill.Plan(t.name(), Optional.of(p),
                    Optional.empty(), List.of(0), 1, false)))
                    .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_FAILED));
            assertThat(keys(s3, t.prefix() + "/" + p.id() + "/")).as("staged after the failure").isEmpty();

            PodLog log = new PodLog(null);
            BackfillSummary rerun = run(t, api, log, new ExportBackfill.Plan(t.name(), Optional.of(p), Optional.empty(),
                    List.of(0), 1, false));
            assertThat(log.text()).contains("FAILED before; starting a new one");
            assertThat(api.started()).hasSize(2);
            assertThat(api.started().get(1).clientToken()).isNotEqualTo(api.started().get(0).clientToken());
            assertThat(rerun.manifestWritten()).isTrue();
            assertThat(rerun.items()).isEqualTo(1);
        }
    }

    @Test
    void shouldLeaveNothingOfADataFileThatFailsItsCheckAtItsEnd() throws Exception {
        LocalStack.TestTable t = stack.newTable("exportcorrupt", "hard");
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            // Incompressible items, about 3 MB in all: the one data file fills several 1 MB parts before its end.
            java.util.Random random = new java.util.Random(5);
            for (int i = 0; i < 30; i++) {
                Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item =
                        new java.util.HashMap<>(Fixtures.plain("c-" + i, String.valueOf(i), i));
                byte[] noise = new byte[75_000];
                random.nextBytes(noise);
                item.put("noise", Fixtures.s(java.util.Base64.getEncoder().encodeToString(noise)));
                Fixtures.put(ddb, t.name(), item);
            }
            ExportingDynamoDb api = new ExportingDynamoDb(ddb, streams, s3, 1);
            Instant at = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            ExportDescription export = api.exportOf(t.name(), LocalStack.BUCKET, t.prefix() + "/exports", at);
            api.place(export);
            // The data file loses its last line: still valid gzip, so the count and MD5 fail only at its end.
            String data = keys(s3, t.prefix() + "/exports").stream().filter(k -> k.endsWith(".json.gz")).findFirst().orElseThrow();
            byte[] gz = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(data)).asByteArray();
            List<String> lines = new String(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz)).readAllBytes(),
                    StandardCharsets.UTF_8).lines().toList();
            ByteArrayOutputStream cut = new ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(cut)) {
                out.write((String.join("\n", lines.subList(0, lines.size() - 1)) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            s3.putObject(b -> b.bucket(LocalStack.BUCKET).key(data),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(cut.toByteArray()));

            PodLog log = new PodLog(null);
            BackfillPartition p = new BackfillPartition(t.name(), at);
            assertThatThrownBy(() -> run(t, api, log, new ExportBackfill.Plan(t.name(), Optional.empty(),
                    Optional.of(export.exportArn()), List.of(0), 1, false)))
                    .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_CORRUPT));
            assertThat(log.text()).as("parts were uploaded before the check failed")
                    .containsPattern("data file 0 of 1 not converted; its [1-9]\\d* uploaded parts deleted");
            // The export itself was good as far as its manifests go, so its record stays; no part of the file does.
            assertThat(keys(s3, t.prefix() + "/" + p.id() + "/")).as("staged").containsExactly(t.prefix() + "/" + p.id() + "/_export.json");
        }
    }

    @Test
    void shouldRefuseBadSourceOptionsAndATableWithoutPointInTimeRecoveryFromTheCli() throws Exception {
        LocalStack.TestTable t = stack.newTable("exportcli", "hard");
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
        }
        String config = t.cli().config().toString();
        Cli.Result bogus = t.cli().exec(List.of("backfill", "--table", t.name(), "--source", "dump", "--config", config));
        assertThat(bogus.exitCode()).isEqualTo(2);
        assertThat(bogus.error()).contains("--source must be scan or export");
        Cli.Result arnWithScan = t.cli().exec(List.of("backfill", "--table", t.name(), "--export-arn", "arn:x", "--config", config));
        assertThat(arnWithScan.exitCode()).isEqualTo(2);
        assertThat(arnWithScan.error()).contains("--export-arn needs --source export");
        // The real jar, unviewed, wired to the export route: DynamoDB Local has no DescribeContinuousBackups (point-in-time
        // recovery off is ExportApiIT's, on moto), so the run stops at its first export call with a one-line error.
        Cli.Result noApi = t.cli().exec(List.of("backfill", "--table", t.name(), "--source", "export", "--config", config));
        assertThat(noApi.exitCode()).as(noApi.stderr()).isEqualTo(1);
        assertThat(noApi.error()).contains("cannot read the point-in-time recovery of " + t.name())
                .contains("dynamodb:DescribeContinuousBackups");
        try (S3Client s3 = stack.s3()) {
            assertThat(keys(s3, t.prefix() + "/")).as("staged").isEmpty();
        }
    }

    /**
     * columns: auto: the attributes only the export backfill saw become columns (recorded before each data file's state),
     * the manifest names the record version its parts were written with, and load and merge type them from _ITEM.
     */
    @Test
    void shouldTurnAttributesOnlyAnExportBackfillSawIntoColumns() throws Exception {
        LocalStack.TestTable t = stack.newTable("exportauto", "hard");
        java.nio.file.Path auto = stack.writeConfig(t.prefix(), t.schema(), """
                - name: %s
                  keys:
                    - {attribute: pk, type: S}
                    - {attribute: sk, type: N}
                  deletes: hard
                  columns: auto
                """.formatted(t.name()));
        Cli cli = new Cli(auto, stack.environment());
        try (DynamoDbClient ddb = stack.dynamodb(); DynamoDbStreamsClient streams = stack.streams(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, t.name());
            for (int i = 0; i < 6; i++) {
                Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item =
                        new java.util.HashMap<>(Fixtures.key("e-" + i, String.valueOf(i)));
                item.put("colour", Fixtures.s("c" + i));
                item.put("cost", Fixtures.n(i + ".75"));
                Fixtures.put(ddb, t.name(), item);
            }
            ExportingDynamoDb api = new ExportingDynamoDb(ddb, streams, s3, 2);
            BackfillPartition p = new BackfillPartition(t.name(), Instant.now().minusSeconds(30));
            BackfillSummary done = run(t, auto, api, new PodLog(null), new ExportBackfill.Plan(t.name(), Optional.of(p),
                    Optional.empty(), List.of(0), 1, false));
            assertThat(done.manifestWritten()).isTrue();
            String record = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(t.prefix() + "/" + t.name()
                    + "/_columns.json")).asUtf8String();
            assertThat(record).contains("\"COLOUR\"").contains("\"COST\"");
            String manifest = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(t.prefix() + "/" + p.id()
                    + "/_manifest.json")).asUtf8String();
            assertThat(Json.mapper().readTree(manifest).get("columnsVersion").asInt()).isZero();
            for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
                Cli.Result r = cli.exec(List.of(job, "--table", t.name(), "--backfill", p.snapshotId(), "--config",
                        auto.toString()));
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            try (Connection c = stack.snowflake(t.schema());
                 var rs = c.createStatement().executeQuery("SELECT \"COLOUR\", \"COST\" FROM \"" + t.target()
                         + "\" WHERE \"_KEY\" = '[\"e-4\",\"4\"]'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("c4");
                assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("4.75");
            }
        }
    }

    private static ExportBackfill.Plan plan(LocalStack.TestTable t, Optional<BackfillPartition> snapshot, Optional<String> arn, int pod) {
        return new ExportBackfill.Plan(t.name(), snapshot, arn, List.of(pod), 2, true);
    }

    private static BackfillSummary run(LocalStack.TestTable t, ExportingDynamoDb api, PodLog log, ExportBackfill.Plan plan) {
        return run(t, t.cli().config(), api, log, plan);
    }

    private static BackfillSummary run(LocalStack.TestTable t, java.nio.file.Path configFile, ExportingDynamoDb api,
                                       PodLog log, ExportBackfill.Plan plan) {
        PipelineConfig config = new ConfigLoader(System.getenv()).load(configFile);
        try (Wiring wiring = new Wiring(config, new PrintStream(log, true, StandardCharsets.UTF_8), UnaryOperator.identity(),
                real -> api)) {
            return wiring.exportBackfill(config.table(t.name()), Duration.ofMillis(100), Duration.ofMinutes(1)).run(plan);
        }
    }

    private static List<String> keys(S3Client s3, String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(prefix)).contents().stream()
                .map(o -> o.key()).toList();
    }
}
