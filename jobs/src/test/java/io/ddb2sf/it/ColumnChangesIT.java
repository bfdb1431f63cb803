package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.export.ExportSummary;
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
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A table's life while its typed columns change, on the local stack, nothing typed by hand in Snowflake: hour 1 with
 * one typed column; a column of each type added (N with a scale, S, B, BOOL), filled from _ITEM for every existing row
 * with misfits NULL and counted; hour 2, staged before the change and loaded after it; hour 3 staged with the new
 * columns; a column removed (it stays, no longer written); a type change refused with nothing changed; hour 4; hour 1
 * rerun. At every step each row's typed columns are what the export's typing gives for the source item.
 */
class ColumnChangesIT {
    private static final String KEYS = """
            - name: %s
              keys:
                - {attribute: pk, type: S}
                - {attribute: sk, type: N}
              deletes: hard
              columns:
                - {attribute: price, type: N, scale: 2}
            """;
    private static final String ADDED = """
                - {attribute: amount, type: N, scale: 3}
                - {attribute: label, type: S}
                - {attribute: blob, type: B}
                - {attribute: active, type: BOOL}
            """;

    private final LocalStack stack = LocalStack.fromEnvironment();
    private LocalStack.TestTable t;
    private SimulatedHours hours;
    private String arn;
    private Instant[] hour;

    @Test
    void shouldKeepEveryRowsTypedColumnsRightWhileColumnsAreAddedRemovedAndRetyped() throws Exception {
        t = stack.newTable("columns", "hard");
        Fixtures.createTable(ddb(), t.name());
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(5));
        hour = new Instant[] {base, base.plusSeconds(3600), base.plusSeconds(7200), base.plusSeconds(10800)};
        Cli one = cli(KEYS);
        Cli added = cli(KEYS + ADDED);
        Cli removed = cli(KEYS + ADDED.replace("    - {attribute: label, type: S}\n", ""));
        Cli retyped = cli(KEYS + ADDED.replace("{attribute: active, type: BOOL}", "{attribute: active, type: S}"));
        try (var streams = stack.streams(); Connection c = stack.snowflake(t.schema())) {
            hours = new SimulatedHours(streams);
            arn = ddb().describeTable(b -> b.tableName(t.name())).table().latestStreamArn();

            // Hour 1, one typed column. The items already carry the attributes that become columns, with values that
            // fit and values that do not (too many decimals or digits, another DynamoDB type).
            for (int i = 0; i < 24; i++) {
                put(item(i));
            }
            syncHour(0, one);
            assertTyped(c, one);
            List<Map<String, AttributeValue>> afterHour1 = items();
            long expectedMisfits = misfits(added, List.of("amount", "label", "blob", "active"), afterHour1);
            long amountMisfits = misfits(added, List.of("amount"), afterHour1);

            // Hour 2 is staged before the columns are added, and loaded and merged after.
            for (int i = 0; i < 6; i++) {
                update(i, "SET amount = :v", Map.of(":v", n("7." + i)));
            }
            put(item(30));
            ddb().deleteItem(b -> b.tableName(t.name()).key(Fixtures.key("item-23", "23")));
            exportHour(1, one);

            // A column of each type added: migrate (the DAG's first task) adds and fills them, counting misfits.
            JsonNode migrate = ok(added.exec(List.of("migrate", "--config", added.config().toString())));
            assertThat(migrate.at("/columns/filledRows").asLong()).as("rows filled, per column").isEqualTo(4L * 24);
            assertThat(migrate.at("/columns/fillMisfits").asLong()).as("misfits of the fill").isEqualTo(expectedMisfits)
                    .isPositive();
            assertTyped(c, added, afterHour1);
            assertThat(changes(c)).contains("PRICE BASELINE NUMBER(38,2)", "AMOUNT ADDED NUMBER(38,3)",
                    "AMOUNT FILLED NUMBER(38,3) 24 " + amountMisfits, "LABEL ADDED VARCHAR", "BLOB ADDED BINARY",
                    "ACTIVE ADDED BOOLEAN");
            assertThat(String.join("\n", changes(c))).contains("LABEL FILLED VARCHAR 24 ", "BLOB FILLED BINARY 24 0",
                    "ACTIVE FILLED BOOLEAN 24 ");
            // Filled once: later runs find nothing to do.
            assertThat(ok(added.exec(List.of("migrate", "--config", added.config().toString()))).at("/columns/changes")).isEmpty();

            // Hour 2's files have no such columns: they load (NULL) and the MERGE types the rows from _ITEM instead.
            runJobs(1, added);
            assertTyped(c, added);

            // Hour 3, staged with the new columns.
            for (int i = 6; i < 12; i++) {
                update(i, "SET label = :v, active = :a", Map.of(":v", s("h3-" + i), ":a", AttributeValue.fromBool(i % 2 == 0)));
            }
            put(item(31));
            syncHour(2, added);
            assertTyped(c, added);

            // A type change is refused, before anything changes.
            Map<String, String> columnsBefore = TypedColumns.columnTypes(c, t);
            Cli.Result refused = retyped.run("copy-load", t.name(), hour[2].toString(), hour[3].toString());
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.error()).contains("DDB2SF-0005").contains("ACTIVE").contains("new column name");
            assertThat(TypedColumns.columnTypes(c, t)).isEqualTo(columnsBefore);

            // A column removed: it stays, values and all, and is no longer written.
            Map<String, String> labelsBefore = Snapshots.rows(c, "SELECT \"_KEY\", \"LABEL\" FROM \"" + t.target() + "\" ORDER BY 1");
            for (int i = 12; i < 16; i++) {
                update(i, "SET label = :v", Map.of(":v", s("h4-" + i)));
            }
            put(item(32));
            syncHour(3, removed);
            assertTyped(c, removed);
            assertThat(changes(c)).contains("LABEL REMOVED null");
            Map<String, String> labelsAfter = Snapshots.rows(c, "SELECT \"_KEY\", \"LABEL\" FROM \"" + t.target()
                    + "\" WHERE \"_KEY\" NOT LIKE '[\"item-32\"%' ORDER BY 1");
            assertThat(labelsAfter).as("the removed column keeps its values").isEqualTo(labelsBefore);
            assertThat(TypedColumns.columnTypes(c, t)).containsEntry("LABEL", "TEXT");

            // Hour 1 rerun, every job, after all of it: the table stays as it was.
            Map<String, String> before = Snapshots.rows(c, "SELECT * FROM \"" + t.target() + "\" ORDER BY \"_KEY\"");
            syncHour(0, removed);
            assertThat(Snapshots.rows(c, "SELECT * FROM \"" + t.target() + "\" ORDER BY \"_KEY\"")).isEqualTo(before);
            assertTyped(c, removed);
            assertThat(Snapshots.diff(Snapshots.source(ddb(), t.name()), Snapshots.target(c, t.target()))).isEmpty();
            JsonNode verify = ok(removed.exec(List.of("verify", "--table", t.name(), "--rcu-budget", "100", "--config", removed.config().toString())));
            assertThat(verify.get("drift").asBoolean()).isFalse();
            assertThat(verify.get("equal").asLong()).isEqualTo(verify.get("compared").asLong()).isPositive();
        }
    }

    /**
     * Snowflake commits the ALTERs on their own, before the fill's transaction: a run killed inside the fill leaves the
     * column added and empty, recorded ADDED and not FILLED, and the next run of the table fills it.
     */
    @Test
    void shouldFillAColumnWhoseFillWasKilledOnTheNextRun() throws Exception {
        t = stack.newTable("columns", "hard");
        Fixtures.createTable(ddb(), t.name());
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(5));
        hour = new Instant[] {base};
        Cli one = cli(KEYS);
        Cli added = cli(KEYS + ADDED);
        WarehouseLog warehouse = WarehouseLog.fromEnvironment();
        try (var streams = stack.streams(); Connection c = stack.snowflake(t.schema())) {
            hours = new SimulatedHours(streams);
            arn = ddb().describeTable(b -> b.tableName(t.name())).table().latestStreamArn();
            for (int i = 0; i < 12; i++) {
                put(item(i));
            }
            syncHour(0, one);

            long after = warehouse.last();
            long hold = warehouse.hold("UPDATE \"" + t.target() + "\" s SET \"AMOUNT\"", Duration.ofMinutes(2));
            Process p = added.start(List.of("migrate", "--config", added.config().toString()));
            try {
                JsonNode held = warehouse.await(after, e -> e.get("event").asText().equals("held")
                        && e.get("hold").asLong() == hold, p, Duration.ofMinutes(2));
                p.destroyForcibly().waitFor();
                assertThat(held.get("transaction").isNull()).as("the kill landed inside the fill's transaction: %s", held).isFalse();
                assertThat(held.get("name").asText()).startsWith("DDB2SF_COLUMNS_FILL_");
            } finally {
                p.destroyForcibly().waitFor();
                warehouse.release(hold);
            }
            assertThat(TypedColumns.columnTypes(c, t)).containsEntry("AMOUNT", "NUMBER(3)").containsEntry("landing.AMOUNT", "NUMBER(3)");
            assertThat(changes(c)).contains("AMOUNT ADDED NUMBER(38,3)").noneMatch(r -> r.contains("FILLED"));
            assertThat(Snapshots.count(c, t.target())).isEqualTo(12);

            // The next run of any job of the table (here merge-apply of the synced hour) aborts the dead fill and fills.
            ok(added.run("merge-apply", t.name(), hour[0].toString(), hour[0].plusSeconds(3600).toString()));
            assertTyped(c, added);
            assertThat(String.join("\n", changes(c))).contains("AMOUNT FILLED NUMBER(38,3) 12 ", "ACTIVE FILLED BOOLEAN 12 ");
        }
    }

    // ---- the source --------------------------------------------------------------------------------------------

    private DynamoDbClient ddb;

    private DynamoDbClient ddb() {
        if (ddb == null) {
            ddb = stack.dynamodb();
        }
        return ddb;
    }

    /** Item i: its future columns hold values that fit and values that do not, or are absent, by i. */
    private static Map<String, AttributeValue> item(int i) {
        Map<String, AttributeValue> item = new HashMap<>(Fixtures.key("item-" + i, String.valueOf(i)));
        item.put("price", n(i + ".25"));
        switch (i % 6) {
            case 0 -> item.put("amount", n("12.345"));                                  // fits NUMBER(38,3)
            case 1 -> item.put("amount", n("1.23456"));                                 // too many decimals
            case 2 -> item.put("amount", n("123456789012345678901234567890123456"));    // 36 + 3 digits: too many
            case 3 -> item.put("amount", n("-0.5"));
            case 4 -> item.put("amount", s("12"));                                      // another type
            default -> { }
        }
        switch (i % 4) {
            case 0 -> item.put("label", s("label " + i + " it's \"quoted\""));
            case 1 -> item.put("label", n(String.valueOf(i)));                          // another type
            case 2 -> item.put("label", s(""));
            default -> { }
        }
        if (i % 3 != 2) {
            item.put("blob", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, (byte) i, (byte) 0xff, 10})));
        }
        switch (i % 5) {
            case 0, 1 -> item.put("active", AttributeValue.fromBool(i % 2 == 0));
            case 2 -> item.put("active", s("yes"));                                     // another type
            case 3 -> item.put("active", AttributeValue.fromNul(true));                 // NULL is a type too
            default -> { }
        }
        return item;
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

    /** Dates the writes since the last hour into hour h and exports it with the given config. */
    private void exportHour(int h, Cli cli) {
        hours.date(arn, hour[h].plus(Duration.ofMinutes(5)), hour[h].plus(Duration.ofMinutes(50)));
        LocalStack.TestTable with = new LocalStack.TestTable(t.name(), t.target(), t.prefix(), t.schema(), cli);
        ExportSummary summary = with.exportThrough(real -> hours.view(real, new Random(h), 0), hour[h], hour[h].plusSeconds(3600));
        assertThat(summary.rows()).isPositive();
    }

    private void runJobs(int h, Cli cli) {
        for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
            ok(cli.run(job, t.name(), hour[h].toString(), hour[h].plusSeconds(3600).toString()));
        }
    }

    private void syncHour(int h, Cli cli) {
        if (hours.undated(arn) > 0 || h == 0) {
            exportHour(h, cli);
        }
        runJobs(h, cli);
    }

    private static JsonNode ok(Cli.Result r) {
        assertThat(r.exitCode()).as("exit code; stderr:\n" + r.stderr()).isZero();
        return r.summary();
    }

    // ---- what the tables hold ----------------------------------------------------------------------------------

    /** Every live item's typed columns, as the config's export would type them, against the analytics row's. */
    private void assertTyped(Connection c, Cli cli) throws Exception {
        assertTyped(c, cli, items());
    }

    private void assertTyped(Connection c, Cli cli, List<Map<String, AttributeValue>> items) throws Exception {
        TableConfig config = config(cli);
        List<ColumnSpec> columns = config.typedColumns();
        Map<String, List<Object>> expected = new TreeMap<>();
        items.forEach(i -> expected.put(TypedValues.keyText(config.keys(), i), TypedValues.of(columns, i, new TypedValues.Counter())));
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
            List<Object> want = expected.get(key);
            List<Object> got = actual.get(key);
            for (int k = 0; k < columns.size(); k++) {
                assertThat(TypedColumns.same(want.get(k), got.get(k))).as(key + " " + columns.get(k).column() + ": expected "
                        + TypedColumns.show(want.get(k)) + ", got " + TypedColumns.show(got.get(k))).isTrue();
            }
        }
    }



    /** The misfits the export's typing finds in the named attributes of every live item. */
    private long misfits(Cli cli, List<String> attributes, List<Map<String, AttributeValue>> items) {
        TableConfig config = config(cli);
        List<ColumnSpec> columns = config.columns().stream().filter(col -> attributes.contains(col.attribute())).toList();
        TypedValues.Counter counter = new TypedValues.Counter();
        items.forEach(i -> TypedValues.of(columns, i, counter));
        return counter.count();
    }

    private List<Map<String, AttributeValue>> items() {
        return ddb().scanPaginator(b -> b.tableName(t.name()).consistentRead(true)).items().stream().toList();
    }

    private TableConfig config(Cli cli) {
        return new ConfigLoader(System.getenv()).load(cli.config()).table(t.name());
    }


    /** The recorded column changes of the table, as "COLUMN CHANGE TYPE ROWS MISFITS". */
    private List<String> changes(Connection c) throws Exception {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT \"COLUMN_NAME\", \"CHANGE\", \"SQL_TYPE\", \"ROWS\", \"MISFITS\""
                + " FROM \"DDB2SF_COLUMN_CHANGES\" WHERE \"TABLE_NAME\" = ? ORDER BY \"CHANGED_AT\"")) {
            ps.setString(1, t.target());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StringBuilder row = new StringBuilder(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
                    if (rs.getObject(4) != null) {
                        row.append(' ').append(rs.getLong(4)).append(' ').append(rs.getLong(5));
                    }
                    out.add(row.toString());
                }
            }
        }
        return out;
    }
}
