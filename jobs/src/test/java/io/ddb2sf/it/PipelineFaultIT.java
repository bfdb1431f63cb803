package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Breaks things on purpose (real processes, real objects in the stage) and checks that the pipeline fails with a
 * clear message and exit code, loses nothing, and converges on the source when the partition is rerun.
 */
class PipelineFaultIT {
    static LocalStack stack;
    static DynamoDbClient ddb;
    static S3Client s3;

    String table;
    String target;
    String prefix;
    String schema;
    Cli cli;
    String start;
    String end;

    @BeforeAll
    static void connect() {
        stack = LocalStack.fromEnvironment().inPastHour();
        ddb = stack.dynamodb();
        s3 = stack.s3();
    }

    @AfterAll
    static void close() {
        ddb.close();
        s3.close();
    }

    @BeforeEach
    void anHourOfChanges() throws Exception {
        LocalStack.TestTable t = stack.newTable("fault", "hard");
        table = t.name();
        target = t.target();
        prefix = t.prefix();
        schema = t.schema();
        cli = t.cli();
        Fixtures.createTable(ddb, table);
        Instant[] hour = stack.hour();
        start = hour[0].toString();
        end = hour[1].toString();
        for (int i = 0; i < 12; i++) {
            Fixtures.put(ddb, table, Fixtures.plain("k" + i, String.valueOf(i), i));
        }
        Fixtures.put(ddb, table, Fixtures.everyType("every", "1"));
        ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("k3", "3")));
    }

    @Test
    void shouldRefuseToLoadOrMergeWhatIsNotThereYet() throws Exception {
        Cli.Result load = cli.run("copy-load", table, start, end);
        assertThat(load.exitCode()).isEqualTo(1);
        assertThat(load.error()).contains("DDB2SF-3002", "has no manifest", "run export-increment");
        ok("export-increment");
        Cli.Result merge = cli.run("merge-apply", table, start, end);
        assertThat(merge.exitCode()).isEqualTo(1);
        assertThat(merge.error()).contains("DDB2SF-2002", "run copy-load");
        ok("copy-load");
        ok("merge-apply");
        assertConverged();
    }

    @Test
    void shouldDetectATruncatedPartAndHealOnRerunOfTheExport() throws Exception {
        ok("export-increment");
        String part = parts().get(0);
        byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(part)).asByteArray();
        s3.putObject(b -> b.bucket(LocalStack.BUCKET).key(part), RequestBody.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length / 2)));

        Cli.Result validate = cli.run("stage-validate", table, start, end);
        assertThat(validate.exitCode()).isEqualTo(1);
        assertThat(validate.error()).contains("DDB2SF-3001", part, "bytes", "rerun export-increment");

        assertThat(ok("export-increment").get("mode").asText()).isEqualTo("rerun");
        ok("stage-validate");
        ok("copy-load");
        ok("merge-apply");
        assertConverged();
    }

    @Test
    void shouldDetectAPartReplacedByAnotherFileOrMissing() throws Exception {
        ok("export-increment");
        String part = parts().get(0);
        s3.putObject(b -> b.bucket(LocalStack.BUCKET).key(part), RequestBody.fromString("PAR1 not really parquet PAR1"));
        assertThat(cli.run("stage-validate", table, start, end).error()).contains("DDB2SF-3001", part);

        s3.deleteObject(b -> b.bucket(LocalStack.BUCKET).key(part));
        Cli.Result missing = cli.run("stage-validate", table, start, end);
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.error()).contains("missing from the stage");
    }

    @Test
    void shouldRejectManifestsThatListAFileTwiceOrOutsideThePartitionOrAreNotJson() throws Exception {
        ok("export-increment");
        String manifestKey = prefix + "/" + partitionId() + "/_manifest.json";
        ObjectMapper json = new ObjectMapper();
        byte[] original = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(manifestKey)).asByteArray();

        ObjectNode twice = (ObjectNode) json.readTree(original);
        ((ArrayNode) twice.get("files")).add(twice.get("files").get(0).deepCopy());
        putManifest(manifestKey, json.writeValueAsBytes(twice));
        assertThat(cli.run("stage-validate", table, start, end).error()).contains("DDB2SF-3001", "twice");

        ObjectNode outside = (ObjectNode) json.readTree(original);
        ((ObjectNode) outside.get("files").get(0)).put("key", prefix + "/other/part-00000-1.parquet");
        putManifest(manifestKey, json.writeValueAsBytes(outside));
        assertThat(cli.run("stage-validate", table, start, end).error()).contains("DDB2SF-3001", "not a part of this partition");

        ObjectNode schemaDrift = (ObjectNode) json.readTree(original);
        schemaDrift.put("schemaFingerprint", "0".repeat(64));
        putManifest(manifestKey, json.writeValueAsBytes(schemaDrift));
        assertThat(cli.run("stage-validate", table, start, end).error()).contains("DDB2SF-3001", "schema fingerprint");

        putManifest(manifestKey, "{\"formatVersion\": 1, \"files\": [".getBytes(StandardCharsets.UTF_8));
        Cli.Result broken = cli.run("stage-validate", table, start, end);
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.error()).contains("DDB2SF-3001", "is damaged");
        assertThat(cli.run("copy-load", table, start, end).exitCode()).as("nothing loads from a damaged manifest").isEqualTo(1);

        putManifest(manifestKey, original);
        ok("stage-validate");
        ok("copy-load");
        ok("merge-apply");
        assertConverged();
    }

    @Test
    void shouldCompleteTheCheckpointOnRerunWhenTheExportDiedAfterItsManifest() throws Exception {
        ok("export-increment");
        Map<String, String> stage = Snapshots.stage(s3, LocalStack.BUCKET, prefix + "/");
        String checkpoint = prefix + "/" + table + "/_checkpoint.json";
        // The state a kill between "manifest written" and "checkpoint advanced" leaves behind.
        s3.deleteObject(b -> b.bucket(LocalStack.BUCKET).key(checkpoint));

        assertThat(ok("export-increment").get("mode").asText()).isEqualTo("rerun");
        assertThat(Snapshots.stage(s3, LocalStack.BUCKET, prefix + "/")).isEqualTo(stage);
        ok("stage-validate");
        ok("copy-load");
        ok("merge-apply");
        assertConverged();
    }

    @Test
    void shouldRewriteThePartitionWhenTheExportDiedAfterItsPartsBeforeItsManifest() throws Exception {
        ok("export-increment");
        // The state a kill between "parts uploaded" and "manifest written" leaves behind: parts, no manifest, no checkpoint.
        s3.deleteObject(b -> b.bucket(LocalStack.BUCKET).key(prefix + "/" + partitionId() + "/_manifest.json"));
        s3.deleteObject(b -> b.bucket(LocalStack.BUCKET).key(prefix + "/" + table + "/_checkpoint.json"));
        assertThat(cli.run("stage-validate", table, start, end).error()).contains("DDB2SF-3002");

        assertThat(ok("export-increment").get("mode").asText()).isEqualTo("new");
        ok("stage-validate");
        ok("copy-load");
        ok("merge-apply");
        assertConverged();
    }

    @Test
    void shouldNeverDoubleARowWhenTheSamePartitionRunsTwiceAtOnce() throws Exception {
        List<CompletableFuture<Cli.Result>> exports = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            exports.add(CompletableFuture.supplyAsync(() -> cli.run("export-increment", table, start, end)));
        }
        List<Cli.Result> results = exports.stream().map(CompletableFuture::join).toList();
        assertThat(results).anySatisfy(r -> assertThat(r.exitCode()).isZero());
        results.stream().filter(r -> r.exitCode() != 0)
                .forEach(r -> assertThat(r.error()).contains("DDB2SF-1005", "rerun"));
        ok("stage-validate");

        // Two loads of the partition at once, made to overlap for sure: the first is held by the warehouse right after
        // its DELETE (inside its transaction, before its COPY) until the second has run. Without the transaction both
        // would delete nothing and copy everything.
        WarehouseLog warehouse = WarehouseLog.fromEnvironment();
        String landing = target + "_CHANGES";
        long before = warehouse.last();
        long hold = warehouse.hold("DELETE FROM \"" + landing.replace("\"", "\"\"") + "\"", Duration.ofMinutes(2));
        CompletableFuture<Cli.Result> first = CompletableFuture.supplyAsync(() -> cli.run("copy-load", table, start, end));
        JsonNode held = warehouse.await(before, e -> e.get("event").asText().equals("held") && e.get("hold").asLong() == hold,
                null, Duration.ofMinutes(2));
        Cli.Result second = cli.run("copy-load", table, start, end);
        warehouse.release(hold);
        List<Cli.Result> loads = List.of(first.join(), second);
        List<String> secondRan = statementsWhileHeld(warehouse, held);
        assertThat(secondRan).as("statements of the second load while the first was held inside its transaction")
                .anyMatch(sql -> sql.startsWith("COPY INTO"));
        assertThat(loads).anySatisfy(r -> assertThat(r.exitCode()).isZero());
        loads.stream().filter(r -> r.exitCode() != 0)
                .forEach(r -> assertThat(r.error()).startsWith("ddb2sf: error DDB2SF-2"));
        ok("copy-load");
        ok("merge-apply");
        try (Connection c = stack.snowflake(schema)) {
            assertThat(Snapshots.count(c, landing)).as("landing rows = the stream's records, none twice")
                    .isEqualTo(streamedRecords());
        }
        assertConverged();
    }

    /** The fixture's changes as a bare GetRecords loop reads them from the stream. */
    private long streamedRecords() {
        try (var streams = stack.streams()) {
            String arn = ddb.describeTable(b -> b.tableName(table)).table().latestStreamArn();
            return SimulatedHours.readAll(streams, arn).size();
        }
    }

    /** What other sessions ran after the hold caught its statement (it is released only after the second load). */
    private static List<String> statementsWhileHeld(WarehouseLog warehouse, JsonNode held) {
        List<String> sql = new ArrayList<>();
        warehouse.entries(held.get("seq").asLong()).forEach(e -> {
            if (e.get("session").asLong() != held.get("session").asLong() && e.get("event").asText().equals("done")) {
                sql.add(e.get("sql").asText());
            }
        });
        return sql;
    }

    private void putManifest(String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(LocalStack.BUCKET).key(key), RequestBody.fromBytes(bytes));
    }

    private String partitionId() {
        return table + "/dt=" + start.substring(0, 10) + "/hour=" + start.substring(11, 13);
    }

    private List<String> parts() {
        return s3.listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(prefix + "/" + partitionId() + "/part-"))
                .contents().stream().map(o -> o.key()).toList();
    }

    private com.fasterxml.jackson.databind.JsonNode ok(String job) {
        Cli.Result r = cli.run(job, table, start, end);
        assertThat(r.exitCode()).as(job + " should succeed; stderr:\n" + r.stderr()).isZero();
        return r.summary();
    }

    private void assertConverged() throws Exception {
        try (Connection c = stack.snowflake(schema)) {
            assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, target))).isEmpty();
        }
    }
}
