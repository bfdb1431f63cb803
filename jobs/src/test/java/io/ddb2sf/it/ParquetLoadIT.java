package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.Json;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.load.LoadJob;
import io.ddb2sf.load.LoadSummary;
import io.ddb2sf.snowflake.ConnectionFactory;
import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.snowflake.Migrator;
import io.ddb2sf.snowflake.SnowflakeConnections;
import io.ddb2sf.snowflake.WarehouseTables;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What the local Snowflake cannot check for us. fakesnow reads Parquet with DuckDB, which ignores COPY's Parquet
 * options and always reads an unannotated BINARY as bytes; real Snowflake reads it as UTF-8 text unless
 * BINARY_AS_TEXT = FALSE, and uses the files' logical types only with USE_LOGICAL_TYPE = TRUE (CREATE FILE FORMAT,
 * Parquet options, https://docs.snowflake.com/en/sql-reference/sql/create-file-format). So this test checks the two
 * halves directly: the staged footer states every column's type, and the COPY sent carries those options. It also
 * checks that bytes which are not UTF-8, and bytes that look like hex or base64 text, land exactly.
 */
class ParquetLoadIT {
    /** Binary values a text reading would break: not UTF-8, hex-looking, base64-looking, UTF-8 text, empty. */
    static final Map<String, byte[]> BLOBS = new LinkedHashMap<>();

    static {
        BLOBS.put("not-utf8", new byte[] {0, (byte) 0xff, (byte) 0xfe, (byte) 0x80, (byte) 0xc3, 0x28, 0x7f});
        BLOBS.put("hex-looking", "DEADBEEF".getBytes(StandardCharsets.US_ASCII));
        BLOBS.put("base64-looking", "AAEC/w==".getBytes(StandardCharsets.US_ASCII));
        BLOBS.put("utf8-text", "Zoë 🚀".getBytes(StandardCharsets.UTF_8));
        BLOBS.put("empty", new byte[0]);
    }

    static LocalStack stack;
    static DynamoDbClient ddb;
    static S3Client s3;
    static LocalStack.TestTable t;
    static Instant[] hour;

    @BeforeAll
    static void stageAnHourOfBinaryValues() throws Exception {
        stack = LocalStack.fromEnvironment().inPastHour();
        ddb = stack.dynamodb();
        s3 = stack.s3();
        t = stack.newTable("parquet", "hard");
        Fixtures.createTable(ddb, t.name());
        hour = stack.hour();
        int sk = 0;
        for (Map.Entry<String, byte[]> e : BLOBS.entrySet()) {
            Map<String, AttributeValue> item = new java.util.HashMap<>(Fixtures.plain(e.getKey(), String.valueOf(sk), sk));
            item.put("blob", AttributeValue.fromB(SdkBytes.fromByteArray(e.getValue())));
            item.put("it's \"quoted\" name", Fixtures.s("text " + sk));
            Fixtures.put(ddb, t.name(), item);
            sk++;
        }
        Cli.Result export = t.cli().run("export-increment", t.name(), hour[0].toString(), hour[1].toString());
        assertThat(export.exitCode()).as(export.stderr()).isZero();
        Cli.Result validate = t.cli().run("stage-validate", t.name(), hour[0].toString(), hour[1].toString());
        assertThat(validate.exitCode()).as(validate.stderr()).isZero();
    }

    @AfterAll
    static void dropTable() {
        if (ddb != null) {
            ddb.deleteTable(b -> b.tableName(t.name()));
            ddb.close();
            s3.close();
        }
    }

    @Test
    void shouldStateEveryColumnsParquetTypeInTheStagedFooter() throws Exception {
        List<S3Object> parts = s3.listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(t.prefix() + "/"))
                .contents().stream().filter(o -> o.key().endsWith(".parquet")).toList();
        assertThat(parts).isNotEmpty();
        for (S3Object part : parts) {
            Path file = Files.createTempFile("ddb2sf-it-", ".parquet");
            try {
                Files.write(file, s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(part.key())).asByteArray());
                MessageType schema;
                try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), ParquetReadOptions.builder().build())) {
                    schema = reader.getFooter().getFileMetaData().getSchema();
                }
                Map<String, String> columns = new LinkedHashMap<>();
                for (Type f : schema.getFields()) {
                    columns.put(f.getName(), f.getRepetition() + " " + f.asPrimitiveType().getPrimitiveTypeName()
                            + (f.asPrimitiveType().getPrimitiveTypeName().name().equals("FIXED_LEN_BYTE_ARRAY")
                                    ? "(" + f.asPrimitiveType().getTypeLength() + ")" : "")
                            + " " + f.getLogicalTypeAnnotation());
                }
                // Column order and names are the landing table's; the typed columns are Fixtures.tableYaml's.
                Map<String, String> expected = new LinkedHashMap<>();
                expected.put("_KEY", "REQUIRED BINARY STRING");
                expected.put("PK", "OPTIONAL BINARY STRING");
                expected.put("SK", "OPTIONAL FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38,0)");
                expected.put("PRICE", "OPTIONAL FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38,2)");
                expected.put("HUGE", "OPTIONAL FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38,0)");
                expected.put("FLAG", "OPTIONAL BOOLEAN null");
                // Plain BINARY: with BINARY_AS_TEXT = FALSE Snowflake loads exactly these bytes into BINARY.
                expected.put("BLOB", "OPTIONAL BINARY null");
                expected.put("QUOTED", "OPTIONAL BINARY STRING");
                expected.put("_OP", "REQUIRED BINARY STRING");
                // isAdjustedToUTC=false: a UTC wall-clock time, what the TIMESTAMP_NTZ landing column holds.
                expected.put("_EVENT_TS", "REQUIRED INT64 TIMESTAMP(MICROS,false)");
                expected.put("_SEQ", "REQUIRED BINARY STRING");
                expected.put("_TTL_DELETE", "REQUIRED BOOLEAN null");
                expected.put("_ITEM", "OPTIONAL BINARY STRING");
                expected.put("_ITEM_TYPES", "OPTIONAL BINARY STRING");
                expected.put("_OLD_ITEM", "OPTIONAL BINARY STRING");
                expected.put("_PARTITION", "REQUIRED BINARY STRING");
                assertThat(columns).as(part.key() + ":\n" + schema).containsExactlyEntriesOf(expected);
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    @Test
    void shouldSendTheDocumentedParquetOptionsAndLoadBinaryValuesExactly() throws Exception {
        PipelineConfig config = new ConfigLoader(System.getenv()).load(t.cli().config());
        // A same-named stage in another schema of the same database, pointing elsewhere: it must not be taken for
        // this config's stage.
        String decoy = t.schema() + "_OTHER";
        try (Connection c = stack.snowflake(t.schema()); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS \"" + LocalStack.DATABASE + "\".\"" + decoy + "\"");
            s.execute("CREATE STAGE \"" + LocalStack.DATABASE + "\".\"" + decoy + "\".\"" + config.snowflake().stageName()
                    + "\" URL = 's3://another-bucket/another-prefix/'");
        }

        List<String> sent = new CopyOnWriteArrayList<>();
        ConnectionFactory recording = recording(new SnowflakeConnections(config.snowflake()), sent);
        ManifestStore manifests = new ManifestStore(new StageStore(s3, LocalStack.BUCKET), new StageKeys(t.prefix()), Json.mapper());
        LoadSummary load = new LoadJob(config.table(t.name()), new StageKeys(t.prefix()), manifests,
                new WarehouseTables(config.snowflake()), recording, Migrator.fromClasspath(), new Ledger(), Clock.systemUTC(), System.err,
                java.util.function.UnaryOperator.identity()).run(new HourPartition(t.name(), hour[0], hour[1]));
        assertThat(load.rows()).isEqualTo(BLOBS.size());

        List<String> copies = sent.stream().filter(q -> q.contains("COPY INTO")).toList();
        assertThat(copies).hasSize(1);
        assertThat(copies.get(0)).contains("COPY INTO \"" + t.name().toUpperCase() + "_CHANGES\"\nFROM @\"DDB2SF_STAGE\"\n")
                .contains("\nFILE_FORMAT = (TYPE = PARQUET BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE)\n"
                        + "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE\nFORCE = TRUE");
        assertThat(sent).anyMatch(q -> q.contains(
                "CREATE OR REPLACE FILE FORMAT \"DDB2SF_PARQUET\" TYPE = PARQUET BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE"));
        assertThat(sent).anyMatch(q -> q.contains("FILE_FORMAT = (TYPE = PARQUET BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE)")
                && q.contains("CREATE STAGE IF NOT EXISTS \"DDB2SF_STAGE\""));
        assertThat(sent).as("the stage lookup is scoped to the configured database and schema")
                .anyMatch(q -> q.contains("SHOW STAGES LIKE 'DDB2SF_STAGE' IN SCHEMA \"" + LocalStack.DATABASE + "\".\"" + t.schema() + "\""))
                .noneMatch(q -> q.contains("SHOW STAGES") && !q.contains(" IN SCHEMA "));

        Cli.Result merge = t.cli().run("merge-apply", t.name(), hour[0].toString(), hour[1].toString());
        assertThat(merge.exitCode()).as(merge.stderr()).isZero();
        try (Connection c = stack.snowflake(t.schema())) {
            assertThat(blobs(c, t.name().toUpperCase() + "_CHANGES")).isEqualTo(hex(BLOBS));
            assertThat(blobs(c, t.target())).isEqualTo(hex(BLOBS));
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW STAGES IN SCHEMA \"" + LocalStack.DATABASE + "\".\"" + t.schema() + "\"")) {
                assertThat(rs.next()).as("this schema got its own stage").isTrue();
                assertThat(rs.getString("url")).isEqualTo(config.snowflake().stageUrl());
            }
        }
    }

    private static Map<String, String> blobs(Connection c, String table) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT \"PK\", \"BLOB\" FROM \"" + table + "\" ORDER BY \"SK\"");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                byte[] b = rs.getBytes(2);
                out.put(rs.getString(1), b == null ? null : HexFormat.of().formatHex(b));
            }
        }
        return out;
    }

    private static Map<String, String> hex(Map<String, byte[]> values) {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, HexFormat.of().formatHex(v)));
        return out;
    }

    /** The real driver's connections, with every SQL text the job sends recorded before it goes to the server. */
    private static ConnectionFactory recording(ConnectionFactory real, List<String> sent) {
        return () -> {
            Connection c = real.open();
            return proxy(Connection.class, c, (proxy, m, args) -> {
                if (args != null && args.length > 0 && args[0] instanceof String sql && m.getName().startsWith("prepare")) {
                    sent.add(sql);
                }
                Object r = invoke(c, m, args);
                if (r instanceof Statement s && !(r instanceof PreparedStatement)) {
                    return proxy(Statement.class, s, (p2, m2, a2) -> {
                        if (a2 != null && a2.length > 0 && a2[0] instanceof String sql && m2.getName().startsWith("execute")) {
                            sent.add(sql);
                        }
                        return invoke(s, m2, a2);
                    });
                }
                return r;
            });
        };
    }

    private static <T> T proxy(Class<T> type, T target, InvocationHandler h) {
        return type.cast(Proxy.newProxyInstance(ParquetLoadIT.class.getClassLoader(), new Class<?>[] {type}, h));
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
