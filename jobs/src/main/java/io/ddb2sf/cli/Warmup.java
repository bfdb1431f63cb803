package io.ddb2sf.cli;

import io.ddb2sf.JobException;
import io.ddb2sf.Json;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.snowflake.Migrator;
import io.ddb2sf.snowflake.SnowflakeConnections;
import io.ddb2sf.snowflake.SqlTemplate;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.PartFormat;
import io.ddb2sf.stage.ScratchDir;
import io.ddb2sf.stage.ShardPosition;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import io.ddb2sf.warmup.QueryRows;
import io.ddb2sf.warmup.QueryRows.Column;
import io.ddb2sf.warmup.LoopbackServices;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The training run of the start-up cache (the image's AOT cache, docker/aot.Dockerfile): the jobs' start-up paths,
 * offline. It loads and validates a config, runs a real export-increment of one hour (four changes of every
 * attribute type, through the real SDK clients, Parquet part writer, manifest and checkpoint) and its
 * stage-validate against {@link LoopbackServices} on a loopback port, then copy-load (its COPY and ledger record)
 * and merge-apply (its whole transaction) of that hour through the Snowflake driver with key-pair auth, against the
 * loopback's answers (a build has no warehouse), which hold what Snowflake holds in an hourly run's steady state
 * ({@link #queryRows}), and loads the SQL templates and the migrations. Touches no other address and no files outside a temporary folder; the Snowflake
 * driver's cloud platform detection is off, as it would probe metadata addresses.
 *
 * <p>What the cache holds is what this run loaded, linked and profiled (JEP 483, JEP 515), so what it leaves out a
 * real job loads at run time as before: a job is never wrong for it, only slower. bench/startup compares a cache
 * trained here with one trained by a real job.
 */
public final class Warmup {
    static final String TABLE = "warmup_orders";
    static final Instant HOUR = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration TIME_LIMIT = Duration.ofMinutes(5);
    private static final String STREAM = "arn:aws:dynamodb:us-east-1:000000000000:table/" + TABLE + "/stream/2026-01-01T00:00:00.000";

    private final PrintStream log;

    public Warmup(PrintStream log) {
        this.log = log;
    }

    /**
     * Which jobs a training run exercises. A cache's classes are all loaded when a JVM starts with it (JEP 483), so
     * the image keeps one cache per side of the pipeline: the stream jobs do not load the Snowflake driver's classes,
     * nor the warehouse jobs the DynamoDB client's and the Parquet writer's (bench/README.md, "One cache per side").
     */
    public enum Side {
        /** Every job, for a single cache (local runs). */
        ALL,
        /** export-increment and stage-validate. */
        STREAM,
        /** copy-load and merge-apply, of an hour staged by the training itself instead of an export. */
        WAREHOUSE
    }

    /** Runs the training workload of every job; the summary is what it did, for the build log. */
    public Map<String, Object> run() {
        return run(Side.ALL);
    }

    /** Runs the training workload of one side; the summary is what it did, for the build log. */
    public Map<String, Object> run(Side side) {
        // Every call is on loopback and answered at once; a stuck one (a driver retrying) must fail the build, not
        // hang it.
        Thread watchdog = Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(TIME_LIMIT);
                log.println("warmup: not done after " + TIME_LIMIT.toMinutes() + " minutes; giving up");
                Runtime.getRuntime().halt(1);
            } catch (InterruptedException done) {
                // finished in time
            }
        });
        try {
            return train(side);
        } finally {
            watchdog.interrupt();
        }
    }

    private Map<String, Object> train(Side side) {
        AtomicReference<TableConfig> trained = new AtomicReference<>();
        try (ScratchDir dir = ScratchDir.create("ddb2sf-warmup");
             LoopbackServices services = new LoopbackServices(dynamodbAnswers(), sql -> queryRows(trained.get(), sql))) {
            // The default credentials chain, as in a pod, finds these first; and never asks a metadata service.
            System.setProperty("aws.accessKeyId", "warmup");
            System.setProperty("aws.secretAccessKey", "warmup");
            System.setProperty("aws.disableEc2Metadata", "true");
            PipelineConfig config = new ConfigLoader(Map.of()).load(writeConfig(dir.path(), services.endpoint()));
            TableConfig table = config.table(TABLE);
            trained.set(table);
            HourPartition hour = new HourPartition(TABLE, HOUR, HOUR.plusSeconds(3600));
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("side", side.name().toLowerCase(Locale.ROOT));
            long t0 = System.nanoTime();
            try (Wiring wiring = new Wiring(config, log)) {
                if (side == Side.WAREHOUSE) {
                    // What the export would have staged, written directly and through the S3 client the warehouse jobs
                    // use: the export's classes and its pooled HTTP client stay out of the cache.
                    wiring.documentManifests().write(hour, stagedHour(wiring.keys(), hour));
                } else {
                    summary.put("export", Json.mapper().readTree(Json.mapper().writeValueAsString(wiring.exportJob(table).run(hour))));
                    summary.put("validate", Json.mapper().readTree(Json.mapper().writeValueAsString(wiring.validateJob().run(hour))));
                }
                if (side != Side.STREAM) {
                    runOnLoopback(services, "copy-load", () -> wiring.loadJob(table).run(hour));
                    runOnLoopback(services, "merge-apply", () -> wiring.mergeJob(table).run(hour));
                    readArrowResults(config.snowflake(), table, services);
                    summary.put("sqlTemplates", loadSqlTemplates());
                    summary.put("migrations", Migrator.fromClasspath().migrations().size());
                }
                log.printf("warmup (%s side) done in %d ms%n", summary.get("side"), (System.nanoTime() - t0) / 1_000_000);
            }
            summary.put("stagedObjects", services.objectSizes().size());
            summary.put("snowflakeStatements", services.statements());
            return summary;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The manifest of an hour as export-increment stages it: one part of the four changes, format and keys current. */
    private static Manifest stagedHour(StageKeys keys, HourPartition hour) {
        SortedMap<String, ShardPosition> none = new TreeMap<>();
        return new Manifest(PartFormat.CURRENT.version(), TABLE, hour.id(), hour.start(), hour.end(),
                new Manifest.Source("stream", STREAM, none, none), "warmup",
                List.of(new Manifest.FileEntry(keys.part(hour, 0, "000000000000000000001"), 4096, "0".repeat(64), 4)),
                new Manifest.Totals(1, 4, 4096), new Manifest.ChangeCounts(1, 2, 0, 1, 0, 0));
    }

    /**
     * Runs a Snowflake job against the loopback's answers until it ends or its own logic stops it; fails the
     * training unless the job ran statements, so a build never ships a cache trained on less than it says.
     */
    private void runOnLoopback(LoopbackServices services, String name, Runnable job) {
        int before = services.statements();
        try {
            job.run();
            log.println("warmup: " + name + " done");
        } catch (RuntimeException e) {
            log.println("warmup: " + name + " stopped on the loopback's empty answers: " + JobException.firstLine(e));
        }
        if (services.statements() == before) {
            throw new IllegalStateException("warmup: " + name + " ran no Snowflake statement against the loopback");
        }
    }

    /**
     * The steady state's queries once more in a session that asks for Arrow results, each column read with the
     * getter a job uses: the local stack's Snowflake (fakesnow's server) answers in Arrow whatever a session asks,
     * so local runs read every query through the driver's Arrow reader, which the jobs' own JSON sessions never
     * load. Real Snowflake answers the jobs in JSON; for them this only adds the Arrow reader's classes to the cache.
     */
    private void readArrowResults(PipelineConfig.Snowflake snowflake, TableConfig table, LoopbackServices services) {
        try (Connection c = new SnowflakeConnections(snowflake, "ARROW").open()) {
            for (String query : List.of("schema_history_list", "table_columns", "column_changes_list", "ledger_find", "current_transaction")) {
                try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load(query).render())) {
                    for (int i = 1; i <= ps.getParameterMetaData().getParameterCount(); i++) {
                        ps.setString(i, table.targetTable());
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                                switch (rs.getMetaData().getColumnType(i)) {
                                    case Types.BOOLEAN -> rs.getBoolean(i);
                                    case Types.TIMESTAMP -> rs.getTimestamp(i);
                                    case Types.BIGINT, Types.DECIMAL, Types.NUMERIC, Types.INTEGER -> {
                                        rs.getInt(i);
                                        rs.getLong(i);
                                    }
                                    default -> rs.getString(i);
                                }
                                rs.wasNull();
                            }
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("warmup: the Arrow results failed: " + e.getMessage(), e);
        }
        if (services.arrowStatements() == 0) {
            throw new IllegalStateException("warmup: no query was answered in Arrow");
        }
        log.println("warmup: Arrow results read (" + services.arrowStatements() + " queries)");
    }

    private static Path writeConfig(Path dir, URI endpoint) throws IOException {
        Path file = dir.resolve("ddb2sf.yaml");
        Files.writeString(file, """
                aws:
                  region: us-east-1
                  dynamodbEndpoint: %1$s
                  s3Endpoint: %1$s
                stage:
                  bucket: ddb2sf-warmup
                  prefix: ddb2sf
                snowflake:
                  url: jdbc:snowflake://%3$s/?ssl=off&account=warmup&disablePlatformDetection=true&maxHttpRetries=0
                  user: ddb2sf
                  privateKeyFile: %4$s
                  database: ANALYTICS
                  schema: DYNAMODB
                  storageIntegration: WARMUP
                tables:
                  - name: %2$s
                    keys:
                      - {attribute: order_id, type: S}
                      - {attribute: line, type: N}
                    columns:
                      - {attribute: amount, type: N, scale: 2}
                      - {attribute: status, type: S}
                      - {attribute: paid, type: BOOL}
                      - {attribute: blob, type: B}
                    deletes: soft
                """.formatted(endpoint, TABLE, endpoint.getAuthority(), privateKey(dir)), StandardCharsets.UTF_8);
        return file;
    }

    /** A fresh RSA key in PKCS#8 PEM, as production's key-pair authentication reads it. */
    private static Path privateKey(Path dir) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            Path file = dir.resolve("rsa_key.p8");
            Files.writeString(file, pem, StandardCharsets.US_ASCII);
            // Readable by its owner only, like a mounted key secret (the driver warns about a key others can read).
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
            return file;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every template under sql/templates/, loaded as a job loads it; listed as Migrator lists sql/. */
    private static int loadSqlTemplates() throws IOException {
        try {
            URI uri = Warmup.class.getResource("/sql/templates").toURI();
            List<String> names;
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                    names = sqlNames(fs.getPath("/sql/templates"));
                }
            } else {
                names = sqlNames(Path.of(uri));
            }
            names.forEach(SqlTemplate::load);
            return names.size();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> sqlNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".sql"))
                    .map(n -> n.substring(0, n.length() - ".sql".length())).sorted().toList();
        }
    }

    /**
     * The rows Snowflake holds for a job's queries in the steady state of an hourly run, so the training run reads
     * what a real run reads, in the same shapes: every migration applied; the tables with their configured columns,
     * each with its BASELINE record; the hour loaded, not merged (so merge-apply runs its MERGE); one transaction.
     * Other queries find no rows.
     */
    private static QueryRows queryRows(TableConfig table, String sql) {
        if (sql.contains("SELECT \"VERSION\", \"SCRIPT\"")) {
            return new QueryRows(List.of(new Column("VERSION", "fixed"), new Column("SCRIPT", "text"),
                    new Column("CHECKSUM", "text"), new Column("SUCCESS", "boolean")),
                    Migrator.fromClasspath().migrations().stream().map(m -> List.of(String.valueOf(m.version()), m.script(),
                            StageStore.sha256(m.sql().getBytes(StandardCharsets.UTF_8)), "true")).toList());
        }
        if (sql.contains("FROM INFORMATION_SCHEMA.COLUMNS")) {
            List<List<String>> rows = new ArrayList<>();
            for (String name : List.of(table.landingTable(), table.targetTable())) {
                rows.add(List.of(name, "_KEY", "TEXT", "0"));
                rows.add(Arrays.asList(name, "_ITEM", "VARIANT", null));
                for (ColumnSpec c : table.typedColumns()) {
                    rows.add(Arrays.asList(name, c.column(), switch (c.type()) {
                        case S -> "TEXT";
                        case N -> "NUMBER";
                        case B -> "BINARY";
                        case BOOL -> "BOOLEAN";
                    }, c.type() == ColumnSpec.ScalarType.N ? String.valueOf(c.scale()) : null));
                }
            }
            rows.add(List.of(table.tombstoneTable(), "_KEY", "TEXT", "0"));
            return new QueryRows(List.of(new Column("TABLE_NAME", "text"), new Column("COLUMN_NAME", "text"),
                    new Column("DATA_TYPE", "text"), new Column("NUMERIC_SCALE", "fixed")), rows);
        }
        if (sql.contains("SELECT \"COLUMN_NAME\", \"SQL_TYPE\"")) {
            return new QueryRows(List.of(new Column("COLUMN_NAME", "text"), new Column("SQL_TYPE", "text"),
                    new Column("CHANGE", "text"), new Column("CHANGED_AT", "timestamp_ntz")),
                    table.columns().stream().map(c -> List.of(c.column(), c.sqlType(), "BASELINE", "2025-12-31T23:00:00.123456789")).toList());
        }
        if (sql.contains("SELECT \"STEP\", \"MANIFEST_SHA256\", \"ROWS\" FROM \"DDB2SF_LEDGER\"")) {
            return new QueryRows(List.of(new Column("STEP", "text"), new Column("MANIFEST_SHA256", "text"), new Column("ROWS", "fixed")),
                    List.of(List.of("LOAD", "0".repeat(64), "4")));
        }
        if (sql.contains("COPY INTO") && sql.contains("FILES = (")) {
            // Snowflake's COPY result, a row per file ("COPY INTO <table>", Output,
            // https://docs.snowflake.com/en/sql-reference/sql/copy-into-table): the hour's one part, all its rows loaded.
            Matcher files = Pattern.compile("'([^']+)'").matcher(sql.substring(sql.indexOf("FILES")));
            List<List<String>> rows = new ArrayList<>();
            while (files.find()) {
                rows.add(Arrays.asList(files.group(1), "LOADED", "4", "4", "1", "0", null, null, null, null));
            }
            return new QueryRows(List.of(new Column("file", "text"), new Column("status", "text"),
                    new Column("rows_parsed", "fixed"), new Column("rows_loaded", "fixed"), new Column("error_limit", "fixed"),
                    new Column("errors_seen", "fixed"), new Column("first_error", "text"), new Column("first_error_line", "fixed"),
                    new Column("first_error_character", "fixed"), new Column("first_error_column_name", "text")), rows);
        }
        if (sql.contains("CURRENT_TRANSACTION()")) {
            return new QueryRows(List.of(new Column("CURRENT_TRANSACTION()", "text")), List.of(List.of("1764000000000000001")));
        }
        return null;
    }

    /** A table with a stream of one open shard: four changes inside the hour, then one after it. */
    private static Map<String, String> dynamodbAnswers() {
        String keySchema = """
                "KeySchema":[{"AttributeName":"order_id","KeyType":"HASH"},{"AttributeName":"line","KeyType":"RANGE"}]""";
        String table = """
                {"Table":{"TableName":"%s","TableStatus":"ACTIVE",%s,
                 "AttributeDefinitions":[{"AttributeName":"order_id","AttributeType":"S"},{"AttributeName":"line","AttributeType":"N"}],
                 "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},"LatestStreamArn":"%s",
                 "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},"ItemCount":0,"TableSizeBytes":0,
                 "CreationDateTime":1767225600}}""".formatted(TABLE, keySchema, STREAM);
        String stream = """
                {"StreamDescription":{"StreamArn":"%s","StreamStatus":"ENABLED","StreamViewType":"NEW_AND_OLD_IMAGES",
                 "TableName":"%s",%s,"CreationRequestDateTime":1767225000,
                 "Shards":[{"ShardId":"shardId-00000001767225000000-0000aaaa",
                   "SequenceNumberRange":{"StartingSequenceNumber":"100000000000000000001"}}]}}"""
                .formatted(STREAM, TABLE, keySchema);
        String item = """
                {"order_id":{"S":"o-%1$d"},"line":{"N":"%1$d"},"amount":{"N":"1%1$d.50"},"status":{"S":"paid"},
                 "paid":{"BOOL":true},"blob":{"B":"AAEC"},"note":{"NULL":true},"tags":{"SS":["a","b"]},
                 "sizes":{"NS":["1","2.5"]},"bins":{"BS":["AAE="]},"lines":{"L":[{"N":"1E+10"},{"S":"x"}]},
                 "address":{"M":{"city":{"S":"Zürich"},"zip":{"N":"8001"}}},"big":{"N":"12345678901234567890123456789012345678"}}""";
        String records = String.join(",",
                record(1, "INSERT", 600, null, item.formatted(1), null),
                record(2, "MODIFY", 1200, null, item.formatted(1).replace("\"paid\"}", "\"shipped\"}"), item.formatted(1)),
                record(3, "REMOVE", 1800, null, null, item.formatted(2)),
                record(4, "REMOVE", 2400, "{\"Type\":\"Service\",\"PrincipalId\":\"dynamodb.amazonaws.com\"}", null, item.formatted(3)),
                record(5, "INSERT", 3900, null, item.formatted(4), null));
        return Map.of(
                "DescribeTable", table,
                "DescribeStream", stream,
                "GetShardIterator", "{\"ShardIterator\":\"warmup-iterator\"}",
                "GetRecords", "{\"Records\":[" + records + "],\"NextShardIterator\":\"warmup-iterator-2\"}",
                "DescribeContinuousBackups", "{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"ENABLED\"}}");
    }

    private static String record(int n, String event, long secondsIntoHour, String identity, String newImage, String oldImage) {
        String key = "{\"order_id\":{\"S\":\"o-" + n + "\"},\"line\":{\"N\":\"" + n + "\"}}";
        return "{\"eventID\":\"e" + n + "\",\"eventName\":\"" + event + "\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\","
                + "\"awsRegion\":\"us-east-1\"," + (identity == null ? "" : "\"userIdentity\":" + identity + ",")
                + "\"dynamodb\":{\"ApproximateCreationDateTime\":" + (HOUR.getEpochSecond() + secondsIntoHour)
                + ",\"Keys\":" + key + (newImage == null ? "" : ",\"NewImage\":" + newImage)
                + (oldImage == null ? "" : ",\"OldImage\":" + oldImage)
                + ",\"SequenceNumber\":\"10000000000000000000" + n + "\",\"SizeBytes\":100,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}";
    }
}
