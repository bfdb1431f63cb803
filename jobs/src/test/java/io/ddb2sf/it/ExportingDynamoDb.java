package io.ddb2sf.it;

import io.ddb2sf.localstack.ExportTreeGenerator;
import io.ddb2sf.localstack.ExportTreeWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeContinuousBackupsRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeContinuousBackupsResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeExportRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeExportResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportFormat;
import software.amazon.awssdk.services.dynamodb.model.ExportNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.dynamodb.model.ExportTableToPointInTimeRequest;
import software.amazon.awssdk.services.dynamodb.model.ExportTableToPointInTimeResponse;
import software.amazon.awssdk.services.dynamodb.model.ExportType;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * DynamoDB Local with the export API it lacks, behaving as the API reference documents it
 * (API_ExportTableToPointInTime, API_DescribeExport, API_ExportDescription): point-in-time recovery on, a full export
 * as of the requested ExportTime written into the local S3 by {@link ExportTreeGenerator} in the documented layout,
 * an incremental export of the requested window written from the table's stream (per item its last change in the
 * window), IN_PROGRESS on the first DescribeExport and COMPLETED after, one export per ClientToken, ExportNotFoundException
 * for an unknown ARN. Everything else goes to the real DynamoDB Local. Tests can also place an export someone else
 * ran ({@link #place}), e.g. a FAILED one. It counts the exports it was asked to start.
 */
final class ExportingDynamoDb implements DynamoDbClient {
    private final DynamoDbClient real;
    private final ExportTreeGenerator generator;
    private final int files;
    private final Map<String, ExportDescription> exports = new ConcurrentHashMap<>();
    private final Map<String, String> byToken = new ConcurrentHashMap<>();
    private final Map<String, Integer> polls = new ConcurrentHashMap<>();
    private final List<ExportTableToPointInTimeRequest> started = new ArrayList<>();
    private volatile boolean failNext;
    private volatile boolean corruptNext;
    private final S3Client s3;
    private final java.util.Set<String> failing = ConcurrentHashMap.newKeySet();

    ExportingDynamoDb(DynamoDbClient real, DynamoDbStreamsClient streams, S3Client s3, int files) {
        this.real = real;
        this.generator = new ExportTreeGenerator(real, streams, s3);
        this.s3 = s3;
        this.files = files;
    }

    /** The ExportTableToPointInTime calls that started an export (a repeated ClientToken starts none). */
    synchronized List<ExportTableToPointInTimeRequest> started() {
        return List.copyOf(started);
    }

    /** The next export started ends FAILED after running a while, as one whose bucket policy refuses DynamoDB does. */
    void failNextExport() {
        failNext = true;
    }

    /**
     * The next export started completes, but one of its data files is not what its manifest lists (its bytes were
     * altered after DynamoDB wrote them), which the manifests' MD5 and item counts are there to catch.
     */
    void corruptNextExport() {
        corruptNext = true;
    }

    private void corruptADataFile(String bucket, String prefix) {
        String key = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(o -> o.key()).filter(k -> k.contains("/data/") && k.endsWith(".json.gz")).sorted().findFirst()
                .orElseThrow(() -> new IllegalStateException("no data file under " + prefix));
        s3.putObject(b -> b.bucket(bucket).key(key), software.amazon.awssdk.core.sync.RequestBody.fromBytes(
                "{\"Item\":{}}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** An export someone ran outside the backfill, as DescribeExport will report it. */
    void place(ExportDescription d) {
        exports.put(d.exportArn(), d);
    }

    /** Writes a full export tree of {@code table} as of {@code at} and describes it as COMPLETED (not placed yet). */
    ExportDescription exportOf(String table, String bucket, String prefix, Instant at) {
        ExportTreeWriter.Target t = generator.full(table, bucket, prefix, at, files);
        return ExportDescription.builder().exportArn(t.exportArn()).tableArn(t.tableArn()).exportTime(at)
                .exportType(ExportType.FULL_EXPORT).exportFormat(ExportFormat.DYNAMODB_JSON).s3Bucket(bucket)
                .s3Prefix(prefix).exportStatus(ExportStatus.COMPLETED).build();
    }

    /**
     * Writes an incremental export tree of the requested window from the table's stream (as the streams client given to
     * the constructor shows it) and describes it as COMPLETED (not placed yet).
     */
    private ExportDescription incrementalOf(String table, ExportTableToPointInTimeRequest request) {
        var spec = request.incrementalExportSpecification();
        ExportTreeWriter.Target t = generator.incremental(table, request.s3Bucket(), request.s3Prefix(), spec.exportFromTime(),
                spec.exportToTime(), spec.exportViewTypeAsString(), files);
        return ExportDescription.builder().exportArn(t.exportArn()).tableArn(t.tableArn())
                .exportType(ExportType.INCREMENTAL_EXPORT).incrementalExportSpecification(spec)
                .exportFormat(ExportFormat.DYNAMODB_JSON).s3Bucket(request.s3Bucket()).s3Prefix(request.s3Prefix())
                .exportStatus(ExportStatus.COMPLETED).build();
    }

    @Override
    public synchronized ExportTableToPointInTimeResponse exportTableToPointInTime(ExportTableToPointInTimeRequest request) {
        String arn = byToken.get(request.clientToken());
        if (arn == null) {
            started.add(request);
            String table = request.tableArn().substring(request.tableArn().indexOf(":table/") + ":table/".length());
            Instant at = request.exportTime() != null ? request.exportTime() : Instant.now().truncatedTo(ChronoUnit.SECONDS);
            ExportDescription d = (request.exportType() == ExportType.INCREMENTAL_EXPORT
                    ? incrementalOf(table, request) : exportOf(table, request.s3Bucket(), request.s3Prefix(), at)).toBuilder()
                    .exportStatus(ExportStatus.IN_PROGRESS).clientToken(request.clientToken()).build();
            if (corruptNext) {
                corruptNext = false;
                corruptADataFile(request.s3Bucket(), request.s3Prefix());
            }
            if (failNext) {
                failNext = false;
                d = d.toBuilder().exportArn(d.exportArn() + "-failed").build();
                failing.add(d.exportArn());
            }
            exports.put(d.exportArn(), d);
            byToken.put(request.clientToken(), d.exportArn());
            arn = d.exportArn();
        }
        return ExportTableToPointInTimeResponse.builder().exportDescription(exports.get(arn)).build();
    }

    @Override
    public DescribeExportResponse describeExport(DescribeExportRequest request) {
        ExportDescription d = exports.get(request.exportArn());
        if (d == null) {
            throw ExportNotFoundException.builder().message("Export not found: " + request.exportArn()).statusCode(400).build();
        }
        // A started export is still running when first asked about, as a real one is for minutes.
        if (d.exportStatus() == ExportStatus.IN_PROGRESS && polls.merge(d.exportArn(), 1, Integer::sum) > 1) {
            d = failing.contains(d.exportArn())
                    ? d.toBuilder().exportStatus(ExportStatus.FAILED).failureCode("S3AccessDenied").failureMessage("Access Denied").build()
                    : d.toBuilder().exportStatus(ExportStatus.COMPLETED).build();
            exports.put(d.exportArn(), d);
        }
        return DescribeExportResponse.builder().exportDescription(d).build();
    }

    /**
     * The next {@code calls} DescribeContinuousBackups report point-in-time recovery {@code lag} behind the clock, as
     * AWS's does for minutes ("typically 5 minutes", API_PointInTimeRecoveryDescription), longer when it falls behind.
     */
    void lagPointInTimeRecovery(int calls, Duration lag) {
        this.lagging.set(calls);
        this.lag = lag;
    }

    /** How many DescribeContinuousBackups calls were answered. */
    int backupsDescribed() {
        return backupsDescribed.get();
    }

    private final java.util.concurrent.atomic.AtomicInteger lagging = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger backupsDescribed = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Duration lag = Duration.ZERO;

    /** Point-in-time recovery on since a day ago, restorable up to a few seconds ago, as AWS reports it. */
    @Override
    public DescribeContinuousBackupsResponse describeContinuousBackups(DescribeContinuousBackupsRequest request) {
        backupsDescribed.incrementAndGet();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant latest = lagging.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? now.minus(lag) : now.minusSeconds(5);
        return DescribeContinuousBackupsResponse.builder().continuousBackupsDescription(c -> c.continuousBackupsStatus("ENABLED")
                .pointInTimeRecoveryDescription(p -> p.pointInTimeRecoveryStatus(PointInTimeRecoveryStatus.ENABLED)
                        .earliestRestorableDateTime(now.minus(Duration.ofDays(1)))
                        .latestRestorableDateTime(latest))).build();
    }

    @Override
    public DescribeTableResponse describeTable(DescribeTableRequest request) {
        return real.describeTable(request);
    }

    @Override
    public ScanResponse scan(ScanRequest request) {
        return real.scan(request);
    }

    @Override
    public String serviceName() {
        return real.serviceName();
    }

    @Override
    public void close() {
        // the real client belongs to the test
    }
}
