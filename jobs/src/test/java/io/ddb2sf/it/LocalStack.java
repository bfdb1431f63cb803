package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.fail;

import io.ddb2sf.cli.Wiring;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.export.ExportSummary;
import io.ddb2sf.stage.HourPartition;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The real local servers the integration tests run against, as {@code scripts/stack up} started them (their
 * addresses come in the environment). Each test gets its own table name and stage prefix, so tests never share
 * state and reruns of the suite start clean.
 */
public final class LocalStack {
    public static final String BUCKET = "ddb2sf-local";
    public static final String DATABASE = "ANALYTICS";

    private final URI dynamodb;
    private final URI s3;
    private final String snowflakeUrl;
    /** What the configs say the stream's timestamps are precise to: DynamoDB Local's minute, as a stand-in for AWS. */
    private final String streamPrecision;
    /**
     * How long an export polls an idle open shard before it counts as read to its tip. Short here: every export of
     * the suite waits it at DynamoDB Local's open shard, whose records never lie behind runs of empty pages. Tests of
     * such runs ask for the production default ({@link #withOpenShardIdleWait}).
     */
    private final String openShardIdleWait;
    /** The view the jobs reach DynamoDB through, when their changes are shown in a past hour; else null. */
    private final PastHour pastHour;

    private LocalStack(URI dynamodb, URI s3, String snowflakeUrl, String streamPrecision, String openShardIdleWait,
                       PastHour pastHour) {
        this.dynamodb = dynamodb;
        this.s3 = s3;
        this.snowflakeUrl = snowflakeUrl;
        this.streamPrecision = streamPrecision;
        this.openShardIdleWait = openShardIdleWait;
        this.pastHour = pastHour;
    }

    /** The same servers, with configs whose exports poll an idle open shard for {@code wait} (ISO-8601). */
    public LocalStack withOpenShardIdleWait(String wait) {
        return new LocalStack(dynamodb, s3, snowflakeUrl, streamPrecision, wait, pastHour);
    }

    /**
     * The same servers, with configs whose jobs see the stream through a {@link PastHour}: every change the test
     * makes from now on (within 59 minutes) falls in {@link #hour()}, a whole hour that has already ended, so no test
     * waits for the wall-clock hour to turn. The view closes when the test ends ({@link DropTestTables}).
     */
    public LocalStack inPastHour() {
        PastHour view = PastHour.open(dynamodb);
        DropTestTables.closeAfter(view);
        return new LocalStack(dynamodb, s3, snowflakeUrl, streamPrecision, openShardIdleWait, view);
    }

    /** The window {@code [start, end)} the jobs of an {@link #inPastHour} stack see the test's changes in. */
    public Instant[] hour() {
        if (pastHour == null) {
            throw new IllegalStateException("hour() belongs to a stack made by inPastHour()");
        }
        return new Instant[] {pastHour.start(), pastHour.end()};
    }

    /**
     * The real moment {@code real} as the jobs of an {@link #inPastHour} stack see the stream: moved back by the same
     * whole minutes as its stamps. A backfill run with {@code --backfill} at {@code past(now)} keeps its real order
     * against the test's stream changes (a snapshot is versioned by its id's time).
     */
    public Instant past(Instant real) {
        if (pastHour == null) {
            throw new IllegalStateException("past() belongs to a stack made by inPastHour()");
        }
        return pastHour.shown(real);
    }

    /**
     * The same servers, with configs that declare AWS's stream timestamps (to the second); for tests that show the
     * stream through a view stamping records to the second, as AWS does.
     */
    public LocalStack withAwsStreamTimestamps() {
        return new LocalStack(dynamodb, s3, snowflakeUrl, "PT1S", openShardIdleWait, pastHour);
    }

    public static LocalStack fromEnvironment() {
        String d = System.getenv("DDB2SF_DYNAMODB_ENDPOINT");
        String s = System.getenv("DDB2SF_S3_ENDPOINT");
        String sf = System.getenv("DDB2SF_SNOWFLAKE_URL");
        if (d == null || s == null || sf == null) {
            fail("the local stack is not running: run the tests with scripts/test (or scripts/stack up; source .stack/env)");
        }
        return new LocalStack(URI.create(d), URI.create(s), sf, "PT1M", "PT2S", null);
    }

    public DynamoDbClient dynamodb() {
        return DynamoDbClient.builder().endpointOverride(dynamodb).region(Region.US_EAST_1).credentialsProvider(creds()).build();
    }

    public DynamoDbStreamsClient streams() {
        return DynamoDbStreamsClient.builder().endpointOverride(dynamodb).region(Region.US_EAST_1).credentialsProvider(creds()).build();
    }

    public S3Client s3() {
        return S3Client.builder().endpointOverride(s3).forcePathStyle(true).region(Region.US_EAST_1).credentialsProvider(creds()).build();
    }

    public Connection snowflake(String schema) throws SQLException {
        Properties p = new Properties();
        p.put("user", "ddb2sf");
        p.put("password", "local");
        p.put("db", DATABASE);
        p.put("schema", schema);
        p.put("TIMEZONE", "UTC");
        return DriverManager.getConnection(snowflakeUrl, p);
    }

    /** A unique suffix for one test's table, prefix and schema. */
    public static String uniqueSuffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /**
     * A fresh table name, stage prefix, Snowflake schema and CLI for one test, with the test table config
     * ({@link Fixtures#tableYaml}); the DynamoDB table itself is created by the test. All three are dropped when the
     * test ends ({@link DropTestTables}), so a big table never slows the tests after it.
     */
    public TestTable newTable(String kind, String deletes) throws IOException {
        String suffix = uniqueSuffix();
        String name = "it_" + kind + "_" + suffix;
        String prefix = "it/" + suffix;
        String schema = "IT_" + suffix.toUpperCase();
        Cli cli = new Cli(writeConfig(prefix, schema, Fixtures.tableYaml(name, deletes)), environment());
        DropTestTables.register(this, name, prefix, schema);
        return new TestTable(name, name.toUpperCase(), prefix, schema, cli);
    }

    /** One test's names: DynamoDB table, Snowflake analytics table, stage prefix, Snowflake schema. */
    public record TestTable(String name, String target, String prefix, String schema, Cli cli) {
        /**
         * Runs export-increment in this process, with the Streams API seen through {@code view}. The config is read
         * as the jar reads it ({@link Cli}): without the test's own DDB2SF_ settings, which would override its file.
         */
        public ExportSummary exportThrough(UnaryOperator<DynamoDbStreamsClient> view, Instant start, Instant end) {
            Map<String, String> env = new java.util.HashMap<>(System.getenv());
            env.keySet().removeIf(k -> k.startsWith("DDB2SF_"));
            PipelineConfig config = new ConfigLoader(env).load(cli.config());
            try (Wiring wiring = new Wiring(config, System.err, view)) {
                return wiring.exportJob(config.table(name)).run(new HourPartition(name, start, end));
            }
        }
    }

    /** Writes a config for the given tables section into a temp file. */
    public Path writeConfig(String prefix, String schema, String tablesYaml) throws IOException {
        String yaml = """
                aws:
                  region: us-east-1
                  dynamodbEndpoint: %s
                  s3Endpoint: %s
                  maxAttempts: 2
                  streamTimestampPrecision: %s
                stage:
                  bucket: %s
                  prefix: %s
                  partTargetMb: 1
                  rowGroupMb: 1
                stream:
                  openShardIdleWait: %s
                snowflake:
                  url: "%s"
                  user: ddb2sf
                  password: local
                  database: %s
                  schema: %s
                  storageIntegration: LOCAL_S3
                tables:
                %s
                """.formatted(pastHour == null ? dynamodb : pastHour.endpoint(), s3, streamPrecision, BUCKET, prefix, openShardIdleWait, snowflakeUrl, DATABASE, schema, tablesYaml.indent(2));
        Path file = Files.createTempFile("ddb2sf-it-", ".yaml");
        Files.writeString(file, yaml);
        file.toFile().deleteOnExit();
        return file;
    }

    private static StaticCredentialsProvider creds() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
    }

    public Map<String, String> environment() {
        return Map.of("AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local", "AWS_REGION", "us-east-1");
    }
}
