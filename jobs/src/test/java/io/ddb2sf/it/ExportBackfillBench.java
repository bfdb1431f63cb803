package io.ddb2sf.it;

import io.ddb2sf.Json;
import io.ddb2sf.backfill.BackfillSummary;
import io.ddb2sf.backfill.ExportBackfill;
import io.ddb2sf.cli.Wiring;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.localstack.ExportTreeGenerator;
import io.ddb2sf.localstack.ExportTreeWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportFormat;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.dynamodb.model.ExportType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The ddb2sf side of bench/export-backfill. Two steps, each its own process:
 * <ul>
 * <li>{@code tree TABLE BUCKET PREFIX FILES}: writes a full export tree of the DynamoDB Local table into the local S3
 * ({@link ExportTreeGenerator}, the documented layout) and prints its ARN and export time. The generator holds the
 * whole table in memory: this step runs with a heap of its own, and is not measured.</li>
 * <li>{@code convert CONFIG TABLE ARN EXPORT_TIME BUCKET PREFIX PODS}: backfill --source export --export-arn ARN in
 * this process, as one process owning all PODS pods (their data files converted one after another), with the DynamoDB
 * client seen through {@link ExportingDynamoDb} (DynamoDB Local has no export API), which describes the tree as a
 * COMPLETED export. Prints the job's JSON summary.</li>
 * </ul>
 * Everything from DescribeExport on is the real backfill: manifests checked, data files read from S3, parts and the
 * manifest staged. It lives with the DynamoDB-API view it uses.
 */
public final class ExportBackfillBench {
    private ExportBackfillBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "tree" -> tree(args[1], args[2], args[3], Integer.parseInt(args[4]));
            case "convert" -> convert(Path.of(args[1]), args[2], args[3], Instant.parse(args[4]), args[5], args[6],
                    Integer.parseInt(args[7]));
            default -> throw new IllegalArgumentException("usage: ExportBackfillBench tree|convert ...");
        }
        System.exit(0);
    }

    private static void tree(String table, String bucket, String prefix, int files) {
        StaticCredentialsProvider creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        URI dynamodb = URI.create(System.getenv("DDB2SF_DYNAMODB_ENDPOINT"));
        URI s3Endpoint = URI.create(System.getenv("DDB2SF_S3_ENDPOINT"));
        try (DynamoDbClient ddb = DynamoDbClient.builder().endpointOverride(dynamodb).region(Region.US_EAST_1).credentialsProvider(creds).build();
             DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().endpointOverride(dynamodb).region(Region.US_EAST_1)
                     .credentialsProvider(creds).build();
             S3Client s3 = S3Client.builder().endpointOverride(s3Endpoint).forcePathStyle(true).region(Region.US_EAST_1)
                     .credentialsProvider(creds).build()) {
            Instant at = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            ExportTreeWriter.Target t = new ExportTreeGenerator(ddb, streams, s3).full(table, bucket, prefix, at, files);
            System.out.println(t.exportArn() + " " + at);
        }
    }

    private static void convert(Path configFile, String table, String arn, Instant exportTime, String bucket, String prefix,
                                int pods) throws Exception {
        PipelineConfig config = new ConfigLoader(System.getenv()).load(configFile);
        String tableArn = arn.substring(0, arn.indexOf("/export/"));
        ExportDescription done = ExportDescription.builder().exportArn(arn).tableArn(tableArn).exportTime(exportTime)
                .exportType(ExportType.FULL_EXPORT).exportFormat(ExportFormat.DYNAMODB_JSON).s3Bucket(bucket)
                .s3Prefix(prefix).exportStatus(ExportStatus.COMPLETED).build();
        // The view's tree generator is not used: the tree is already in S3, placed as an export someone else ran.
        UnaryOperator<DynamoDbClient> view = real -> {
            ExportingDynamoDb api = new ExportingDynamoDb(real, null, null, 1);
            api.place(done);
            return api;
        };
        ExportBackfill.Plan plan = new ExportBackfill.Plan(table, Optional.empty(), Optional.of(arn),
                IntStream.range(0, pods).boxed().toList(), pods, false);
        try (Wiring wiring = new Wiring(config, System.err, UnaryOperator.identity(), view)) {
            BackfillSummary summary = wiring.exportBackfill(config.table(table), Duration.ofSeconds(1), Duration.ofMinutes(1))
                    .run(plan);
            System.out.println(Json.mapper().writeValueAsString(summary));
        }
    }
}
