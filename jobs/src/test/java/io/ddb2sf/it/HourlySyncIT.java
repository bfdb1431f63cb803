package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The product's promise on the local stack: an hour of inserts, updates and deletes of every attribute type
 * arrives in Snowflake exactly, and running every job again for the same hour changes nothing.
 */
class HourlySyncIT {
    static final String JOBS_IN_ORDER[] = {"export-increment", "stage-validate", "copy-load", "merge-apply"};

    static LocalStack stack;
    static DynamoDbClient ddb;
    static S3Client s3;
    static String table;
    static String target;
    static String prefix;
    static String schema;
    static Cli cli;
    static String start;
    static String end;
    /** The keys the fixture leaves in the table: each put adds its key, each delete takes it away. */
    static final java.util.Set<String> live = new java.util.TreeSet<>();

    @BeforeAll
    static void writeAnHourOfChanges() throws Exception {
        stack = LocalStack.fromEnvironment().inPastHour();
        ddb = stack.dynamodb();
        s3 = stack.s3();
        LocalStack.TestTable t = stack.newTable("sync", "hard");
        table = t.name();
        target = t.target();
        prefix = t.prefix();
        schema = t.schema();
        cli = t.cli();
        Fixtures.createTable(ddb, table);
        Instant[] hour = stack.hour();
        start = hour[0].toString();
        end = hour[1].toString();

        put(Fixtures.everyType("every-type", "1"));
        put(Fixtures.deeplyNested("deep", "1", 31));
        put(Fixtures.large("large", "1"));
        // A 38-digit key: the typed key column NUMBER(38,0) holds it whole (the local Snowflake does too, see
        // docs/local-stack.md).
        put(Fixtures.plain("max-key", "12345678901234567890123456789012345678", 1));
        put(Fixtures.plain("decimal-key", "1.5", 2));
        for (int i = 0; i < 40; i++) {
            put(Fixtures.plain("order-" + i, String.valueOf(i), i));
        }
        // Updates: several versions of one item within the same minute; the last must win.
        for (int v = 1; v <= 5; v++) {
            Fixtures.update(ddb, table, Fixtures.key("order-1", "1"), "SET price = :p, label = :l",
                    Map.of(":p", n(v + ".25"), ":l", s("version " + v)), names -> { });
        }
        Fixtures.update(ddb, table, Fixtures.key("order-2", "2"), "REMOVE label SET added = :a",
                Map.of(":a", AttributeValue_L()), names -> { });
        Fixtures.update(ddb, table, Fixtures.key("every-type", "1"), "SET #q = :q ADD tags :t",
                Map.of(":q", s("changed"), ":t", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromSs(List.of("new"))),
                names -> names.put("#q", "it's \"quoted\" name"));
        // Deletes: plain ones, one of an item inserted this hour, and a delete followed by a re-insert.
        for (int i = 30; i < 35; i++) {
            String id = "order-" + i;
            String sk = String.valueOf(i);
            delete(Fixtures.key(id, sk));
        }
        delete(Fixtures.key("order-3", "3"));
        put(Fixtures.plain("order-3", "3", 333));
    }

    private static void put(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item) {
        Fixtures.put(ddb, table, item);
        live.add(Snapshots.key(item));
    }

    private static void delete(Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> key) {
        ddb.deleteItem(b -> b.tableName(table).key(key));
        live.remove(Snapshots.key(key));
    }

    private static software.amazon.awssdk.services.dynamodb.model.AttributeValue AttributeValue_L() {
        return software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromL(List.of(n("1"), s("x")));
    }

    @AfterAll
    static void close() {
        if (ddb != null) {
            ddb.close();
            s3.close();
        }
    }

    @Test
    void shouldMakeTheSnowflakeTableEqualTheDynamoDbTableAndChangeNothingOnRerun() throws Exception {
        JsonNode export = runOk("export-increment");
        assertThat(export.get("mode").asText()).isEqualTo("new");
        // What the stream holds for the hour, read by a bare GetRecords loop: the export takes each record once.
        Map<String, Long> streamed;
        try (var streams = stack.streams()) {
            String arn = ddb.describeTable(b -> b.tableName(table)).table().latestStreamArn();
            streamed = SimulatedHours.readAll(streams, arn).stream().collect(java.util.stream.Collectors.groupingBy(
                    software.amazon.awssdk.services.dynamodb.model.Record::eventNameAsString, java.util.stream.Collectors.counting()));
        }
        assertThat(streamed.values().stream().mapToLong(Long::longValue).sum()).as("the fixture's writes streamed").isPositive();
        assertThat(export.get("inserts").asLong()).isEqualTo(streamed.getOrDefault("INSERT", 0L));
        assertThat(export.get("modifies").asLong()).isEqualTo(streamed.getOrDefault("MODIFY", 0L));
        assertThat(export.get("removes").asLong()).isEqualTo(streamed.getOrDefault("REMOVE", 0L));
        assertThat(export.get("rows").asLong()).isEqualTo(streamed.values().stream().mapToLong(Long::longValue).sum());
        assertThat(export.get("files").asInt()).isPositive();
        assertThat(export.get("typedColumnMisfits").asLong())
                .as("1E+125 in NUMBER(38,0) on two rows of every-type, 1.5 in the scale-0 key column").isEqualTo(3);
        JsonNode validate = runOk("stage-validate");
        assertThat(validate.get("rows").asLong()).isEqualTo(export.get("rows").asLong());
        JsonNode load = runOk("copy-load");
        assertThat(load.get("alreadyLoaded").asBoolean()).isFalse();
        assertThat(load.get("rows").asLong()).isEqualTo(export.get("rows").asLong());
        JsonNode merge = runOk("merge-apply");
        assertThat(merge.get("alreadyMerged").asBoolean()).isFalse();

        Map<String, Object> source = Snapshots.source(ddb, table);
        assertThat(source.keySet()).as("the items the fixture left").isEqualTo(live);
        try (Connection c = stack.snowflake(schema)) {
            assertThat(Snapshots.diff(source, Snapshots.target(c, target))).isEmpty();
            assertTypedColumns(c);

            Map<String, String> stageBefore = Snapshots.stage(s3, LocalStack.BUCKET, prefix + "/");
            long landingBefore = Snapshots.count(c, target + "_CHANGES");
            Map<String, String> targetBefore = Snapshots.rows(c, "SELECT * FROM \"" + target + "\" ORDER BY \"_KEY\"");
            assertThat(landingBefore).isEqualTo(export.get("rows").asLong());

            JsonNode rerunExport = runOk("export-increment");
            assertThat(rerunExport.get("mode").asText()).isEqualTo("rerun");
            assertThat(rerunExport.get("rows").asLong()).isEqualTo(export.get("rows").asLong());
            runOk("stage-validate");
            assertThat(runOk("copy-load").get("alreadyLoaded").asBoolean()).isTrue();
            assertThat(runOk("merge-apply").get("alreadyMerged").asBoolean()).isTrue();

            assertThat(Snapshots.stage(s3, LocalStack.BUCKET, prefix + "/")).isEqualTo(stageBefore);
            assertThat(Snapshots.count(c, target + "_CHANGES")).isEqualTo(landingBefore);
            assertThat(Snapshots.rows(c, "SELECT * FROM \"" + target + "\" ORDER BY \"_KEY\"")).isEqualTo(targetBefore);
            assertThat(Snapshots.diff(source, Snapshots.target(c, target))).isEmpty();
        }
    }

    private void assertTypedColumns(Connection c) throws Exception {
        Map<String, String> typed = Snapshots.rows(c, "SELECT \"PK\", \"SK\", \"PRICE\", \"HUGE\", \"FLAG\", \"QUOTED\" FROM \""
                + target + "\" WHERE \"PK\" IN ('every-type', 'max-key', 'decimal-key', 'order-1') ORDER BY \"PK\"");
        assertThat(typed.values()).containsExactly(
                "decimal-key\u0001null\u00010.02\u0001null\u0001TRUE\u0001null\u0001",
                "every-type\u00011\u000119.99\u0001null\u0001TRUE\u0001changed\u0001",
                "max-key\u000112345678901234567890123456789012345678\u00010.01\u0001null\u0001FALSE\u0001null\u0001",
                "order-1\u00011\u00015.25\u0001null\u0001FALSE\u0001null\u0001");
    }

    private JsonNode runOk(String job) {
        Cli.Result r = cli.run(job, table, start, end);
        assertThat(r.exitCode()).as(job + " exit code; stderr:\n" + r.stderr()).isZero();
        JsonNode summary = r.summary();
        assertThat(summary.get("job").asText()).isEqualTo(job);
        assertThat(summary.get("partition").asText()).startsWith(table + "/dt=");
        assertThat(summary.has("durationMs")).isTrue();
        return summary;
    }
}
