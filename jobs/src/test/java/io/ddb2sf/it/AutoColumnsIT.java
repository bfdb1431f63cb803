package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ddb2sf.Json;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.ItemJson;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.export.ExportSummary;
import io.ddb2sf.stage.ChangeRow;
import io.ddb2sf.stage.ColumnsRecord;
import io.ddb2sf.stage.JsonStore;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code columns: auto} on the local stack: the attributes of hour 1 become columns (a case collision, a reserved
 * word, names that are not identifiers, an excluded attribute, a set that stays in _ITEM); an attribute first seen in
 * hour 2 becomes a column filled for the rows of the hour that brought it; an attribute whose type changes keeps its
 * first type, the other values NULL and counted; two writers that read the same record version at once end with one
 * lineage of versions holding both their columns; hour 3 then syncs with them. Nothing typed by hand in Snowflake.
 */
class AutoColumnsIT {
    private static final String AUTO = """
            - name: %s
              keys:
                - {attribute: pk, type: S}
                - {attribute: sk, type: N}
              deletes: hard
              columns: {auto: true, exclude: [secret]}
            """;

    private final LocalStack stack = LocalStack.fromEnvironment();
    private LocalStack.TestTable t;
    private SimulatedHours hours;
    private Cli auto;
    private String arn;
    private Instant[] hour;

    @Test
    void shouldTurnAttributesIntoColumnsSharedThroughOneVersionedRecord() throws Exception {
        t = stack.newTable("auto", "hard");
        Fixtures.createTable(ddb(), t.name());
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(5));
        hour = new Instant[] {base, base.plusSeconds(3600), base.plusSeconds(7200)};
        auto = cli(AUTO);
        JsonStore json = new JsonStore(new StageStore(stack.s3(), LocalStack.BUCKET), Json.mapper());
        StageKeys keys = new StageKeys(t.prefix());
        try (var streams = stack.streams(); Connection c = stack.snowflake(t.schema())) {
            hours = new SimulatedHours(streams);
            arn = ddb().describeTable(b -> b.tableName(t.name())).table().latestStreamArn();

            // Hour 1: the attributes seen become version 1, named by the documented rule.
            for (int i = 0; i < 12; i++) {
                put(item(i));
            }
            ExportSummary first = exportHour(0);
            assertThat(first.typedColumnMisfits()).isZero();
            runJobs(0, auto);
            assertThat(columns(json, keys)).containsExactly(
                    "1: 2fa A_2FA BOOLEAN 1", "1: Price PRICE VARCHAR 1", "1: first name FIRST_NAME VARCHAR 1",
                    "1: name NAME VARCHAR 1", "1: order ORDER_ VARCHAR 1", "1: price PRICE_2 NUMBER(38,1) 1",
                    "1: qty QTY NUMBER(38,0) 1");
            assertThat(TypedColumns.columnTypes(c, t)).containsEntry("PRICE", "TEXT").containsEntry("PRICE_2", "NUMBER(1)")
                    .containsEntry("ORDER_", "TEXT").containsEntry("A_2FA", "BOOLEAN").doesNotContainKey("SECRET")
                    .doesNotContainKey("TAGS").containsEntry("landing.QTY", "NUMBER(0)");
            assertTyped(c, resolved(auto, json, keys));
            assertThat(manifestVersions()).containsExactly(0);

            // Hour 2: a new attribute, and qty changes type (S): qty stays NUMBER, those values are misfits.
            for (int i = 0; i < 4; i++) {
                update(i, "SET color = :c, qty = :q", Map.of(":c", s("red-" + i), ":q", s("many")));
            }
            Map<String, AttributeValue> late = item(12);
            late.put("color", s("blue"));
            late.put("qty", s("few"));
            put(late);
            ExportSummary second = exportHour(1);
            assertThat(second.typedColumnMisfits()).as("qty as S in the hour's 5 changes").isEqualTo(5);
            runJobs(1, auto);
            assertThat(columns(json, keys)).hasSize(8).contains("2: color COLOR VARCHAR 2", "2: qty QTY NUMBER(38,0) 1");
            assertThat(manifestVersions()).containsExactly(0, 1);
            TableConfig v2 = resolved(auto, json, keys);
            assertTyped(c, v2);
            try (PreparedStatement ps = c.prepareStatement("SELECT \"COLOR\", \"QTY\", \"_ITEM\":qty::string FROM \""
                    + t.target() + "\" WHERE \"_KEY\" = '[\"item-12\",\"12\"]'"); ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).as("hour 2's files had no COLOR: the MERGE took it from _ITEM").isEqualTo("blue");
                assertThat(rs.getObject(2)).as("qty became a string: NULL in the NUMBER column").isNull();
                assertThat(rs.getString(3)).as("and exact in _ITEM").isEqualTo("few");
            }

            // Two writers read version 2 at the same time (each waits for the other after its read), each proposes
            // its attributes; size is N for one and S for the other: one write wins, the other rereads and adds
            // what is still missing, so there is one version 3 and one version 4.
            CyclicBarrier bothRead = new CyclicBarrier(2);
            AtomicInteger reads = new AtomicInteger();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
            Runnable hook = () -> {
                if (reads.incrementAndGet() <= 2) {
                    try {
                        bothRead.await(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException("the two writers did not overlap", e);
                    }
                }
            };
            TableConfig table = config(auto);
            ExecutorService pods = Executors.newFixedThreadPool(2);
            Future<Integer> a = pods.submit(() -> new ColumnsRecord(json, keys, log, hook)
                    .propose(table, seen(Map.of("size", n("2"), "weight", n("1.25")))));
            Future<Integer> b = pods.submit(() -> new ColumnsRecord(json, keys, log, hook)
                    .propose(table, seen(Map.of("size", s("XL"), "height", n("3")))));
            pods.shutdown();
            assertThat(List.of(a.get(1, TimeUnit.MINUTES), b.get(1, TimeUnit.MINUTES))).containsExactlyInAnyOrder(3, 4);
            assertThat(bothRead.isBroken()).isFalse();
            assertThat(reads.get()).as("two first reads and one reread").isEqualTo(3);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("version 3 was written by another run meanwhile");
            List<String> after = columns(json, keys);
            assertThat(after).hasSize(11).allMatch(col -> col.startsWith("4: "));
            assertThat(after.stream().filter(col -> col.contains(" SIZE ")).toList()).hasSize(1);

            // Hour 3 syncs with the record the two writers made.
            for (int i = 4; i < 8; i++) {
                update(i, "SET size = :s, weight = :w, height = :h", Map.of(":s", n(String.valueOf(i)), ":w", n("0.5"),
                        ":h", n("7")));
            }
            exportHour(2);
            runJobs(2, auto);
            assertThat(manifestVersions()).containsExactly(0, 1, 4);
            assertTyped(c, resolved(auto, json, keys));
            assertThat(Snapshots.diff(Snapshots.source(ddb(), t.name()), Snapshots.target(c, t.target()))).isEmpty();
        }
    }

    /** Item i: scalars of each type under awkward names, an excluded attribute, and a set (stays in _ITEM only). */
    private static Map<String, AttributeValue> item(int i) {
        Map<String, AttributeValue> item = new HashMap<>(Fixtures.key("item-" + i, String.valueOf(i)));
        item.put("name", s("name " + i));
        item.put("price", n(i + ".5"));
        item.put("Price", s("about " + i));
        item.put("order", s("o-" + i));
        item.put("first name", s("first " + i));
        item.put("2fa", AttributeValue.fromBool(i % 2 == 0));
        item.put("qty", n(String.valueOf(i)));
        item.put("secret", s("hidden " + i));
        item.put("tags", AttributeValue.fromSs(List.of("a", "b" + i)));
        return item;
    }

    private static ColumnsRecord.Discovery seen(Map<String, AttributeValue> attributes) {
        Map<String, AttributeValue> item = new HashMap<>(Fixtures.key("x", "1"));
        item.putAll(attributes);
        ItemJson.Documents d = ItemJson.of(item);
        ColumnsRecord.Discovery seen = new ColumnsRecord.Discovery();
        seen.see(new ChangeRow("[\"x\",\"1\"]", List.of(), "INSERT", Instant.EPOCH, "1".repeat(40), false, d.item(),
                d.types(), null, "p"));
        return seen;
    }

    // ---- the source --------------------------------------------------------------------------------------------

    private DynamoDbClient ddb;

    private DynamoDbClient ddb() {
        if (ddb == null) {
            ddb = stack.dynamodb();
        }
        return ddb;
    }

    private void put(Map<String, AttributeValue> item) {
        Fixtures.put(ddb(), t.name(), item);
    }

    private void update(int i, String expression, Map<String, AttributeValue> values) {
        Fixtures.update(ddb(), t.name(), Fixtures.key("item-" + i, String.valueOf(i)), expression, values, names -> { });
    }

    // ---- the pipeline ------------------------------------------------------------------------------------------

    private Cli cli(String tableYaml) throws Exception {
        Path config = stack.writeConfig(t.prefix(), t.schema(), tableYaml.formatted(t.name()));
        return new Cli(config, stack.environment());
    }

    private ExportSummary exportHour(int h) {
        hours.date(arn, hour[h].plus(Duration.ofMinutes(5)), hour[h].plus(Duration.ofMinutes(50)));
        LocalStack.TestTable with = new LocalStack.TestTable(t.name(), t.target(), t.prefix(), t.schema(), auto);
        ExportSummary summary = with.exportThrough(real -> hours.view(real, new Random(h), 0), hour[h], hour[h].plusSeconds(3600));
        assertThat(summary.rows()).isPositive();
        return summary;
    }

    private void runJobs(int h, Cli cli) {
        for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
            Cli.Result r = cli.run(job, t.name(), hour[h].toString(), hour[h].plusSeconds(3600).toString());
            assertThat(r.exitCode()).as(job + " exit code; stderr:\n" + r.stderr()).isZero();
        }
    }

    private TableConfig config(Cli cli) {
        return new ConfigLoader(System.getenv()).load(cli.config()).table(t.name());
    }

    private TableConfig resolved(Cli cli, JsonStore json, StageKeys keys) {
        return new ColumnsRecord(json, keys, System.err).resolve(config(cli)).table();
    }

    /** The record's columns as "VERSION: attribute COLUMN TYPE SINCE". */
    private List<String> columns(JsonStore json, StageKeys keys) {
        String tableName = t.name();
        String key = keys.columnsRecord(tableName);
        ColumnsRecord.Columns record = json.read(key, ColumnsRecord.Columns.class, "columns record", "").orElseThrow().value();
        return record.columns().stream().map(c -> record.version() + ": " + c.attribute() + " " + c.column() + " "
                + new ColumnSpec(c.attribute(), c.column(), c.type(), c.scale()).sqlType() + " " + c.since()).toList();
    }

    /** The columns version each hour's manifest records, in hour order. */
    private List<Integer> manifestVersions() throws Exception {
        List<Integer> versions = new ArrayList<>();
        for (S3Object o : stack.s3().listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(t.prefix() + "/")).contents()) {
            if (o.key().endsWith("/_manifest.json")) {
                JsonNode m = Json.mapper().readTree(stack.s3().getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(o.key())).asByteArray());
                versions.add(m.get("columnsVersion").asInt());
            }
        }
        return versions;
    }

    // ---- what the tables hold ----------------------------------------------------------------------------------

    /** Every live item's typed columns, as the export types them with the given columns, against the analytics row's. */
    private void assertTyped(Connection c, TableConfig config) throws Exception {
        List<ColumnSpec> columns = config.typedColumns();
        Map<String, List<Object>> expected = new TreeMap<>();
        for (Map<String, AttributeValue> i : ddb().scanPaginator(b -> b.tableName(t.name()).consistentRead(true)).items()) {
            expected.put(TypedValues.keyText(config.keys(), i), TypedValues.of(columns, i, new TypedValues.Counter()));
        }
        Map<String, List<Object>> actual = new TreeMap<>();
        StringBuilder select = new StringBuilder("SELECT \"_KEY\"");
        columns.forEach(col -> select.append(", \"").append(col.column()).append('"'));
        try (PreparedStatement ps = c.prepareStatement(select + " FROM \"" + t.target() + "\""); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                List<Object> values = new ArrayList<>();
                for (int k = 0; k < columns.size(); k++) {
                    values.add(columns.get(k).type() == ColumnSpec.ScalarType.B ? rs.getBytes(k + 2) : rs.getObject(k + 2));
                }
                actual.put(rs.getString(1), values);
            }
        }
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String key : expected.keySet()) {
            for (int k = 0; k < columns.size(); k++) {
                Object want = expected.get(key).get(k);
                Object got = actual.get(key).get(k);
                assertThat(TypedColumns.same(want, got)).as(key + " " + columns.get(k).column() + ": expected " + want + ", got " + got).isTrue();
            }
        }
    }


}
