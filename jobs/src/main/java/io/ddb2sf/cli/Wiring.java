package io.ddb2sf.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.Json;
import io.ddb2sf.backfill.BackfillJob;
import io.ddb2sf.backfill.ExportBackfill;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.ddbexport.ExportApi;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.export.ExportJob;
import io.ddb2sf.export.IncrementalExportSource;
import io.ddb2sf.load.LoadJob;
import io.ddb2sf.merge.MergeJob;
import io.ddb2sf.migrate.MigrateJob;
import io.ddb2sf.prune.PruneJob;
import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.snowflake.Migrator;
import io.ddb2sf.snowflake.SnowflakeConnections;
import io.ddb2sf.snowflake.WarehouseTables;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.ColumnsRecord;
import io.ddb2sf.stage.JsonStore;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import io.ddb2sf.status.StatusJob;
import io.ddb2sf.validate.ValidateJob;
import io.ddb2sf.verify.VerifyJob;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Builds the clients from the config and hands them to the jobs. The only place clients are created; jobs get
 * theirs through constructors.
 *
 * <p>Retries: the SDK's STANDARD mode retries throttling and 5xx with exponential backoff and jitter, up to
 * aws.maxAttempts; everything else fails the job at once and is left to the scheduler's retry.
 */
public final class Wiring implements AutoCloseable {
    /**
     * How often export-increment polls an hour's incremental export, and how long at most: past that the job fails
     * (DDB2SF-1021) leaving the export running, and the scheduler's retry adopts it. Inside the hourly DAG's 45-minute
     * timeout of export_increment (with the 10 minutes it may first wait for point-in-time recovery), so the job ends
     * with its own message rather than being killed.
     */
    static final Duration INCREMENTAL_EXPORT_POLL = Duration.ofSeconds(20);
    static final Duration INCREMENTAL_EXPORT_WAIT = Duration.ofMinutes(30);
    private final PipelineConfig config;
    private final PrintStream log;
    private final UnaryOperator<DynamoDbStreamsClient> streamsView;
    private final UnaryOperator<DynamoDbClient> dynamodbView;
    private final Clock clock = Clock.systemUTC();
    private final ObjectMapper json = Json.mapper();
    private final List<AutoCloseable> open = new ArrayList<>();
    private StageStore stage;
    private StageStore documents;
    private DynamoDbClient dynamodb;
    private DynamoDbClient scans;

    public Wiring(PipelineConfig config, PrintStream log) {
        this(config, log, UnaryOperator.identity());
    }

    /**
     * With a view over the Streams API. Tests use it to show the export a shard split, which DynamoDB Local never
     * makes; production passes the client through.
     */
    public Wiring(PipelineConfig config, PrintStream log, UnaryOperator<DynamoDbStreamsClient> streamsView) {
        this(config, log, streamsView, UnaryOperator.identity());
    }

    /**
     * With views over the Streams and the DynamoDB API. Tests use the latter to serve the export API, which DynamoDB
     * Local lacks; production passes both clients through.
     */
    public Wiring(PipelineConfig config, PrintStream log, UnaryOperator<DynamoDbStreamsClient> streamsView,
                  UnaryOperator<DynamoDbClient> dynamodbView) {
        this.config = config;
        this.log = log;
        this.streamsView = streamsView;
        this.dynamodbView = dynamodbView;
    }

    /** The configured tables. */
    public List<TableConfig> tables() {
        return config.tables();
    }

    public ExportJob exportJob(TableConfig table) {
        return exportJob(table, INCREMENTAL_EXPORT_POLL, INCREMENTAL_EXPORT_WAIT);
    }

    /** export-increment, polling an incremental export every {@code pollEvery} for at most {@code maxWait}. */
    public ExportJob exportJob(TableConfig table, Duration pollEvery, Duration maxWait) {
        ExportApi api = new ExportApi(dynamodb(), clock, Thread::sleep, log, pollEvery, maxWait);
        IncrementalExportSource incremental = new IncrementalExportSource(config.stage(), precision(), dynamodb(), api,
                stage(), checkpoints(), manifests(), json, clock, log);
        return new ExportJob(table, config.stage(), streamReader(), stage(), checkpoints(), manifests(), columnsRecord(),
                Optional.of(incremental), clock, log);
    }

    public BackfillJob backfillJob(TableConfig table) {
        return new BackfillJob(table, config.stage(), precision(), scans(), streamReader(), stage(), manifests(), checkpoints(), json, clock, log);
    }

    /** backfill --source export, polling the export every {@code pollEvery} for at most {@code maxWait}. */
    public ExportBackfill exportBackfill(TableConfig table, Duration pollEvery, Duration maxWait) {
        ExportApi api = new ExportApi(dynamodb(), clock, Thread::sleep, log, pollEvery, maxWait);
        return new ExportBackfill(table, config.stage(), precision(), dynamodb(), streamReader(), api, stage(), manifests(), checkpoints(), json, clock, log);
    }

    private DynamoDbClient dynamodb() {
        if (dynamodb == null) {
            dynamodb = dynamodbClient(retries());
        }
        return dynamodb;
    }

    /**
     * The client of the jobs that Scan (backfill, verify): SegmentScan retries throttled pages itself, under
     * RetryPolicy.SCAN_PAGE and the read budget, so here the SDK retries only server errors and broken connections.
     * With the SDK retrying throttling too, one throttled page could make aws.maxAttempts x 12 calls.
     */
    DynamoDbClient scans() {
        if (scans == null) {
            scans = dynamodbClient(ClientOverrideConfiguration.builder().retryStrategy(StandardRetryStrategy.builder()
                    .useClientDefaults(false)
                    .maxAttempts(config.aws().maxAttempts())
                    .retryOnException(Wiring::transientNotThrottling)
                    .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(100), Duration.ofSeconds(20)))
                    .circuitBreakerEnabled(false)
                    .build()).build());
        }
        return scans;
    }

    private DynamoDbClient dynamodbClient(ClientOverrideConfiguration retries) {
        return dynamodbView.apply(track(DynamoDbClient.builder()
                .httpClientBuilder(Apache5HttpClient.builder())
                .region(Region.of(config.aws().region()))
                .applyMutation(b -> config.aws().dynamodbEndpoint().ifPresent(b::endpointOverride))
                .overrideConfiguration(retries).build()));
    }

    /** A 5xx other than throttling, or a call that never got an answer (connection reset, timeout). */
    static boolean transientNotThrottling(Throwable t) {
        if (t instanceof SdkServiceException e) {
            return e.statusCode() >= 500 && !e.isThrottlingException();
        }
        return t instanceof SdkClientException;
    }

    private StreamReader streamReader() {
        DynamoDbStreamsClient streams = track(DynamoDbStreamsClient.builder()
                .httpClientBuilder(Apache5HttpClient.builder())
                .region(Region.of(config.aws().region()))
                .applyMutation(b -> config.aws().dynamodbEndpoint().ifPresent(b::endpointOverride))
                .overrideConfiguration(retries()).build());
        return new StreamReader(dynamodb(), streamsView.apply(streams), config.stream().openShardIdleWait());
    }

    public ValidateJob validateJob() {
        return new ValidateJob(stage(), keys(), manifests(), clock, log);
    }

    public LoadJob loadJob(TableConfig table) {
        return new LoadJob(resolved(table), keys(), manifests(documents()), warehouseTables(), warehouse(), Migrator.fromClasspath(),
                new Ledger(), clock, log, this::resolved);
    }

    public MigrateJob migrateJob(List<TableConfig> tables) {
        return new MigrateJob(tables.stream().map(this::resolved).toList(), warehouseTables(), warehouse(), Migrator.fromClasspath(), clock, log,
                this::resolved);
    }

    public MergeJob mergeJob(TableConfig table) {
        return new MergeJob(resolved(table), precision(), warehouse(), Migrator.fromClasspath(), new Ledger(), clock, log,
                this::resolved);
    }

    public PruneJob pruneJob(TableConfig table) {
        return new PruneJob(table, warehouseTables(), warehouse(), Migrator.fromClasspath(), new Ledger(), clock, log);
    }

    public StatusJob statusJob(List<String> tables) {
        return new StatusJob(tables, config.snowflake().database() + "." + config.snowflake().schema(), documents(), keys(),
                checkpoints(documents()), warehouse(), json, clock);
    }

    public VerifyJob verifyJob(TableConfig table) {
        return new VerifyJob(resolved(table), scans(), streamReader(), checkpoints(documents()), manifests(documents()),
                warehouse(), new Ledger(), clock, log);
    }

    /**
     * The table with its automatic columns ({@code columns: auto}) as recorded in the stage now (given a table resolved
     * before, the columns recorded since are added); export-increment and backfill resolve them themselves, as they
     * also record new ones and write a partition with one version of them.
     */
    private TableConfig resolved(TableConfig table) {
        // A table of configured columns has no record to read: merge-apply of it then needs no S3 client at all.
        return table.auto() == null ? table : columnsRecord().resolve(table).table();
    }

    private ColumnsRecord columnsRecord() {
        return new ColumnsRecord(new JsonStore(documents(), json), keys(), log);
    }

    private SnowflakeConnections warehouse() {
        return new SnowflakeConnections(config.snowflake());
    }

    private WarehouseTables warehouseTables() {
        return new WarehouseTables(config.snowflake());
    }

    /** aws.streamTimestampPrecision: dates a backfill's rows. */
    private Duration precision() {
        return config.aws().streamTimestampPrecision();
    }

    /**
     * The stage as the jobs that move Parquet parts use it (export, backfill, validation): on the SDK's pooled
     * Apache 5 HTTP client, which reuses its connections across many and concurrent requests.
     */
    private StageStore stage() {
        if (stage == null) {
            stage = new StageStore(s3(Apache5HttpClient.builder()), config.stage().bucket());
        }
        return stage;
    }

    /**
     * The stage as a job that reads a few small documents uses it (copy-load's manifest, the columns record, verify's
     * and status's checkpoints): on the URLConnection HTTP client, which the SDK documents as quicker to load than
     * the Apache one, with fewer features (among them no PATCH, which the stage never sends;
     * https://docs.aws.amazon.com/sdk-for-java/latest/developer-guide/http-configuration-url.html). Its set-up is a
     * fixed cost of every warehouse job (bench/README.md, "A lighter start for the warehouse jobs"). A job that
     * has the pooled client already (sync, export) reads through that one.
     */
    private StageStore documents() {
        if (stage != null) {
            return stage;
        }
        if (documents == null) {
            documents = new StageStore(s3(UrlConnectionHttpClient.builder()), config.stage().bucket());
        }
        return documents;
    }

    private S3Client s3(SdkHttpClient.Builder<?> http) {
        // The stage bucket may be in another region than the table (DynamoDB exports there too); the SDK then
        // follows S3's redirect once and remembers the bucket's region ("Cross-Region access for Amazon S3",
        // https://docs.aws.amazon.com/sdk-for-java/latest/developer-guide/s3-cross-region.html).
        return track(S3Client.builder()
                .httpClientBuilder(http)
                .region(Region.of(config.aws().region()))
                .crossRegionAccessEnabled(true)
                .applyMutation(b -> config.aws().s3Endpoint().ifPresent(e -> b.endpointOverride(e).forcePathStyle(true)))
                .overrideConfiguration(retries()).build());
    }

    StageKeys keys() {
        return new StageKeys(config.stage().prefix());
    }

    ManifestStore manifests() {
        return manifests(stage());
    }

    /** The manifests through the client of the jobs that read a few documents: the warehouse side's training. */
    ManifestStore documentManifests() {
        return manifests(documents());
    }

    private ManifestStore manifests(StageStore on) {
        return new ManifestStore(on, keys(), json);
    }

    private CheckpointStore checkpoints() {
        return checkpoints(stage());
    }

    private CheckpointStore checkpoints(StageStore on) {
        return new CheckpointStore(on, keys(), json);
    }

    private ClientOverrideConfiguration retries() {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(RetryMode.STANDARD)
                .applyMutation(b -> b.retryStrategy(s -> s.maxAttempts(config.aws().maxAttempts())))
                .build();
    }

    private <T extends AutoCloseable> T track(T client) {
        open.add(client);
        return client;
    }

    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing HTTP pools at exit
            }
        }
    }
}
