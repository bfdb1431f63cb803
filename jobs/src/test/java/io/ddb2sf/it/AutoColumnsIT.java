package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ddb2sf.Json;
import io.ddb2sf.cli.Wiring;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.export.ExportJob;
import io.ddb2sf.merge.MergeJob;
import io.ddb2sf.merge.MergeSummary;
import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.snowflake.Migrator;
import io.ddb2sf.snowflake.SnowflakeConnections;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.HourPartition;
import java.time.Clock;
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
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
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

    private static final String DECLARED = """
            - name: %s
              keys:
                - {attribute: pk, type: S}
                - {attribute: sk, type: N}
              deletes: hard
            """;

    private final LocalStack stack = LocalStack.fromEnvironment();
    private LocalStack.TestTable t;
    private SimulatedHours hours;
    private Cli auto;
    private String arn;
    private Instant[] hour;
    private JsonStore json;
    private StageKeys keys;

    /** A new test table with {@code columns: auto}, its DynamoDB table and {@code hours} past hours to export. */
    private void newAutoTable(String label, int hours) throws Exception {
        t = stack.newTable(label, "hard");
        Fixtures.createTable(ddb(), t.name());
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(5));
        hour = new Instant[hours];
        for (int i = 0; i < hours; i++) {
            hour[i] = base.plusSeconds(3600L * i);
        }
        auto = cli(AUTO);
        json = new JsonStore(new StageStore(stack.s3(), LocalStack.BUCKET), Json.mapper());
        keys = new StageKeys(t.prefix());
    }

    /** Hour 0 of {@code count} items with a name, exported, loaded and merged. */
    private void syncNamedItems(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            Map<String, AttributeValue> item = new HashMap<>(Fixtures.key("item-" + i, String.valueOf(i)));
            item.put("name", s("name " + i));
            put(item);
        }
        exportHour(0);
        runJobs(0, auto);
    }

    /** Reads the table's stream through simulated hours. */
    private void follow(DynamoDbStreamsClient streams) {
        hours = new SimulatedHours(streams);
        arn = ddb().describeTable(b -> b.tableName(t.name())).table().latestStreamArn();
    }

    @Test
    void shouldTurnAttributesIntoColumnsSharedThroughOneVersionedRecord() throws Exception {
        newAutoTable("auto", 3);
        try (var streams = stack.streams(); Connection c = stack.snowflake(t.schema())) {
            follow(streams);

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

    /**
     * Attributes only a backfill sees become columns: each process proposes what its segment saw before the segment
     * records its end (a resumed run does not read those items again), and every process writes with the record
     * version the first one pinned, though the record grows in between (here another writer adds a column between the
     * two processes), so the parts share one schema and the manifest names the version they were written with.
     */
    @Test
    void shouldTurnAttributesOnlyABackfillSawIntoColumns() throws Exception {
        newAutoTable("autobf", 0);
        for (int i = 0; i < 40; i++) {
            Map<String, AttributeValue> item = new HashMap<>(Fixtures.key("item-" + i, String.valueOf(i)));
            item.put("legacy", s("old " + i));
            item.put("weight", n(i + ".25"));
            item.put("active", AttributeValue.fromBool(i % 3 == 0));
            put(item);
        }
        String snapshot = new BackfillPartition(t.name(), Instant.now()).snapshotId();
        Cli.Result first = backfill(snapshot, "0");
        assertThat(first.summary().get("manifestWritten").asBoolean()).isFalse();
        assertThat(first.stderr()).contains("writes the automatic columns of record version 0");
        int afterFirst = recordVersion(json, keys);
        assertThat(afterFirst).as("the first process recorded what its segment saw").isPositive();
        // Meanwhile another writer (an hourly export) adds a column.
        int other = new ColumnsRecord(json, keys, System.err).propose(config(auto), seen(Map.of("other", s("x"))));
        assertThat(other).isEqualTo(afterFirst + 1);
        Cli.Result second = backfill(snapshot, "1");
        assertThat(second.summary().get("manifestWritten").asBoolean()).isTrue();

        Map<String, Long> misfits = new HashMap<>();
        for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
            Cli.Result r = auto.exec(List.of(job, "--table", t.name(), "--backfill", snapshot, "--config",
                    auto.config().toString()));
            assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            if (job.equals("merge-apply")) {
                misfits.put(job, r.summary().get("itemMisfits").asLong());
            }
        }
        assertThat(manifestVersions()).as("written with the version pinned before any was recorded").containsExactly(0);
        assertThat(columns(json, keys)).hasSize(4).anyMatch(c -> c.contains(" legacy LEGACY VARCHAR "))
                .anyMatch(c -> c.contains(" weight WEIGHT NUMBER(38,2) ")).anyMatch(c -> c.contains(" active ACTIVE BOOLEAN "))
                .anyMatch(c -> c.contains(" other OTHER VARCHAR "));
        assertThat(misfits.get("merge-apply")).isZero();
        try (Connection c = stack.snowflake(t.schema())) {
            assertTyped(c, resolved(auto, json, keys));
            assertThat(Snapshots.diff(Snapshots.source(ddb(), t.name()), Snapshots.target(c, t.target()))).isEmpty();
        }
    }

    /**
     * A merge-apply that resolved the table before another pod recorded a column (and a copy-load added it to
     * Snowflake and filled it) neither records that column REMOVED nor leaves it out of its MERGE: it reads the record
     * again once Snowflake's columns are listed. The MERGE types the column's value from _ITEM for the partition staged
     * before the column existed, and counts the values that do not fit (a string in a number column).
     */
    @Test
    void shouldNotTakeAColumnRecordedMeanwhileForARemovedOneAndCountItsMisfits() throws Exception {
        newAutoTable("autorace", 2);
        try (var streams = stack.streams(); Connection c = stack.snowflake(t.schema())) {
            follow(streams);
            syncNamedItems(6);
            // This merge-apply resolves the table now: NAME only.
            TableConfig old = resolved(auto, json, keys);
            assertThat(old.columns()).extracting(ColumnSpec::column).containsExactly("NAME");

            // Hour 1 brings amount (a number; one item holds a string): the export records AMOUNT, copy-load adds it.
            for (int i = 0; i < 4; i++) {
                update(i, "SET amount = :a", Map.of(":a", i == 3 ? s("lots") : n(i + ".5")));
            }
            exportHour(1);
            assertThat(columns(json, keys)).contains("2: amount AMOUNT NUMBER(38,1) 2");
            Cli.Result load = auto.run("copy-load", t.name(), hour[1].toString(), hour[1].plusSeconds(3600).toString());
            assertThat(load.exitCode()).as(load.stderr()).isZero();
            assertThat(changes(c)).contains("AMOUNT ADDED", "AMOUNT FILLED");

            MergeSummary merged = mergeJob(old, json, keys).run(new HourPartition(t.name(), hour[1], hour[1].plusSeconds(3600)));
            assertThat(changes(c)).as("AMOUNT is in the record: never REMOVED").doesNotContain("AMOUNT REMOVED")
                    .containsExactly("NAME BASELINE", "AMOUNT ADDED", "AMOUNT FILLED");
            assertThat(merged.itemMisfits()).as("item-3's amount is a string: NULL in AMOUNT, counted").isEqualTo(1);
            TableConfig now = resolved(auto, json, keys);
            assertTyped(c, now);
            try (PreparedStatement ps = c.prepareStatement("SELECT \"AMOUNT\" FROM \"" + t.target()
                    + "\" WHERE \"_KEY\" = '[\"item-1\",\"1\"]'"); ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getBigDecimal(1)).as("typed from _ITEM by the MERGE").isEqualByComparingTo("1.5");
            }
        }
    }

    /**
     * The narrower race: another run records a column and adds and fills it after this merge-apply read the record
     * but before its MERGE. The MERGE does not write the column, so the rows it changes would keep the fill's (older)
     * value: after the MERGE, inside its transaction, the job lists the table's columns again, finds the column, and
     * rolls back with an error saying to rerun; the rerun merges it.
     */
    @Test
    void shouldRollBackAMergeWhenAColumnWasAddedBetweenItsReadOfTheRecordAndItsMerge() throws Exception {
        newAutoTable("autowindow", 2);
        try (var streams = stack.streams(); Connection c = stack.snowflake(t.schema())) {
            follow(streams);
            syncNamedItems(4);
            TableConfig old = resolved(auto, json, keys);
            for (int i = 0; i < 4; i++) {
                update(i, "SET amount = :a", Map.of(":a", n(i + ".5")));
            }
            // Hour 1 records AMOUNT; it is loaded by a job that read the record before (AMOUNT not in Snowflake yet).
            exportHour(1);
            HourPartition p1 = new HourPartition(t.name(), hour[1], hour[1].plusSeconds(3600));
            loadJob(old).run(p1);
            assertThat(TypedColumns.columnTypes(c, t)).doesNotContainKey("AMOUNT");

            // The merge reads the record (as before AMOUNT: the other run's write comes right after its read), then
            // the other run adds and fills AMOUNT (a copy-load of hour 0), then the merge runs its MERGE.
            AtomicInteger reads = new AtomicInteger();
            ColumnsRecord record = new ColumnsRecord(json, keys, System.err);
            java.util.function.UnaryOperator<TableConfig> current = table -> {
                if (reads.incrementAndGet() == 1) {
                    Cli.Result other = auto.run("copy-load", t.name(), hour[0].toString(), hour[0].plusSeconds(3600).toString());
                    assertThat(other.exitCode()).as(other.stderr()).isZero();
                    return table;
                }
                return record.resolve(table).table();
            };
            MergeJob merge = mergeJob(old, current);
            assertThatThrownBy(() -> merge.run(p1)).hasMessageContaining("columns [AMOUNT] of " + t.target()
                    + " were added by another run while " + p1 + " was merged").hasMessageContaining("rerun merge-apply");
            assertThat(changes(c)).contains("AMOUNT ADDED", "AMOUNT FILLED").doesNotContain("AMOUNT REMOVED");

            Cli.Result rerun = auto.run("merge-apply", t.name(), hour[1].toString(), hour[1].plusSeconds(3600).toString());
            assertThat(rerun.exitCode()).as(rerun.stderr()).isZero();
            assertThat(rerun.summary().get("alreadyMerged").asBoolean()).isFalse();
            assertTyped(c, resolved(auto, json, keys));
        }
    }

    /**
     * Two export-increment runs of one table at the same time, each bringing an attribute the record lacks: a rerun of
     * an hour exported before the table was switched to columns: auto (it writes the same bytes, and now records what it
     * saw), and the next new hour. Both read the same record version before either writes; one conditional write loses
     * and is retried on top of the other. Both attributes are recorded, each manifest names the version its files were
     * written with, and after load and merge every row has every column right.
     */
    @Test
    void shouldRecordBothAttributesWhenTwoExportsOfTheTableOverlap() throws Exception {
        newAutoTable("autopods", 3);
        Cli declared = cli(DECLARED);
        try (var streams = stack.streams(); Connection c = stack.snowflake(t.schema())) {
            follow(streams);
            // Hour 0, before columns: auto: alpha stays in _ITEM.
            for (int i = 0; i < 5; i++) {
                Map<String, AttributeValue> item = new HashMap<>(Fixtures.key("item-" + i, String.valueOf(i)));
                item.put("alpha", s("a" + i));
                put(item);
            }
            export(0, declared, null);
            runJobs(0, declared);
            String hour0Manifest = manifestBytes(0);
            // Hour 1, with columns: auto: gamma becomes version 1.
            for (int i = 5; i < 8; i++) {
                Map<String, AttributeValue> item = new HashMap<>(Fixtures.key("item-" + i, String.valueOf(i)));
                item.put("gamma", n(String.valueOf(i)));
                put(item);
            }
            export(1, auto, null);
            assertThat(recordVersion(json, keys)).isEqualTo(1);
            // Hour 2 brings beta; its records are dated before the two exports start.
            for (int i = 8; i < 11; i++) {
                Map<String, AttributeValue> item = new HashMap<>(Fixtures.key("item-" + i, String.valueOf(i)));
                item.put("beta", s("b" + i));
                put(item);
            }
            hours.date(arn, hour[2].plus(Duration.ofMinutes(5)), hour[2].plus(Duration.ofMinutes(50)));

            // The rerun of hour 0 (sees alpha) and the new hour 2 (sees beta) at once: each, after its proposal's read
            // of the record, waits for the other's, so both read version 1 before either writes.
            CyclicBarrier bothRead = new CyclicBarrier(2);
            AtomicInteger reads = new AtomicInteger();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
            Runnable hook = () -> {
                if (reads.incrementAndGet() <= 2) {
                    try {
                        bothRead.await(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException("the two exports did not overlap", e);
                    }
                }
            };
            ExecutorService pods = Executors.newFixedThreadPool(2);
            Future<ExportSummary> rerun = pods.submit(() -> export(0, auto, new ColumnsRecord(json, keys, log, hook)));
            Future<ExportSummary> next = pods.submit(() -> export(2, auto, new ColumnsRecord(json, keys, log, hook)));
            pods.shutdown();
            assertThat(rerun.get(3, TimeUnit.MINUTES).mode()).isEqualTo("rerun");
            assertThat(next.get(3, TimeUnit.MINUTES).mode()).isEqualTo("new");
            assertThat(bothRead.isBroken()).isFalse();
            assertThat(reads.get()).as("two first reads and one reread").isEqualTo(3);
            String logged = out.toString(StandardCharsets.UTF_8);
            System.err.print(logged);
            assertThat(logged).contains("version 2 was written by another run meanwhile; rereading")
                    .contains("version 2 adds").contains("version 3 adds");
            assertThat(columns(json, keys)).hasSize(3).allMatch(col -> col.startsWith("3: "))
                    .anyMatch(col -> col.contains(" alpha ALPHA VARCHAR ")).anyMatch(col -> col.contains(" beta BETA VARCHAR "))
                    .anyMatch(col -> col.contains(" gamma GAMMA NUMBER(38,0) 1"));
            assertThat(manifestBytes(0)).as("the rerun wrote hour 0's manifest as it was").isEqualTo(hour0Manifest);
            assertThat(manifestVersions()).as("hour 1 written with version 0, hour 2 with version 1").containsExactly(0, 1);

            for (int h = 0; h < 3; h++) {
                runJobs(h, auto);
            }
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

    /**
     * export-increment of hour {@code h} in this process, with {@code cli}'s config, recording automatic columns
     * through {@code columns} (null: as the job does itself); hour h's new records are dated first.
     */
    private ExportSummary export(int h, Cli cli, ColumnsRecord columns) {
        if (columns == null) {
            hours.date(arn, hour[h].plus(Duration.ofMinutes(5)), hour[h].plus(Duration.ofMinutes(50)));
        }
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("DDB2SF_"));
        PipelineConfig config = new ConfigLoader(env).load(cli.config());
        try (Wiring wiring = new Wiring(config, System.err, real -> hours.view(real, new Random(h), 0))) {
            ExportJob job = wiring.exportJob(config.table(t.name()));
            return (columns == null ? job : job.withColumnsRecord(columns))
                    .run(new HourPartition(t.name(), hour[h], hour[h].plusSeconds(3600)));
        }
    }

    private Cli.Result backfill(String snapshot, String segments) {
        Cli.Result r = auto.exec(List.of("backfill", "--table", t.name(), "--backfill", snapshot, "--total-segments", "2",
                "--segment", segments, "--rcu-budget", "100000", "--config", auto.config().toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r;
    }

    /** merge-apply in this process, for a table resolved earlier; it reads the record again as Wiring's does. */
    private MergeJob mergeJob(TableConfig resolvedEarlier, JsonStore json, StageKeys keys) {
        return mergeJob(resolvedEarlier, table -> new ColumnsRecord(json, keys, System.err).resolve(table).table());
    }

    private MergeJob mergeJob(TableConfig resolvedEarlier, java.util.function.UnaryOperator<TableConfig> current) {
        PipelineConfig config = inProcessConfig();
        return new MergeJob(resolvedEarlier, config.aws().streamTimestampPrecision(),
                new SnowflakeConnections(config.snowflake()), Migrator.fromClasspath(), new Ledger(), Clock.systemUTC(),
                System.err, current);
    }

    /** copy-load in this process, for a table resolved earlier, not reading the record again. */
    private io.ddb2sf.load.LoadJob loadJob(TableConfig resolvedEarlier) {
        PipelineConfig config = inProcessConfig();
        return new io.ddb2sf.load.LoadJob(resolvedEarlier, new StageKeys(t.prefix()),
                new io.ddb2sf.stage.ManifestStore(new StageStore(stack.s3(), LocalStack.BUCKET), new StageKeys(t.prefix()),
                        Json.mapper()), new io.ddb2sf.snowflake.WarehouseTables(config.snowflake()),
                new SnowflakeConnections(config.snowflake()), Migrator.fromClasspath(), new Ledger(), Clock.systemUTC(),
                System.err, java.util.function.UnaryOperator.identity());
    }

    /** The auto config as the jar reads it (without the test's own DDB2SF_ settings). */
    private PipelineConfig inProcessConfig() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("DDB2SF_"));
        return new ConfigLoader(env).load(auto.config());
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

    private int recordVersion(JsonStore json, StageKeys keys) {
        return json.read(keys.columnsRecord(t.name()), ColumnsRecord.Columns.class, "columns record", "")
                .map(r -> r.value().version()).orElse(0);
    }

    private String manifestBytes(int h) {
        String key = new StageKeys(t.prefix()).manifest(new HourPartition(t.name(), hour[h], hour[h].plusSeconds(3600)));
        return stack.s3().getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(key)).asUtf8String();
    }

    /** The recorded column changes of the table, as "COLUMN CHANGE". */
    private List<String> changes(Connection c) throws Exception {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT \"COLUMN_NAME\", \"CHANGE\" FROM \"DDB2SF_COLUMN_CHANGES\""
                + " WHERE \"TABLE_NAME\" = ? ORDER BY \"CHANGED_AT\"")) {
            ps.setString(1, t.target());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
        }
        return out;
    }

    /** The columns version each manifest records (those that record one), in key order. */
    private List<Integer> manifestVersions() throws Exception {
        List<Integer> versions = new ArrayList<>();
        for (S3Object o : stack.s3().listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(t.prefix() + "/")).contents()) {
            if (o.key().endsWith("/_manifest.json")) {
                JsonNode m = Json.mapper().readTree(stack.s3().getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(o.key())).asByteArray());
                if (m.has("columnsVersion")) {
                    versions.add(m.get("columnsVersion").asInt());
                }
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
