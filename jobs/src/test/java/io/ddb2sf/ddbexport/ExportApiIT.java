package io.ddb2sf.ddbexport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.dynamodb.model.ExportType;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The export API path against moto's DynamoDB, which the local S3 server (moto) also serves on its port and which
 * implements ExportTableToPointInTime and DescribeExport and checks point-in-time recovery. Only this test's client
 * points there; DynamoDB Local stays the DynamoDB of every other test.
 */
class ExportApiIT {
    static final String BUCKET = "ddb2sf-local";
    DynamoDbClient moto;
    String table;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ExportApi api;

    @BeforeEach
    void setUp() {
        moto = DynamoDbClient.builder().endpointOverride(URI.create(System.getenv("DDB2SF_S3_ENDPOINT"))).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build();
        table = "export_api_" + UUID.randomUUID().toString().substring(0, 8);
        moto.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S))
                .keySchema(k -> k.attributeName("pk").keyType("HASH")));
        moto.putItem(b -> b.tableName(table).item(java.util.Map.of("pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("a"))));
        api = new ExportApi(moto, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()),
                new PrintStream(log, true, StandardCharsets.UTF_8), Duration.ofMillis(100), Duration.ofSeconds(20));
    }

    @AfterEach
    void tearDown() {
        moto.deleteTable(b -> b.tableName(table));
        moto.close();
        try (S3Client s3 = io.ddb2sf.it.LocalStack.fromEnvironment().s3()) {
            s3.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix("export-api-it/" + table + "/")).contents()
                    .forEach(o -> s3.deleteObject(b -> b.bucket(BUCKET).key(o.key())));
        }
    }

    void pitrOn() {
        moto.updateContinuousBackups(b -> b.tableName(table).pointInTimeRecoverySpecification(p -> p.pointInTimeRecoveryEnabled(true)));
    }

    String tableArn() {
        return moto.describeTable(b -> b.tableName(table)).table().tableArn();
    }

    @Test
    void aFullExportIsStartedAndAwaitedWithProgressOnStderr() {
        pitrOn();
        ExportDescription started = api.startFull(table, Optional.empty(), new ExportApi.Destination(BUCKET, "export-api-it/" + table, Optional.empty()), "t-" + table);
        ExportDescription done = api.awaitCompleted(started.exportArn());
        assertThat(done.exportStatus()).isEqualTo(ExportStatus.COMPLETED);
        assertThat(done.itemCount()).isEqualTo(1L);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("export " + started.exportArn() + ": COMPLETED after");
    }

    @Test
    void anExportIsAdoptedByArnOnlyForItsOwnTableAndType() {
        pitrOn();
        String arn = api.startFull(table, Optional.empty(), new ExportApi.Destination(BUCKET, "export-api-it/" + table, Optional.empty()), null).exportArn();
        assertThat(api.adopt(arn, tableArn(), ExportType.FULL_EXPORT).exportArn()).isEqualTo(arn);
        assertThat(api.awaitCompleted(arn).exportStatus()).isEqualTo(ExportStatus.COMPLETED);
        assertThatThrownBy(() -> api.adopt(arn, tableArn() + "-other", ExportType.FULL_EXPORT))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_MISMATCH))
                .hasMessageContaining("is of table " + tableArn());
        assertThatThrownBy(() -> api.adopt(arn, tableArn(), ExportType.INCREMENTAL_EXPORT))
                .hasMessageContaining("is a FULL_EXPORT, not a INCREMENTAL_EXPORT");
    }

    @Test
    void anExportToABucketOfAnotherAccountNamesTheBucketsOwner() {
        pitrOn();
        String owner = "111122223333";
        String arn = api.startFull(table, Optional.empty(), new ExportApi.Destination(BUCKET, "export-api-it/" + table,
                Optional.of(owner)), null).exportArn();
        assertThat(api.describe(arn).s3BucketOwner()).as("S3BucketOwner as DynamoDB recorded it").isEqualTo(owner);
    }

    @Test
    void pointInTimeRecoveryOffIsRefusedWithHowToTurnItOn() {
        assertThatThrownBy(() -> api.startFull(table, Optional.empty(), new ExportApi.Destination(BUCKET, "x", Optional.empty()), null))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PITR_DISABLED))
                .hasMessageContaining("aws dynamodb update-continuous-backups --table-name " + table
                        + " --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aFailedExportIsReportedWithDynamoDbsFailureCodeAndMessage() {
        pitrOn();
        String arn = api.startFull(table, Optional.empty(), new ExportApi.Destination("no-such-bucket-" + table.replace('_', '-'), "x", Optional.empty()), null).exportArn();
        assertThatThrownBy(() -> api.awaitCompleted(arn))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_FAILED))
                .hasMessageContaining("FAILED: S3NoSuchBucket: The specified bucket does not exist")
                .hasMessageNotContaining("\n");
    }

    @Test
    void incrementalWindowsOutsideWhatDynamoDbAcceptsAreRefusedBeforeAnyCall() {
        pitrOn();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        var to = new ExportApi.Destination(BUCKET, "x", Optional.empty());
        assertThatThrownBy(() -> api.startIncremental(table, now.minusSeconds(600), now, ExportViewType.NEW_AND_OLD_IMAGES, to, null))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_WINDOW_INVALID))
                .hasMessageContaining("is 10 minutes long; DynamoDB exports 15 minutes to 24 hours");
        assertThatThrownBy(() -> api.startIncremental(table, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(2)).plusSeconds(3600),
                ExportViewType.NEW_AND_OLD_IMAGES, to, null))
                .hasMessageContaining("outside its point-in-time recovery window", "run a backfill (--source export) instead");
        assertThatThrownBy(() -> api.startIncremental(table, now, now.plusSeconds(3600), ExportViewType.NEW_AND_OLD_IMAGES, to, null))
                .hasMessageContaining("rerun once it has passed");
        assertThat(moto.listExports(b -> b.tableArn(tableArn())).exportSummaries()).as("no export was started").isEmpty();
    }
}
