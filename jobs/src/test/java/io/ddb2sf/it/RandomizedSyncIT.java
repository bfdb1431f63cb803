package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.Json;
import io.ddb2sf.cli.Wiring;
import io.ddb2sf.config.TableConfig.ChangeSource;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.ddbexport.ExportRows;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.export.ExportSummary;
import io.ddb2sf.export.IncrementalExportSource;
import io.ddb2sf.stage.ChangeRow;
import io.ddb2sf.stage.ColumnsRecord;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.JsonStore;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The whole pipeline under random load and random faults, reproducible from a seed ({@code -Dddb2sf.seed=<n>}, or
 * {@code random}; the seed is printed at the start and in every failure; the kills land at real-time moments, so
 * a rerun of a seed repeats the workload and the kill plan, not each kill's exact landing). Two tables, one with hard and one with soft deletes, get
 * random puts, updates and deletes with values of every DynamoDB type over four hours; meanwhile a backfill runs
 * while the tables are written, the stream of both tables is replaced (disabled, written while nothing streams,
 * re-enabled) and recovered as the DDB2SF-1002 message says, the recovery backfill is run again as a retry would,
 * exports die mid-read and are rerun, copy-load / stage-validate / merge-apply / backfill processes are SIGKILLed at
 * random moments and rerun, partitions are loaded and merged in random order, and done steps are rerun. At the end
 * a consistent scan of each table equals its analytics table key by key, soft-deleted rows hold the deleted item,
 * and the landing table holds every exported stream change exactly once.
 *
 * <p>Declared column changes: before the writes of a random hour (h1 to h3), or for a quarter of the seeds after every
 * pending step (before the reruns of done steps, so the existing rows' values come from the fill alone, not from the
 * recovery backfill's full refresh), two or three typed columns are added to both
 * tables' config (an N with scale on an N-only attribute and on an attribute of any type, an S, a BOOL), sometimes one
 * of them is removed an hour later; the next warehouse step of each table after a change is SIGKILLed (landing before,
 * inside or after the ALTERs and the fill; the column history at that moment is in the journal) and rerun, and the
 * partitions staged before the change are loaded and merged after it. At the end every live row's configured typed
 * columns, rows from before and after the change alike, equal {@link TypedValues} of the source item.
 *
 * <p>Automatic columns: in two seeds of three (the default among them) the soft table has {@code columns: auto}
 * instead (the column changes are then the hard table's only): every writer (hourly exports, the backfills, reruns,
 * killed and rerun) records the attributes it sees, and at the end every live row's columns, as the record in the
 * stage names them, equal {@link TypedValues} of the source item (first type wins, misfits NULL).
 *
 * <p>{@code source: incremental-export}: the hard table's h0, h1 or both come from incremental exports, then the stream
 * again. DynamoDB Local has no export API, so these hours are exported in this process (as every export here is)
 * through {@link ExportingDynamoDb}, which writes the incremental export from the dated stream, the way
 * {@code IncrementalExportIT} does; each is run again and must adopt its recorded export. Back to the stream at h1,
 * the stream restarts 5 minutes before the hour (those stream changes land as late records of h1); back at h2, the
 * stream was replaced inside h2, so the export stops with DDB2SF-1001 naming the backfill, and the recovery backfill
 * (as for the soft table's DDB2SF-1002) brings the hour. Streams are given their simulated creation time
 * ({@link SimulatedCreation}). The seed's plan (export hours, column hours) is printed at the start.
 *
 * <p>Hours: the jobs take one whole UTC hour, and DynamoDB Local stamps records in real time, so the four hours are
 * the four hours before the current one: each batch of writes is dated into its hour by {@link SimulatedHours}
 * (the exports read the real stream through it; only ApproximateCreationDateTime is simulated), and each backfill is
 * given the snapshot time of its simulated moment with {@code --backfill}.
 *
 * <p>{@code -Dddb2sf.random.warehouseKills=false} leaves copy-load, stage-validate and merge-apply unkilled (to look
 * past a failure that kills cause).
 */
class RandomizedSyncIT {
    /** A seed that passed, so CI runs are repeatable; {@code -Dddb2sf.seed=random} explores a new one. */
    static final long DEFAULT_SEED = 1724067963887839620L;
    static final long SEED = "random".equals(System.getProperty("ddb2sf.seed")) ? new SecureRandom().nextLong()
            : Long.getLong("ddb2sf.seed", DEFAULT_SEED);
    static final boolean WAREHOUSE_KILLS = !"false".equals(System.getProperty("ddb2sf.random.warehouseKills"));
    static final int KEYS = 240;
    static final DateTimeFormatter SNAPSHOT_ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** Known, open issues a failure here may come from; printed with every failure so the cause is easy to name. */
    static final String KNOWN_ISSUES = """
            Known issues this test runs into on code without their fixes:
             (a) a copy-load/merge-apply SIGKILLed inside its Snowflake transaction: fakesnow keeps the dead session's
                 transaction open, and every rerun touching the same rows fails (DDB2SF-2000, "Conflict on ...")
             (b1) a delete made while nothing streamed survives in Snowflake: the backfill is not applied as a full refresh
             (b2) snapshot vs stream versions: a snapshot row wins over, or loses to, the wrong stream change
             (b3) backfill --reset-checkpoint run again after its hour was re-exported: the checkpoint goes back to the
                  trim horizon and the next export lands the same stream changes a second time
             (b4) soft-deleted rows keep an old item instead of the deleted item
            """;

    final Random random = new Random(SEED);
    final List<String> journal = new ArrayList<>();
    /** How long the last unkilled run of each step took, to spread kills over a whole run. */
    final Map<Step, Long> runMillis = new java.util.concurrent.ConcurrentHashMap<>();
    /** Which reruns meet an hour staged by an earlier build: apart from {@code random}, so a seed's other choices stay. */
    final Random upgrades = new Random(SEED * 31 + 7);
    LocalStack stack;
    DynamoDbClient ddb;
    DynamoDbStreamsClient streams;
    Cli cli;
    String schema;
    Instant[] hour;
    Source hard;
    Source soft;
    List<Source> sources;
    String suffix;
    /** The hours of the hard table that come from incremental exports (the rest from its stream). */
    Set<Integer> exportHours;
    /** The hour before whose writes typed columns are added to both tables, and the one (or -1) one of them is removed. */
    int columnsAddedAt;
    int columnRemovedAt;
    /** Two seeds in three (the default among them): the soft table takes its columns from the data, {@code columns: auto}. */
    final boolean softAuto = new Random(SEED * 31 + 5).nextInt(3) != 0;
    /** The columns added and not removed, per table, as config lines. */
    final List<String> addedColumns = new ArrayList<>();
    /** When each stream was created, in simulated time (DynamoDB Local stamps it in real time). */
    final Map<String, Instant> streamCreated = new java.util.concurrent.ConcurrentHashMap<>();
    ExportingDynamoDb exportApi;

    @Test
    void shouldEndEqualToTheSourceWithEveryStreamChangeLandedOnce() throws Exception {
        System.err.println("RandomizedSyncIT: seed " + SEED + " (rerun with -Dddb2sf.seed=" + SEED + ")");
        try {
            scenario();
        } catch (Throwable e) {
            String message = "RandomizedSyncIT seed " + SEED + " (rerun with -Dddb2sf.seed=" + SEED + "): "
                    + e.getMessage() + "\n" + KNOWN_ISSUES + "Last steps:\n  "
                    + String.join("\n  ", journal.subList(Math.max(0, journal.size() - 40), journal.size()));
            System.err.println(message);
            throw new AssertionError(message, e);
        } finally {
            if (ddb != null) {
                for (Source s : sources == null ? List.<Source>of() : sources) {
                    try {
                        ddb.deleteTable(b -> b.tableName(s.name)); // DynamoDB Local slows down as tables pile up
                    } catch (RuntimeException ignored) {
                        // never created
                    }
                }
                ddb.close();
                streams.close();
            }
        }
    }

    private void scenario() throws Exception {
        stack = LocalStack.fromEnvironment();
        ddb = stack.dynamodb();
        streams = DynamoDbStreamsClient.builder().endpointOverride(URI.create(System.getenv("DDB2SF_DYNAMODB_ENDPOINT")))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build();
        suffix = LocalStack.uniqueSuffix();
        schema = "IT_" + suffix.toUpperCase();
        String hardName = "it_rnd_hard_" + suffix;
        String softName = "it_rnd_soft_" + suffix;
        // The hard-delete table keeps no landing rows once merged (landingRetention PT0S), so the prune at the end takes
        // every merged partition of it; the soft one keeps the default 30 days, so its prune takes nothing.
        Path config = writeConfig(hardName, softName, false);
        var pipeline = new ConfigLoader(System.getenv()).load(config);
        hard = new Source(hardName, pipeline.table(hardName), false, new Random(SEED * 31 + 1));
        soft = new Source(softName, pipeline.table(softName), true, new Random(SEED * 31 + 2));
        sources = List.of(hard, soft);
        for (Source s : sources) {
            Fixtures.createTable(ddb, s.name);
            s.arn = ddb.describeTable(b -> b.tableName(s.name)).table().latestStreamArn();
        }
        Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(4));
        hour = new Instant[5];
        for (int i = 0; i < 5; i++) {
            hour[i] = base.plus(Duration.ofHours(i));
        }
        note("hours " + hour[0] + " to " + hour[4] + " (the four past hours), warehouse kills " + WAREHOUSE_KILLS);
        for (Source s : sources) {
            streamCreated.put(s.arn, hour[0].minus(Duration.ofHours(1))); // the stream was there before the simulated hours
        }
        exportApi = new ExportingDynamoDb(ddb, streamsOf(hard, new Random(SEED * 31 + 3), 0), stack.s3(), 2);
        exportHours = switch (random.nextInt(3)) {
            case 0 -> Set.of(0);
            case 1 -> Set.of(1);
            default -> Set.of(0, 1);
        };
        columnsAddedAt = 1 + random.nextInt(3);
        // A quarter of the seeds add the columns only after every pending step, before the reruns of done steps: the
        // recovery backfill (a full refresh merged at the end) rewrites every row, so only then do the existing rows'
        // values come from the fill alone. A separate generator keeps the other seeds' plans as they were.
        if (new Random(SEED * 31 + 4).nextInt(4) == 3) {
            columnsAddedAt = 4;
        }
        columnRemovedAt = columnsAddedAt < 3 && random.nextBoolean() ? columnsAddedAt + 1 : -1;
        note("plan: hours " + exportHours + " of " + hard.name + " from incremental exports (then back to the stream),"
                + (columnsAddedAt == 4 ? " typed columns added after every pending step, before the reruns of done ones"
                : " typed columns added before the writes of h" + columnsAddedAt)
                + (columnRemovedAt < 0 ? "" : ", one removed before the writes of h" + columnRemovedAt)
                + (softAuto ? "; " + soft.name + " has columns: auto (the column changes are " + hard.name + "'s only)" : ""));

        // h0: the tables fill up.
        writes(new Phase("h0-fill", true), 120);
        date(0, 1, 40);
        writes(new Phase("h0", true), 40);
        date(0, 41, 58);
        exportHour(0);
        warehouseSteps(2);

        // h1: a backfill while the tables are written.
        columnChanges(1);
        writes(new Phase("h1", true), 40);
        date(1, 0, 25);
        backfill("bf1", hour[1].plus(Duration.ofMinutes(30)), false, new Phase("h1-during-backfill", true));
        date(1, 30, 40);
        writes(new Phase("h1-late", true), 30);
        date(1, 41, 58);
        exportHour(1);
        warehouseSteps(3);

        // h2: both streams replaced mid-hour; writes while nothing streams. On AWS, a stream disabled and re-enabled is
        // a new stream with a new ARN, and the old one stays readable for 24 hours ("Amazon DynamoDB Developer Guide:
        // Change data capture for DynamoDB Streams", Enabling a stream,
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html); DynamoDB Local does the same.
        columnChanges(2);
        writes(new Phase("h2-old-stream", false), 30);
        date(2, 0, 10);
        for (Source s : sources) {
            ddb.updateTable(b -> b.tableName(s.name).streamSpecification(x -> x.streamEnabled(false)));
        }
        writes(new Phase("h2-no-stream", false), 50);
        for (Source s : sources) {
            ddb.updateTable(b -> b.tableName(s.name).streamSpecification(x -> x.streamEnabled(true)
                    .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
            String replaced = ddb.describeTable(b -> b.tableName(s.name)).table().latestStreamArn();
            assertThat(replaced).as("a re-enabled stream has a new ARN").isNotEqualTo(s.arn);
            s.arn = replaced;
            streamCreated.put(replaced, hour[2].plus(Duration.ofMinutes(10)));
        }
        note("streams replaced");
        writes(new Phase("h2-new-stream", true), 40);
        date(2, 35, 58);
        for (Source s : sources) {
            Part h2 = s.hourly(hour[2]);
            // Back from incremental exports to a stream created after the hour began: refused, the backfill named.
            ErrorCode expected = s == hard && exportHours.contains(1) ? ErrorCode.STREAM_GAP : ErrorCode.STREAM_REPLACED;
            try {
                ExportSummary unexpected = export(s, h2, false);
                throw new AssertionError("export of " + h2.label + " for " + s.name + " followed a replaced stream: " + unexpected);
            } catch (JobException e) {
                assertThat(e.code()).as("export after the stream was replaced: " + e.getMessage()).isEqualTo(expected);
                assertThat(e.getMessage()).as("the error names the recovery").contains("ddb2sf backfill --table " + s.name + " --reset-checkpoint");
                note("export " + s.name + " " + h2.label + ": " + e.code() + " as expected");
            }
        }
        warehouseSteps(2);

        // h3: recovery as the message says: backfill --reset-checkpoint, then rerun the failed hour.
        columnChanges(3);
        writes(new Phase("h3", true), 20);
        date(3, 0, 4);
        backfill("bf2", hour[3].plus(Duration.ofMinutes(5)), true, new Phase("h3-during-backfill", true));
        date(3, 5, 15);
        boolean retryBeforeWrites = random.nextBoolean();
        exportHour(2);
        if (retryBeforeWrites) {
            rerunRecoveryBackfill();
        }
        writes(new Phase("h3-late", true), 40);
        date(3, 20, 58);
        if (!retryBeforeWrites) {
            rerunRecoveryBackfill();
        }
        exportHour(3);

        // Every step still pending, in random order, then reruns of done ones.
        for (Source s : sources) {
            assertThat(s.hours.undated(s.arn)).as("every stream record of " + s.name + " belongs to a simulated hour").isZero();
        }
        warehouseSteps(Integer.MAX_VALUE);
        columnChanges(4);
        rerunDoneSteps(2);

        verify();

        // Then the landing tables are pruned, random done steps are rerun over the pruned partitions (a load reloads
        // from the stage, a merge finds its partition merged), and the warehouse must still equal the source, as
        // `ddb2sf verify` reading the whole table must also find.
        pruneRerunAndVerify();
    }

    // ---- writes --------------------------------------------------------------------------------------------------

    record Phase(String name, boolean exported) {}

    /** Random puts, updates and deletes on both tables, interleaved. */
    private void writes(Phase phase, int perTable) {
        List<Source> order = new ArrayList<>();
        for (Source s : sources) {
            for (int i = 0; i < perTable; i++) {
                order.add(s);
            }
        }
        java.util.Collections.shuffle(order, random);
        RandomItems items = new RandomItems(random);
        for (Source s : order) {
            write(s, phase, items);
        }
        note("writes " + phase.name + ": " + perTable + " per table");
    }

    private void write(Source s, Phase phase, RandomItems items) {
        int r = random.nextInt(100);
        // Puts go to any key (new items and overwrites), updates and deletes mostly to live items.
        boolean existing = r >= 45 && !s.live.isEmpty() && random.nextInt(10) > 0;
        String k = existing ? items.pick(new ArrayList<>(s.live)) : keyOf(random.nextInt(KEYS));
        Map<String, AttributeValue> key = key(k);
        if (r < 45) {
            ddb.putItem(b -> b.tableName(s.name).item(items.item(key)));
            s.track(k, phase, "put", null);
        } else if (r < 80) {
            Map<String, String> names = new HashMap<>();
            Map<String, AttributeValue> values = new HashMap<>();
            String expression = switch (random.nextInt(5)) {
                case 0 -> {
                    names.put("#c", RandomItems.COUNTER);
                    values.put(":n", AttributeValue.fromN(items.count()));
                    yield "ADD #c :n";
                }
                case 1 -> {
                    names.put("#t", RandomItems.TAGS);
                    values.put(":t", AttributeValue.fromSs(items.stringSet()));
                    yield "ADD #t :t";
                }
                case 2 -> {
                    names.put("#r", items.pick(RandomItems.NAMES));
                    yield "REMOVE #r";
                }
                default -> {
                    String a = items.pick(RandomItems.NAMES);
                    String b = items.pick(RandomItems.NAMES);
                    names.put("#a", a);
                    values.put(":a", items.valueFor(a));
                    if (a.equals(b)) {
                        yield "SET #a = :a";
                    }
                    names.put("#b", b);
                    values.put(":b", items.valueFor(b));
                    yield "SET #a = :a, #b = :b";
                }
            };
            ddb.updateItem(b -> {
                b.tableName(s.name).key(key).updateExpression(expression).expressionAttributeNames(names);
                if (!values.isEmpty()) {
                    b.expressionAttributeValues(values);
                }
            });
            s.track(k, phase, "update", null);
        } else {
            DeleteItemResponse deleted = ddb.deleteItem(b -> b.tableName(s.name).key(key).returnValues(ReturnValue.ALL_OLD));
            s.track(k, phase, deleted.hasAttributes() ? "delete" : "delete-missing", deleted.hasAttributes() ? deleted.attributes() : null);
        }
    }

    private static String keyOf(int i) {
        String pk = i % 13 == 0 ? "k" + i + " ünï \"q\" 🚀" : "k" + i;
        return pk + "|" + (i * 7 % 1000);
    }

    private static Map<String, AttributeValue> key(String k) {
        int bar = k.lastIndexOf('|');
        return Map.of("pk", AttributeValue.fromS(k.substring(0, bar)), "sk", AttributeValue.fromN(k.substring(bar + 1)));
    }

    /** Dates every stream record written since the last call into [hour + from, hour + to] minutes. */
    private void date(int h, int fromMinute, int toMinute) {
        for (Source s : sources) {
            Phase phase = s.lastPhase;
            List<SimulatedHours.Dated> dated = s.hours.date(s.arn, hour[h].plus(Duration.ofMinutes(fromMinute)),
                    hour[h].plus(Duration.ofMinutes(toMinute)));
            // An hour from an incremental export lands export rows, not stream changes; only when the stream takes over
            // again right after it (h1 after h0) does it land the export hour's last 5 minutes as stream changes too.
            boolean fromExport = s == hard && exportHours.contains(h);
            Instant restart = fromExport && h == 0 && !exportHours.contains(1)
                    ? hour[1].minus(IncrementalExportSource.SWITCH_OVERLAP) : Instant.MAX;
            if (phase != null && phase.exported) {
                for (SimulatedHours.Dated d : dated) {
                    if (!fromExport || !d.at().isBefore(restart)) {
                        s.expectedChanges.add(TypedValues.keyText(s.config.keys(), d.keys()) + " " + ChangeRow.paddedSequence(d.sequence()));
                    }
                }
            }
            note("dated " + dated.size() + " records of " + s.name + " into h" + h + ":" + fromMinute + "-" + toMinute
                    + (phase != null && phase.exported ? "" : " (never exported: the stream is replaced before its export)"));
        }
    }

    // ---- config and column changes -------------------------------------------------------------------------------

    /** Typed columns the test may add: an N with scale on an N-only attribute and on one of any type, an S, a BOOL. */
    static final List<String> NEW_COLUMNS = List.of(
            "    - {attribute: counter, column: COUNTER_X, type: N, scale: 3}\n",
            "    - {attribute: \"a.b.c\", column: ABC, type: N, scale: 5}\n",
            "    - {attribute: label, column: LABEL, type: S}\n",
            "    - {attribute: select, column: SELECTED, type: BOOL}\n");

    /** Writes the config as it stands (the added columns, the hard table's source) and points the CLI at it. */
    private Path writeConfig(String hardName, String softName, boolean hardFromExport) throws java.io.IOException {
        String columns = String.join("", addedColumns);
        Path config = stack.writeConfig("it/" + suffix, schema, Fixtures.tableYaml(hardName, "hard").replace("  deletes:", columns + "  deletes:")
                + "  landingRetention: PT0S\n" + (hardFromExport ? "  source: incremental-export\n" : "")
                + (softAuto ? autoColumns(Fixtures.tableYaml(softName, "soft"))
                        : Fixtures.tableYaml(softName, "soft").replace("  deletes:", columns + "  deletes:")));
        if (!hardFromExport) {
            cli = new Cli(config, stack.environment());
        }
        return config;
    }

    /** The table's declared columns replaced by {@code columns: auto}. */
    private static String autoColumns(String tableYaml) {
        int from = tableYaml.indexOf("  columns:\n");
        return tableYaml.substring(0, from) + "  columns: auto\n" + tableYaml.substring(tableYaml.indexOf("  deletes:"));
    }

    /**
     * Before the writes of hour {@code h}: adds two or three typed columns to both tables' config, or removes one of
     * them, as a deploy would; the next warehouse step of each table is killed (wherever it lands: before, inside or
     * after the ALTERs and the fill) and rerun.
     */
    private void columnChanges(int h) throws Exception {
        if (h == columnsAddedAt) {
            List<String> pick = new ArrayList<>(NEW_COLUMNS);
            java.util.Collections.shuffle(pick, random);
            addedColumns.addAll(pick.subList(0, 2 + random.nextInt(2)));
            note("columns added: " + addedColumns.stream().map(String::strip).toList());
        } else if (h == columnRemovedAt) {
            String removed = addedColumns.remove(random.nextInt(addedColumns.size()));
            note("column removed: " + removed.strip());
        } else {
            return;
        }
        writeConfig(hard.name, soft.name, false);
        for (Source s : sources) {
            s.killNext = true;
        }
    }

    /** The column history of the table, e.g. {@code LABEL:ADDED} without FILLED when a kill landed between them. */
    private List<String> columnHistory(Source s) {
        List<String> out = new ArrayList<>();
        try (Connection c = stack.snowflake(schema); java.sql.PreparedStatement ps = c.prepareStatement("SELECT \"COLUMN_NAME\", \"CHANGE\""
                + " FROM \"DDB2SF_COLUMN_CHANGES\" WHERE \"TABLE_NAME\" = ? AND \"CHANGE\" <> 'BASELINE' ORDER BY \"CHANGED_AT\"")) {
            ps.setString(1, s.config.targetTable());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + ":" + rs.getString(2));
                }
            }
        } catch (Exception e) {
            out.add("(not readable: " + e.getMessage() + ")");
        }
        return out;
    }

    // ---- exports and backfills ----------------------------------------------------------------------------------

    private void exportHour(int h) {
        for (Source s : sources) {
            Part p = s.hourly(hour[h]);
            if (s == hard && exportHours.contains(h)) {
                incrementalExport(s, p);
                continue;
            }
            ExportSummary summary = export(s, p, true);
            note("export " + s.name + " " + p.label + ": " + summary.mode() + ", " + summary.rows() + " rows ("
                    + summary.lateRecords() + " late)");
            if (random.nextInt(4) == 0) {
                // In one rerun in two the hour was staged by a build from before part format 2 (its manifest says
                // formatVersion 1): the rerun keeps that format, and everything after reads its parts.
                boolean earlierBuild = upgrades.nextBoolean();
                if (earlierBuild) {
                    stagedByAnEarlierBuild(s, p);
                }
                ExportSummary again = export(s, p, false);
                assertThat(again.mode()).as("export of an exported hour again").isEqualTo("rerun");
                assertThat(again.rows()).as("export of an exported hour again: the same rows").isEqualTo(summary.rows());
                if (earlierBuild) {
                    assertThat(manifests().load(partition(s, p)).orElseThrow().formatVersion())
                            .as("a rerun of an hour staged as part format 1").isEqualTo(1);
                }
                note("export " + s.name + " " + p.label + " again: rerun, same rows"
                        + (earlierBuild ? ", in part format 1 as its manifest (from an earlier build) recorded" : ""));
            }
        }
    }

    /** The hour's manifest as a build from before part format 2 would have written it: formatVersion 1. */
    private void stagedByAnEarlierBuild(Source s, Part p) {
        HourPartition hourPartition = partition(s, p);
        Manifest m = manifests().load(hourPartition).orElseThrow();
        manifests().write(hourPartition, new Manifest(1, m.table(), m.partition(), m.windowStart(),
                m.windowEnd(), m.source(), m.schemaFingerprint(), m.files(), m.totals(), m.changes(), m.columnsVersion()));
    }

    private ManifestStore manifests() {
        return new ManifestStore(new StageStore(stack.s3(), LocalStack.BUCKET), new StageKeys("it/" + suffix),
                Json.mapper());
    }

    private static HourPartition partition(Source s, Part p) {
        return new HourPartition(s.name, p.start, p.start.plus(Duration.ofHours(1)));
    }

    /**
     * Exports the hour in this process from an incremental export ({@code source: incremental-export}) through
     * {@link ExportingDynamoDb}, which writes it from the dated stream (DynamoDB Local has no export API), then runs it
     * again as a retry would: the rerun adopts the recorded export, starts none, and stages the same rows.
     */
    private void incrementalExport(Source s, Part p) {
        int startedBefore = exportApi.started().size();
        ExportSummary summary = exportFromIncremental(s, p);
        assertThat(exportApi.started()).as("one incremental export started for " + p.label).hasSize(startedBefore + 1);
        p.exported = true;
        note("export " + s.name + " " + p.label + " from an incremental export from "
                + exportApi.started().get(startedBefore).incrementalExportSpecification().exportFromTime() + ": " + summary.mode()
                + ", " + summary.rows() + " rows (" + summary.lateRecords() + " in the switch overlap)");
        ExportSummary again = exportFromIncremental(s, p);
        assertThat(again.mode()).as("export of an exported hour again").isEqualTo("rerun");
        assertThat(again.rows()).as("export of an exported hour again: the same rows").isEqualTo(summary.rows());
        assertThat(exportApi.started()).as("a rerun adopts the recorded export").hasSize(startedBefore + 1);
        note("export " + s.name + " " + p.label + " again: rerun, same rows, no second export");
    }

    private ExportSummary exportFromIncremental(Source s, Part p) {
        try {
            Map<String, String> env = new HashMap<>(System.getenv());
            env.keySet().removeIf(k -> k.startsWith("DDB2SF_"));
            PipelineConfig config = new ConfigLoader(env).load(writeConfig(hard.name, soft.name, true));
            assertThat(config.table(s.name).source()).isEqualTo(ChangeSource.INCREMENTAL_EXPORT);
            try (Wiring wiring = new Wiring(config, System.err, real -> streamsOf(s, new Random(random.nextLong()), 0), real -> exportApi)) {
                return wiring.exportJob(config.table(s.name), Duration.ofMillis(50), Duration.ofMinutes(1))
                        .run(new HourPartition(s.name, p.start, p.start.plus(Duration.ofHours(1))));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The table's stream dated into the simulated hours, its creation time too; it may die after {@code dieOn} pages. */
    private DynamoDbStreamsClient streamsOf(Source s, Random pages, int dieOn) {
        return new SimulatedCreation(s.hours.view(streams, pages, dieOn), streamCreated);
    }

    /** Exports the hour in this process; it may die mid-read (up to twice) and is then rerun, as a retry would. */
    private ExportSummary export(Source s, Part p, boolean mayDie) {
        for (int attempt = 0; ; attempt++) {
            int dieOn = mayDie && attempt < 2 && random.nextInt(100) < 40 ? 1 + random.nextInt(8) : 0;
            Random pages = new Random(random.nextLong());
            SimulatedHours.View[] view = new SimulatedHours.View[1];
            try {
                ExportSummary summary = s.table().exportThrough(real -> new SimulatedCreation(
                        view[0] = s.hours.view(real, pages, dieOn), streamCreated), p.start, p.start.plus(Duration.ofHours(1)));
                p.exported = true;
                return summary;
            } catch (SimulatedHours.Killed e) {
                note("export " + s.name + " " + p.label + " killed: " + e.getMessage() + "; rerun");
            }
        }
    }

    /**
     * A backfill of both tables at the simulated moment {@code at}, written to while it scans; each process may be
     * SIGKILLed at a random moment and is then rerun with the same --backfill until it completes.
     */
    private void backfill(String label, Instant at, boolean resetCheckpoint, Phase during) throws Exception {
        String id = SNAPSHOT_ID.format(at);
        Map<Source, Process> killable = new LinkedHashMap<>();
        Map<Source, CompletableFuture<Cli.Result>> running = new LinkedHashMap<>();
        Map<Source, Long> killAfter = new HashMap<>();
        for (Source s : sources) {
            Part p = s.backfill(label, id, resetCheckpoint);
            if (random.nextBoolean()) {
                killable.put(s, cli.start(p.backfillArgs(cli.config())));
                killAfter.put(s, 300L + random.nextInt(2500));
            } else {
                running.put(s, CompletableFuture.supplyAsync(() -> cli.exec(p.backfillArgs(cli.config()))));
            }
        }
        long started = System.nanoTime();
        writes(during, 30);
        for (Source s : sources) {
            Part p = s.parts.get(label);
            Process killed = killable.get(s);
            Cli.Result result;
            if (killed != null) {
                long left = killAfter.get(s) - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                boolean exited = killed.waitFor(Math.max(0, left), TimeUnit.MILLISECONDS);
                if (!exited) {
                    killed.destroyForcibly().waitFor();
                }
                note("backfill " + s.name + " " + id + (exited ? ": finished (exit " + killed.exitValue() + ") before its SIGKILL"
                        : ": SIGKILLed after " + killAfter.get(s) + " ms") + "; rerun");
                result = cli.exec(p.backfillArgs(cli.config()));
            } else {
                result = running.get(s).join();
            }
            assertThat(result.exitCode()).as("backfill " + s.name + " " + id + ": " + result.error() + "\n" + tail(result.stderr())).isZero();
            JsonNode summary = result.summary();
            assertThat(summary.get("manifestWritten").asBoolean()).as("backfill " + s.name + " " + id + " completes: " + summary).isTrue();
            p.exported = true;
            note("backfill " + s.name + " " + id + ": " + summary.get("items") + " items" + (resetCheckpoint ? ", checkpoint reset "
                    + summary.get("checkpointReset") : ""));
        }
    }

    /** The recovery backfill once more, as a retry of its task would run it (README: every job may be rerun). */
    private void rerunRecoveryBackfill() {
        for (Source s : sources) {
            Part p = s.parts.get("bf2");
            Cli.Result again = cli.exec(p.backfillArgs(cli.config()));
            assertThat(again.exitCode()).as("backfill " + s.name + " " + p.backfillId + " again: " + again.error()).isZero();
            note("backfill " + s.name + " " + p.backfillId + " --reset-checkpoint run again: " + again.summary());
        }
    }

    // ---- warehouse steps ----------------------------------------------------------------------------------------

    enum Step {
        VALIDATE("stage-validate"), LOAD("copy-load"), MERGE("merge-apply");

        final String job;

        Step(String job) {
            this.job = job;
        }
    }

    /** Up to {@code n} random pending steps per table, both tables at once (as parallel pods would). */
    private void warehouseSteps(int n) {
        List<CompletableFuture<Void>> tables = new ArrayList<>();
        for (Source s : sources) {
            tables.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < n; i++) {
                    List<Runnable> ready = new ArrayList<>();
                    for (Part p : s.parts.values()) {
                        for (Step step : Step.values()) {
                            boolean can = p.exported && !p.done.contains(step) && (step != Step.MERGE || p.done.contains(Step.LOAD))
                                    && (step != Step.VALIDATE || p.validate);
                            if (can) {
                                ready.add(() -> runStep(s, p, step));
                            }
                        }
                    }
                    if (ready.isEmpty()) {
                        return;
                    }
                    ready.get(s.random.nextInt(ready.size())).run();
                }
            }));
        }
        join(tables);
    }

    private void rerunDoneSteps(int n) {
        List<CompletableFuture<Void>> tables = new ArrayList<>();
        for (Source s : sources) {
            tables.add(CompletableFuture.runAsync(() -> {
                List<Part> parts = new ArrayList<>(s.parts.values());
                for (int i = 0; i < n; i++) {
                    Part p = parts.get(s.random.nextInt(parts.size()));
                    runStep(s, p, Step.values()[s.random.nextInt(Step.values().length)]);
                }
            }));
        }
        join(tables);
    }

    /** Runs a step as its own process; it may first be SIGKILLed at a random moment, then it is rerun. */
    private void runStep(Source s, Part p, Step step) {
        List<String> args = p.args(step, cli.config());
        String what = step.job + " " + s.name + " " + p.label;
        boolean forced = s.killNext;
        s.killNext = false;
        if (WAREHOUSE_KILLS && (forced || s.random.nextInt(100) < 35)) {
            // Anywhere in the process's life, from JVM start to its last statement: up to a bit past how long the
            // last unkilled run of this job took.
            // After a column change, later in the run, where the ALTERs and the fill are more likely behind or under way.
            long delay = (long) (runMillis.getOrDefault(step, 3000L) * (forced ? 0.4 + 0.7 * s.random.nextDouble() : 0.1 + s.random.nextDouble()));
            try {
                Process killed = cli.start(args);
                boolean exited = killed.waitFor(delay, TimeUnit.MILLISECONDS);
                if (!exited) {
                    killed.destroyForcibly().waitFor();
                }
                note(what + (exited ? ": finished (exit " + killed.exitValue() + ") before its SIGKILL at " + delay + " ms"
                        : ": SIGKILLed after " + delay + " ms") + "; rerun" + (forced ? "; column history then: " + columnHistory(s) : ""));
            } catch (Exception e) {
                throw new AssertionError(what + ": cannot start or kill the process", e);
            }
        }
        long began = System.nanoTime();
        Cli.Result r = cli.exec(args);
        runMillis.put(step, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        if (r.exitCode() != 0) {
            String hint = r.stderr().contains("Conflict on") ? " [looks like known issue (a)]" : "";
            throw new AssertionError(what + " failed (exit " + r.exitCode() + ")" + hint + ": " + r.error() + "\n" + tail(r.stderr()));
        }
        JsonNode summary = r.summary();
        String detail = switch (step) {
            case VALIDATE -> summary.path("rows") + " rows valid";
            case LOAD -> summary.path("rows") + " rows" + (summary.path("alreadyLoaded").asBoolean() ? ", already loaded" : "");
            case MERGE -> summary.path("alreadyMerged").asBoolean() ? "already merged" : summary.path("inserted") + " inserted, "
                    + summary.path("updated") + " updated, " + summary.path("deleted") + " deleted";
        };
        p.done.add(step);
        note(what + ": " + detail);
    }

    // ---- the end state ------------------------------------------------------------------------------------------

    private void verify() throws Exception {
        List<String> problems = new ArrayList<>();
        try (Connection c = stack.snowflake(schema)) {
            for (Source s : sources) {
                Map<String, Object> source = Snapshots.source(ddb, s.name);
                String diff = Snapshots.diff(source, Snapshots.target(c, s.config.targetTable()));
                if (!diff.isEmpty()) {
                    problems.add(s.name + ": the analytics table differs from a consistent scan (" + diff.lines().count()
                            + " lines):\n" + explain(s, diff));
                }
                problems.addAll(landedOnce(c, s));
                problems.addAll(typedColumns(c, s));
                if (s.soft) {
                    problems.addAll(softDeletes(c, s, source.keySet()));
                }
                note(s.name + ": " + source.size() + " items, " + s.expectedChanges.size() + " stream changes exported");
            }
        }
        assertThat(problems).as(String.join("\n", problems)).isEmpty();
    }

    private void pruneRerunAndVerify() throws Exception {
        for (Source s : sources) {
            Cli.Result r = cli.exec(List.of("prune", "--table", s.name, "--config", cli.config().toString()));
            assertThat(r.exitCode()).as("prune " + s.name + ": " + r.stderr()).isZero();
            int pruned = r.summary().path("partitionsPruned").size();
            note("prune " + s.name + ": " + pruned + " partitions, " + r.summary().path("rowsDeleted") + " rows");
            if (s.soft) {
                assertThat(pruned).as("nothing of the soft table is older than its 30-day retention").isZero();
            } else {
                assertThat(pruned).as("every merged partition of the hard table, retention PT0S").isPositive();
            }
        }
        rerunDoneSteps(3);
        try (Connection c = stack.snowflake(schema)) {
            for (Source s : sources) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, s.name), Snapshots.target(c, s.config.targetTable())))
                        .as(s.name + " after prune and reruns").isEmpty();
            }
        }
        for (Source s : sources) {
            Cli.Result r = cli.exec(List.of("verify", "--table", s.name, "--total-segments", "2", "--rcu-budget", "5000",
                    "--config", cli.config().toString()));
            note("verify " + s.name + ": " + r.summary());
            assertThat(r.exitCode()).as("verify " + s.name + ": " + r.stderr()).isZero();
            assertThat(r.summary().path("compared").asLong()).as("verify compared every item")
                    .isEqualTo(Snapshots.source(ddb, s.name).size());
            assertThat(r.summary().path("equal").asLong()).isEqualTo(r.summary().path("compared").asLong());
            assertThat(r.summary().path("extrasChecked").asBoolean()).isTrue();
        }
    }

    /**
     * Every live row's typed columns (the configured ones, the added among them, for rows from before and after the
     * change) equal what the export's typing makes of the source item ({@link TypedValues}): exact scale, misfits NULL.
     */
    private List<String> typedColumns(Connection c, Source s) throws Exception {
        TableConfig table = new ConfigLoader(System.getenv()).load(cli.config()).table(s.name);
        // A columns: auto table's columns are the ones its record in the stage holds at the end, as every job reads them.
        List<ColumnSpec> columns = table.auto() == null ? table.typedColumns()
                : new ColumnsRecord(new JsonStore(new StageStore(stack.s3(), LocalStack.BUCKET), Json.mapper()),
                        new StageKeys("it/" + suffix), System.err).resolve(table).table().typedColumns();
        Map<String, List<Object>> expected = new TreeMap<>();
        ddb.scanPaginator(b -> b.tableName(s.name).consistentRead(true)).items().forEach(i ->
                expected.put(TypedValues.keyText(s.config.keys(), i), TypedValues.of(columns, i, new TypedValues.Counter())));
        StringBuilder select = new StringBuilder("SELECT \"_KEY\"");
        columns.forEach(col -> select.append(", \"").append(col.column()).append('"'));
        Map<String, List<Object>> actual = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(select + " FROM \"" + s.config.targetTable() + "\""
                + (s.soft ? " WHERE \"_DELETED_AT\" IS NULL" : ""))) {
            while (rs.next()) {
                List<Object> values = new ArrayList<>();
                for (int k = 0; k < columns.size(); k++) {
                    values.add(columns.get(k).type() == ColumnSpec.ScalarType.B ? rs.getBytes(k + 2) : rs.getObject(k + 2));
                }
                actual.put(rs.getString(1), values);
            }
        }
        List<String> wrong = new ArrayList<>();
        expected.forEach((key, want) -> {
            List<Object> got = actual.get(key);
            for (int k = 0; got != null && k < columns.size(); k++) {
                if (!TypedColumns.same(want.get(k), got.get(k))) {
                    wrong.add("  " + key + " " + columns.get(k).column() + ": expected " + TypedColumns.show(want.get(k)) + ", got " + TypedColumns.show(got.get(k)));
                }
            }
        });
        note(s.name + ": typed columns " + columns.stream().map(ColumnSpec::column).toList() + " checked on " + expected.size() + " rows");
        return wrong.isEmpty() ? List.of() : List.of(s.name + ": " + wrong.size() + " typed values differ from the export's typing"
                + " of the source item:\n" + String.join("\n", wrong.subList(0, Math.min(10, wrong.size()))));
    }



    /** Every exported stream change exactly once in the landing table, and no other row with a sequence number. */
    private List<String> landedOnce(Connection c, Source s) throws Exception {
        Map<String, List<String>> landed = new TreeMap<>();
        // Stream changes are the rows with a sequence number; snapshot rows (and any row a backfill versions as itself)
        // have a zero sequence.
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT \"_KEY\", \"_SEQ\", \"_PARTITION\" FROM \""
                + s.config.landingTable() + "\" WHERE \"_SEQ\" <> '" + "0".repeat(40) + "' AND \"_SEQ\" <> '" + ExportRows.EXPORT_SEQUENCE + "'")) {
            while (rs.next()) {
                landed.computeIfAbsent(rs.getString(1) + " " + rs.getString(2), x -> new ArrayList<>()).add(rs.getString(3));
            }
        }
        List<String> problems = new ArrayList<>();
        List<String> twice = landed.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> e.getKey() + " in " + e.getValue()).toList();
        if (!twice.isEmpty()) {
            problems.add(s.name + ": " + twice.size() + " stream changes landed more than once (known issue b3 when they are"
                    + " in the hours after a rerun of backfill --reset-checkpoint), e.g. "
                    + twice.subList(0, Math.min(5, twice.size())));
        }
        Set<String> missing = new TreeSet<>(s.expectedChanges);
        missing.removeAll(landed.keySet());
        if (!missing.isEmpty()) {
            problems.add(s.name + ": " + missing.size() + " exported stream changes are not in the landing table, e.g. "
                    + missing.stream().limit(5).toList());
        }
        Set<String> extra = new TreeSet<>(landed.keySet());
        extra.removeAll(s.expectedChanges);
        if (!extra.isEmpty()) {
            problems.add(s.name + ": " + extra.size() + " landing rows are no stream change of an exported hour, e.g. "
                    + extra.stream().limit(5).map(k -> k + " in " + landed.get(k)).toList());
        }
        return problems;
    }

    /**
     * Soft deletes: exactly the items Snowflake has seen and the source no longer has are marked deleted, and a row
     * whose item's last change was an exported delete holds the item as it was deleted.
     */
    private List<String> softDeletes(Connection c, Source s, Set<String> live) throws Exception {
        Map<String, Object> deletedRows = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT \"_KEY\", \"_ITEM\", \"_ITEM_TYPES\" FROM \""
                + s.config.targetTable() + "\" WHERE \"_DELETED_AT\" IS NOT NULL")) {
            ObjectMapper json = new ObjectMapper();
            while (rs.next()) {
                JsonNode key = json.readTree(rs.getString(1));
                String k = key.get(0).asText() + "|" + new BigDecimal(key.get(1).asText()).stripTrailingZeros().toPlainString();
                deletedRows.put(k, rs.getString(2) == null ? null : Items.fromWarehouse(rs.getString(2), rs.getString(3)));
            }
        }
        Set<String> expected = new TreeSet<>();
        s.tracks.forEach((k, t) -> {
            if (t.everExported && !live.contains(k)) {
                expected.add(k);
            }
        });
        List<String> problems = new ArrayList<>();
        Set<String> notMarked = new TreeSet<>(expected);
        notMarked.removeAll(deletedRows.keySet());
        Set<String> wronglyMarked = new TreeSet<>(deletedRows.keySet());
        wronglyMarked.removeAll(expected);
        if (!notMarked.isEmpty()) {
            problems.add(s.name + ": deleted items without a soft-deleted row:\n" + histories(s, notMarked));
        }
        if (!wronglyMarked.isEmpty()) {
            problems.add(s.name + ": soft-deleted rows for items Snowflake never saw or that are live:\n" + histories(s, wronglyMarked));
        }
        List<String> oldItems = new ArrayList<>();
        s.tracks.forEach((k, t) -> {
            if (deletedRows.containsKey(k) && t.lastExported && t.lastDeleted != null
                    && !Items.canonical(t.lastDeleted).equals(deletedRows.get(k))) {
                oldItems.add("  " + k + ": expected " + Items.canonical(t.lastDeleted) + " but was " + deletedRows.get(k)
                        + "\n    history " + t.history);
            }
        });
        if (!oldItems.isEmpty()) {
            problems.add(s.name + ": " + oldItems.size() + " soft-deleted rows do not hold the deleted item (known issue b4):\n"
                    + String.join("\n", oldItems.subList(0, Math.min(5, oldItems.size()))));
        }
        return problems;
    }

    /** The diff, with the write history of every key it names, so the cause can be read off. */
    private String explain(Source s, String diff) {
        Set<String> keys = new TreeSet<>();
        diff.lines().forEach(line -> {
            String rest = line.startsWith("missing in Snowflake: ") ? line.substring(22)
                    : line.startsWith("extra in Snowflake: ") ? line.substring(20) : line;
            int bar = rest.indexOf('|');
            int end = bar + 1;
            while (end < rest.length() && (Character.isDigit(rest.charAt(end)) || rest.charAt(end) == '-')) {
                end++;
            }
            if (bar > 0) {
                keys.add(rest.substring(0, end));
            }
        });
        List<String> lines = diff.lines().limit(30).toList();
        return "  " + String.join("\n  ", lines) + (diff.lines().count() > 30 ? "\n  ..." : "") + "\n" + histories(s, keys);
    }

    private String histories(Source s, Set<String> keys) {
        StringBuilder out = new StringBuilder();
        keys.stream().limit(15).forEach(k -> {
            Track t = s.tracks.get(k);
            out.append("    ").append(k).append(" history: ").append(t == null ? "(never written)" : t.history);
            if (t != null && !t.lastExported) {
                out.append("  <- last change made while the replaced stream was not exported: only the recovery backfill"
                        + " brings it (known issue b1 when a delete survives)");
            }
            out.append('\n');
        });
        return out.toString();
    }

    // ---- bookkeeping --------------------------------------------------------------------------------------------

    private void note(String line) {
        String stamped = Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + line;
        synchronized (journal) {
            journal.add(stamped);
        }
        System.err.println("RandomizedSyncIT: " + stamped);
    }

    private static String tail(String stderr) {
        List<String> lines = stderr.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
    }

    private static void join(List<CompletableFuture<Void>> futures) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof AssertionError a) {
                throw a;
            }
            throw e;
        }
    }

    /** What the test knows about one key's writes. */
    static final class Track {
        final List<String> history = new ArrayList<>();
        boolean everExported;
        boolean lastExported;
        Map<String, AttributeValue> lastDeleted;
    }

    /** One table, its partitions and what was written to it. */
    final class Source {
        final String name;
        final TableConfig config;
        final boolean soft;
        final Random random;
        final SimulatedHours hours = new SimulatedHours(streams);
        final Set<String> live = new java.util.LinkedHashSet<>();
        final Map<String, Track> tracks = new TreeMap<>();
        final Map<String, Part> parts = new LinkedHashMap<>();
        final Set<String> expectedChanges = new TreeSet<>();
        Phase lastPhase;
        String arn;
        /** The next warehouse step is killed (after a column change). */
        volatile boolean killNext;

        Source(String name, TableConfig config, boolean soft, Random random) {
            this.name = name;
            this.config = config;
            this.soft = soft;
            this.random = random;
        }

        LocalStack.TestTable table() {
            return new LocalStack.TestTable(name, config.targetTable(), null, schema, cli);
        }

        Part hourly(Instant start) {
            String label = "hour " + start.atZone(ZoneOffset.UTC).toLocalTime();
            return parts.computeIfAbsent(label, l -> new Part(name, l, start, null, false, random.nextInt(3) == 0));
        }

        Part backfill(String label, String id, boolean reset) {
            return parts.computeIfAbsent(label, l -> new Part(name, l + " " + id, null, id, reset, random.nextInt(3) == 0));
        }

        void track(String k, Phase phase, String op, Map<String, AttributeValue> deleted) {
            lastPhase = phase;
            if (op.equals("delete-missing")) {
                tracks.computeIfAbsent(k, x -> new Track()).history.add(phase.name + ":" + op);
                live.remove(k);
                return;
            }
            Track t = tracks.computeIfAbsent(k, x -> new Track());
            t.history.add(phase.name + ":" + op);
            t.everExported |= phase.exported;
            t.lastExported = phase.exported;
            t.lastDeleted = deleted;
            if (deleted == null) {
                live.add(k);
            } else {
                live.remove(k);
            }
        }
    }

    /** One partition of one table: an hour or a backfill, and the warehouse steps done for it. */
    static final class Part {
        final String table;
        final String label;
        final Instant start;
        final String backfillId;
        final boolean resetCheckpoint;
        final Set<Step> done = EnumSet.noneOf(Step.class);
        /** stage-validate runs for about a third of the partitions, to keep the test short; copy-load does not need it. */
        final boolean validate;
        volatile boolean exported;

        Part(String table, String label, Instant start, String backfillId, boolean resetCheckpoint, boolean validate) {
            this.table = table;
            this.validate = validate;
            this.label = label;
            this.start = start;
            this.backfillId = backfillId;
            this.resetCheckpoint = resetCheckpoint;
        }

        List<String> args(Step step, Path config) {
            return backfillId != null
                    ? List.of(step.job, "--table", table, "--backfill", backfillId, "--config", config.toString())
                    : List.of(step.job, "--table", table, "--start", start.toString(), "--end",
                    start.plus(Duration.ofHours(1)).toString(), "--config", config.toString());
        }

        List<String> backfillArgs(Path config) {
            List<String> args = new ArrayList<>(List.of("backfill", "--table", table, "--backfill", backfillId,
                    "--total-segments", "4", "--rcu-budget", "2000", "--config", config.toString()));
            if (resetCheckpoint) {
                args.add("--reset-checkpoint");
            }
            return args;
        }
    }

    /**
     * The streams as DescribeStream reports them, created at their simulated moment: DynamoDB Local stamps a stream's
     * CreationRequestDateTime in real time, after every simulated hour, and the switch back from incremental exports
     * refuses a stream created after the hour it would restart in.
     */
    static final class SimulatedCreation extends StreamView {
        private final Map<String, Instant> created;

        SimulatedCreation(DynamoDbStreamsClient real, Map<String, Instant> created) {
            super(real);
            this.created = created;
        }

        @Override
        public software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse describeStream(
                software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest request) {
            var r = real.describeStream(request);
            Instant at = created.get(request.streamArn());
            return at == null ? r : r.toBuilder().streamDescription(r.streamDescription().toBuilder().creationRequestDateTime(at).build()).build();
        }
    }
}
