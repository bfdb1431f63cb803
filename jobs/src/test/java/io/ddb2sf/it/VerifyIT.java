package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * verify against the real local servers: a clean sync is all equal; rows tampered with in Snowflake are reported by
 * key, nothing else, with exit 5; a sample reads only its segments; writes made while verify runs are in flight, not
 * drift.
 */
class VerifyIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldFindEveryTamperedRowAndNothingElse() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("verify", "soft");
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            Instant[] hour = stack.hour();
            Fixtures.bulkPut(ddb, t.name(), "v", 200);
            Fixtures.put(ddb, t.name(), Fixtures.everyType("every", "1"));
            Fixtures.put(ddb, t.name(), Fixtures.plain("gone", "1", 7));
            ddb.deleteItem(b -> b.tableName(t.name()).key(Fixtures.key("gone", "1")));
            Cli.Result sync = t.cli().run("sync", t.name(), hour[0].toString(), hour[1].toString());
            assertThat(sync.exitCode()).as(sync.stderr()).isZero();

            Cli.Result clean = verify(t, "--total-segments", "4");
            assertThat(clean.exitCode()).as(clean.stderr()).isZero();
            JsonNode ok = clean.summary();
            assertThat(ok.get("extrasChecked").asBoolean()).isTrue();
            assertThat(ok.get("compared").asLong()).isEqualTo(201);
            assertThat(ok.get("equal").asLong()).as(ok.toString()).isEqualTo(201);
            assertThat(counts(ok)).as("the soft-deleted row of 'gone' is neither extra nor missing: " + ok)
                    .containsExactly(0L, 0L, 0L, 0L);
            assertThat(ok.get("drift").asBoolean()).isFalse();

            Cli.Result sample = verify(t, "--sample-segments", "1", "--total-segments", "4");
            assertThat(sample.exitCode()).as(sample.stderr()).isZero();
            JsonNode part = sample.summary();
            assertThat(part.get("segments").toString()).isEqualTo("[0]");
            assertThat(part.get("extrasChecked").asBoolean()).isFalse();
            assertThat(part.get("compared").asLong()).as("about a quarter of 201").isBetween(25L, 100L);
            assertThat(part.get("equal").asLong()).isEqualTo(part.get("compared").asLong());

            try (Connection c = stack.snowflake(t.schema())) {
                execute(c, "DELETE FROM \"" + t.target() + "\" WHERE \"_KEY\" = ?", "[\"v-10\",\"10\"]");
                tamperItem(c, t.target(), "[\"v-20\",\"20\"]", item -> item.put("label", "tampered"));
                tamperItem(c, t.target(), "[\"every\",\"1\"]",
                        item -> item.put("n38", new java.math.BigDecimal("12345678901234567890123456789012345679")));
                execute(c, "INSERT INTO \"" + t.target() + "\" (\"_KEY\", \"PK\", \"SK\", \"_ITEM\", \"_ITEM_TYPES\","
                        + " \"_VERSION_TS\", \"_VERSION_SEQ\", \"_OP\", \"_PARTITION\") SELECT ?, 'ghost', 1,"
                        + " PARSE_JSON('{\"pk\":\"ghost\",\"sk\":1}'), PARSE_JSON('{\"pk\":\"S\",\"sk\":\"N\"}'),"
                        + " '2026-01-01 00:00:00', '0', 'INSERT', 'tampered'", "[\"ghost\",\"1\"]");
            }
            Cli.Result drifted = verify(t, "--total-segments", "4");
            assertThat(drifted.exitCode()).as(drifted.stdout() + drifted.stderr()).isEqualTo(5);
            assertThat(drifted.error()).contains("DDB2SF-2020").contains("backfill");
            JsonNode bad = drifted.summary();
            System.err.println("verify after tampering: " + bad + "\n" + drifted.error());
            assertThat(bad.get("drift").asBoolean()).isTrue();
            assertThat(counts(bad)).as(bad.toString()).containsExactly(1L, 1L, 2L, 0L);
            assertThat(bad.get("equal").asLong()).isEqualTo(198);
            JsonNode ex = bad.get("examples");
            assertThat(keys(ex.get("missingInSnowflake"))).containsExactly("[\"v-10\",\"10\"]");
            assertThat(keys(ex.get("extraInSnowflake"))).containsExactly("[\"ghost\",\"1\"]");
            assertThat(keys(ex.get("different"))).containsExactlyInAnyOrder("[\"v-20\",\"20\"]", "[\"every\",\"1\"]");
            assertThat(ex.get("different").toString()).contains("label").contains("tampered").contains("n38")
                    .contains("12345678901234567890123456789012345679");
            ddb.deleteTable(b -> b.tableName(t.name()));
        }
    }

    @Test
    void shouldCallWritesMadeDuringTheVerifyInFlightNotDrift() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment();
        LocalStack.TestTable t = stack.newTable("verifylive", "hard");
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            // Not in a past hour: verify bounds its stream read by its own clock (records stamped before its scan ended), and
            // the writes go on while it reads; with stamps moved back, writes made after the scan would pass that bound.
            Instant[] hour = Fixtures.currentHour();
            for (int i = 0; i < 150; i++) {
                Map<String, AttributeValue> item = new HashMap<>(Fixtures.plain("live-" + i, String.valueOf(i), i));
                item.put("payload", s("p".repeat(800)));
                Fixtures.put(ddb, t.name(), item);
            }
            Cli.Result sync = t.cli().run("sync", t.name(), hour[0].toString(), hour[1].toString());
            assertThat(sync.exitCode()).as(sync.stderr()).isZero();

            // Updates, inserts and deletes for as long as verify runs, each stamped with when it was made.
            List<Instant> writes = new CopyOnWriteArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    int k = (i * 37) % 150;
                    switch (i % 3) {
                        case 0 -> Fixtures.update(ddb, t.name(), Fixtures.key("live-" + k, String.valueOf(k)),
                                "SET label = :l", Map.of(":l", s("changed " + i)), names -> { });
                        case 1 -> Fixtures.put(ddb, t.name(), Fixtures.plain("new-" + i, String.valueOf(i), i));
                        default -> ddb.deleteItem(b -> b.tableName(t.name()).key(Fixtures.key("live-" + k, String.valueOf(k))));
                    }
                    writes.add(Instant.now());
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            writer.start();
            Thread.sleep(500);
            Instant start = Instant.now();
            // A small budget keeps the scan going for seconds while the writes go on.
            Cli.Result result = verify(t, "--total-segments", "4", "--rcu-budget", "2");
            Instant end = Instant.now();
            stop.set(true);
            writer.join();

            long during = writes.stream().filter(w -> w.isAfter(start) && w.isBefore(end)).count();
            assertThat(during).as("writes made between verify's start and end").isGreaterThan(20);
            assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
            JsonNode summary = result.summary();
            System.err.println("verify during " + during + " writes: " + summary);
            assertThat(summary.get("drift").asBoolean()).isFalse();
            assertThat(counts(summary).subList(0, 3)).as(summary.toString()).containsExactly(0L, 0L, 0L);
            assertThat(summary.get("inFlight").asLong()).as(summary.toString()).isGreaterThan(0);
            assertThat(summary.get("examples").get("inFlight").toString()).contains("changed after the last exported hour");
            ddb.deleteTable(b -> b.tableName(t.name()));
        }
    }

    @Test
    void shouldCallChangesOfAnHourExportedButNotLoadedInFlight() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("verifystaged", "hard");
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            Instant[] hour = stack.hour();
            Instant before = hour[0].minus(java.time.Duration.ofHours(1));
            Cli.Result empty = t.cli().run("sync", t.name(), before.toString(), hour[0].toString());
            assertThat(empty.exitCode()).as(empty.stderr()).isZero();
            for (int i = 0; i < 30; i++) {
                Fixtures.put(ddb, t.name(), Fixtures.plain("staged-" + i, String.valueOf(i), i));
            }
            // The hour is exported (the checkpoint moves past its changes) but neither loaded nor merged.
            Cli.Result export = t.cli().run("export-increment", t.name(), hour[0].toString(), hour[1].toString());
            assertThat(export.exitCode()).as(export.stderr()).isZero();
            assertThat(export.summary().get("rows").asLong()).isEqualTo(30);

            Cli.Result result = verify(t, "--total-segments", "2");
            assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
            JsonNode summary = result.summary();
            System.err.println("verify with an exported hour not loaded: " + summary);
            assertThat(counts(summary)).as(summary.toString()).containsExactly(0L, 0L, 0L, 30L);
            assertThat(result.stderr()).contains("hours exported but not merged yet");
            ddb.deleteTable(b -> b.tableName(t.name()));
        }
    }

    private static Cli.Result verify(LocalStack.TestTable t, String... options) {
        List<String> args = new ArrayList<>(List.of("verify", "--table", t.name(), "--config", t.cli().config().toString()));
        args.addAll(List.of(options));
        if (!args.contains("--rcu-budget")) {
            args.addAll(List.of("--rcu-budget", "1000"));
        }
        return t.cli().exec(args);
    }

    /** missingInSnowflake, extraInSnowflake, different, inFlight. */
    private static List<Long> counts(JsonNode s) {
        return List.of(s.get("missingInSnowflake").asLong(), s.get("extraInSnowflake").asLong(), s.get("different").asLong(),
                s.get("inFlight").asLong());
    }

    private static List<String> keys(JsonNode examples) {
        List<String> keys = new ArrayList<>();
        examples.forEach(e -> keys.add(e.get("key").asText()));
        return keys;
    }

    private static void tamperItem(Connection c, String target, String key,
                                   java.util.function.Consumer<ObjectNode> change) throws Exception {
        String item;
        try (PreparedStatement s = c.prepareStatement("SELECT \"_ITEM\" FROM \"" + target + "\" WHERE \"_KEY\" = ?")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("row " + key).isTrue();
                item = rs.getString(1);
            }
        }
        ObjectNode node = (ObjectNode) JSON.readTree(item);
        change.accept(node);
        try (PreparedStatement s = c.prepareStatement("UPDATE \"" + target + "\" SET \"_ITEM\" = PARSE_JSON(?) WHERE \"_KEY\" = ?")) {
            s.setString(1, JSON.writeValueAsString(node));
            s.setString(2, key);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    private static void execute(Connection c, String sql, String key) throws Exception {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, key);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }
}
