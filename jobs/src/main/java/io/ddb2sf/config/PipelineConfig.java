package io.ddb2sf.config;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The whole configuration, parsed and validated once by {@link ConfigLoader}. */
public record PipelineConfig(Aws aws, Stage stage, Snowflake snowflake, List<TableConfig> tables, Stream stream) {

    public PipelineConfig {
        tables = List.copyOf(tables);
    }

    /**
     * @param region             AWS region of the table and the bucket
     * @param dynamodbEndpoint   endpoint override (DynamoDB Local), else the region's
     * @param s3Endpoint         endpoint override (a local S3 server), else the region's
     * @param maxAttempts        SDK attempts per call for throttling and 5xx before the job fails
     * @param streamTimestampPrecision to what the stream stamps its records: AWS rounds ApproximateCreationDateTime
     *                           down to the second (DynamoDB Streams API reference, StreamRecord:
     *                           https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html),
     *                           DynamoDB Local to the minute. Snapshot rows are versioned at the scan's start floored
     *                           to it, so a snapshot never loses to a change it already contains.
     */
    public record Aws(String region, Optional<URI> dynamodbEndpoint, Optional<URI> s3Endpoint, int maxAttempts,
                      Duration streamTimestampPrecision) {
        public static final Duration AWS_STREAM_TIMESTAMP_PRECISION = Duration.ofSeconds(1);
    }

    /**
     * @param bucket        the stage bucket
     * @param prefix        key prefix under which each table has its folder, no leading or trailing slash
     * @param partTargetBytes a Parquet part is closed once it reaches this size
     * @param rowGroupBytes   Parquet row group size; bounds the writer's memory
     * @param bucketOwner   the 12-digit id of the AWS account that owns the bucket, when it is not the account of the
     *                      table: DynamoDB exports to "any Amazon S3 bucket you have write permission for. The destination
     *                      bucket doesn't need to be in the same Region or have the same owner as the source table", and
     *                      "S3BucketOwner is a required parameter when exporting to a S3 bucket in another account"
     *                      (DynamoDB developer guide, Requesting a table export,
     *                      https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport_Requesting.html;
     *                      API reference, ExportTableToPointInTime)
     */
    public record Stage(String bucket, String prefix, long partTargetBytes, long rowGroupBytes, Optional<String> bucketOwner) {}

    /**
     * @param openShardIdleWait how long export-increment keeps polling an open shard that gives only empty pages
     *                          before it counts the shard as read to its tip for this hour. Keep the default (10 s)
     *                          against AWS: "If there are no stream records available in the portion of the shard
     *                          that the iterator points to, GetRecords returns an empty list. Note that it might take
     *                          multiple calls to get to a portion of the shard that contains stream records"
     *                          (DynamoDB Streams API reference, GetRecords,
     *                          https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html),
     *                          so a short wait may stop before records that are there; they are then exported with
     *                          the next hour, never lost. Local stacks, whose shards have no such runs, can go short.
     */
    public record Stream(Duration openShardIdleWait) {
        public static final Duration DEFAULT_OPEN_SHARD_IDLE_WAIT = Duration.ofSeconds(10);
        public static final Duration MIN_OPEN_SHARD_IDLE_WAIT = Duration.ofSeconds(1);
        public static final Duration MAX_OPEN_SHARD_IDLE_WAIT = Duration.ofMinutes(5);
    }

    /**
     * @param url                 full JDBC URL; when empty it is built from the account
     * @param account             account identifier (e.g. xy12345.eu-west-1)
     * @param privateKeyFile      key-pair auth: PKCS#8 private key file
     * @param privateKeyPassphrase passphrase of an encrypted key
     * @param password            password auth, for local stacks only
     * @param stageName           the external stage ddb2sf creates and loads from
     * @param stageUrl            the stage's s3:// URL (the bucket and prefix above)
     * @param storageIntegration  the storage integration the stage uses on real Snowflake
     */
    public record Snowflake(
            Optional<String> url,
            Optional<String> account,
            String user,
            Optional<Path> privateKeyFile,
            Optional<String> privateKeyPassphrase,
            Optional<String> password,
            Optional<String> role,
            Optional<String> warehouse,
            String database,
            String schema,
            String stageName,
            String stageUrl,
            Optional<String> storageIntegration) {

        /** Never print secrets in logs or summaries. */
        @Override
        public String toString() {
            return "Snowflake[user=" + user + ", database=" + database + ", schema=" + schema + "]";
        }
    }

    public TableConfig table(String name) {
        return tables.stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new JobException(ErrorCode.CONFIG_INVALID,
                        "table '" + name + "' is not in the config; configured tables: "
                                + tables.stream().map(TableConfig::name).toList()
                                + " (add it under tables: or fix --table)"));
    }
}
