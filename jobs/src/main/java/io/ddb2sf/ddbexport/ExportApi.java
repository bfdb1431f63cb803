package io.ddb2sf.ddbexport;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportFormat;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.dynamodb.model.ExportTableToPointInTimeRequest;
import software.amazon.awssdk.services.dynamodb.model.ExportType;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryDescription;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryUnavailableException;

/**
 * DynamoDB's export to S3: starts an export (ExportTableToPointInTime), or adopts one by ARN, and waits for it with
 * DescribeExport, printing progress on stderr, for a bounded time.
 *
 * <p>What it relies on (Amazon DynamoDB API Reference): ExportTableToPointInTime needs point-in-time recovery and
 * exports any time inside its window; ExportType FULL_EXPORT or INCREMENTAL_EXPORT, the latter with an
 * IncrementalExportSpecification of ExportFromTime (inclusive), ExportToTime (exclusive), both whole seconds, and
 * ExportViewType NEW_AND_OLD_IMAGES (the default) or NEW_IMAGE; a ClientToken makes the call idempotent for 8 hours
 * after the first request completed (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportTableToPointInTime.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_IncrementalExportSpecification.html).
 * DescribeExport's ExportStatus is IN_PROGRESS, COMPLETED or FAILED, with FailureCode and FailureMessage
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportDescription.html). An incremental
 * export period is 15 minutes to 24 hours ("Introducing incremental export from Amazon DynamoDB to Amazon S3",
 * https://aws.amazon.com/blogs/database/introducing-incremental-export-from-amazon-dynamodb-to-amazon-s3/); the
 * window is checked here before any call, so a bad one is refused with what to do instead of a service error.
 */
public final class ExportApi {
    public static final Duration MIN_WINDOW = Duration.ofMinutes(15);
    public static final Duration MAX_WINDOW = Duration.ofHours(24);

    /** Waits between polls; tests pass one that does not sleep. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final DynamoDbClient dynamodb;
    private final Clock clock;
    private final Sleeper sleeper;
    private final PrintStream log;
    private final Duration pollEvery;
    private final Duration maxWait;

    public ExportApi(DynamoDbClient dynamodb, Clock clock, Sleeper sleeper, PrintStream log, Duration pollEvery, Duration maxWait) {
        this.dynamodb = dynamodb;
        this.clock = clock;
        this.sleeper = sleeper;
        this.log = log;
        this.pollEvery = pollEvery;
        this.maxWait = maxWait;
    }

    /**
     * Where an export goes: the stage bucket and a prefix under the table's folder.
     *
     * @param owner the bucket's account, when it is not the table's (stage.bucketOwner); DynamoDB requires it then
     */
    public record Destination(String bucket, String prefix, java.util.Optional<String> owner) {}

    /**
     * Starts a full export of the table as of {@code exportTime} (whole seconds), or as of now when empty (DynamoDB
     * then picks the time; DescribeExport's ExportTime says which). {@code clientToken} makes a rerun within 8 hours
     * get the same export instead of a second one; the caller also records the returned ARN, to adopt it later.
     */
    public ExportDescription startFull(String table, java.util.Optional<Instant> exportTime, Destination to, String clientToken) {
        Pitr pitr = pitr(table);
        ExportTableToPointInTimeRequest.Builder req = ExportTableToPointInTimeRequest.builder().tableArn(pitr.tableArn())
                .exportType(ExportType.FULL_EXPORT);
        if (exportTime.isPresent()) {
            Instant t = exportTime.get().truncatedTo(ChronoUnit.SECONDS);
            if (t.isBefore(pitr.earliest()) || t.isAfter(pitr.latest())) {
                throw new JobException(ErrorCode.EXPORT_WINDOW_INVALID, "cannot export " + table + " as of " + t
                        + ": point-in-time recovery covers " + pitr.earliest() + " to " + pitr.latest()
                        + "; pick a time inside it, or leave it out to export as of now");
            }
            req.exportTime(t);
        }
        return start(table, req, to, clientToken);
    }

    /**
     * The latest time the table can be exported as of (LatestRestorableDateTime, which trails the clock by minutes);
     * a PITR_DISABLED error when point-in-time recovery is off.
     */
    public Instant latestExportable(String table) {
        return pitr(table).latest();
    }

    /**
     * Waits, at most {@code maxWait}, until the table can be exported up to {@code t}: LatestRestorableDateTime "is
     * typically 5 minutes before the current time" (API_PointInTimeRecoveryDescription,
     * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PointInTimeRecoveryDescription.html), so an
     * hour that just ended can be exported only minutes later. Returns at once when {@code t} is still ahead of the
     * clock: no wait makes such a window exportable, and {@link #startIncremental} refuses it.
     */
    public void awaitRestorable(String table, Instant t, Duration maxWait) {
        Instant start = clock.instant();
        for (Instant latest = pitr(table).latest(); latest.isBefore(t) && !t.isAfter(start); latest = pitr(table).latest()) {
            Duration waited = Duration.between(start, clock.instant());
            if (waited.compareTo(maxWait) >= 0) {
                return;
            }
            log.printf("export of %s: point-in-time recovery reaches %s, not yet %s; waiting%n", table, latest, t);
            try {
                sleeper.sleep(pollEvery);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobException(ErrorCode.SOURCE_FAILED, "interrupted waiting for point-in-time recovery of " + table
                        + "; rerun");
            }
        }
    }

    /** Starts an incremental export of [from, to) in {@code view}; the window is validated first. */
    public ExportDescription startIncremental(String table, Instant from, Instant toTime, ExportViewType view, Destination to,
                                              String clientToken) {
        Pitr pitr = pitr(table);
        if (toTime.isAfter(pitr.latest()) && !toTime.isAfter(clock.instant())) {
            // LatestRestorableDateTime "is typically 5 minutes before the current time" (DynamoDB API reference,
            // PointInTimeRecoveryDescription): a window that has ended is exportable minutes later, so this is a
            // retry's business, not the user's.
            throw new JobException(ErrorCode.PITR_BEHIND, "point-in-time recovery of " + table + " reaches " + pitr.latest()
                    + ", not yet the end of the window " + toTime + "; it trails the clock by minutes: the retry exports the"
                    + " hour once it has passed");
        }
        validateWindow(table, from, toTime, pitr.earliest(), pitr.latest());
        return start(table, ExportTableToPointInTimeRequest.builder().tableArn(pitr.tableArn())
                .exportType(ExportType.INCREMENTAL_EXPORT)
                .incrementalExportSpecification(s -> s.exportFromTime(from).exportToTime(toTime).exportViewType(view)),
                to, clientToken);
    }

    /**
     * Checks an incremental window against what DynamoDB accepts: whole seconds, 15 minutes to 24 hours long, inside
     * the table's point-in-time recovery window [earliest, latest].
     */
    public static void validateWindow(String table, Instant from, Instant to, Instant earliest, Instant latest) {
        String window = "[" + from + ", " + to + ")";
        if (!from.equals(from.truncatedTo(ChronoUnit.SECONDS)) || !to.equals(to.truncatedTo(ChronoUnit.SECONDS))) {
            throw new JobException(ErrorCode.EXPORT_WINDOW_INVALID, "incremental export window " + window + " of " + table
                    + " is not in whole seconds, which is all DynamoDB takes; use whole-second bounds");
        }
        Duration length = Duration.between(from, to);
        if (length.compareTo(MIN_WINDOW) < 0 || length.compareTo(MAX_WINDOW) > 0) {
            throw new JobException(ErrorCode.EXPORT_WINDOW_INVALID, "incremental export window " + window + " of " + table
                    + " is " + length.toMinutes() + " minutes long; DynamoDB exports 15 minutes to 24 hours at a time:"
                    + " split or widen the window (hourly windows always fit)");
        }
        if (from.isBefore(earliest) || to.isAfter(latest)) {
            throw new JobException(ErrorCode.EXPORT_WINDOW_INVALID, "incremental export window " + window + " of " + table
                    + " is outside its point-in-time recovery window [" + earliest + ", " + latest + "]"
                    + (to.isAfter(latest) ? "; point-in-time recovery trails the clock by minutes: rerun once it has"
                    + " passed " + to : "; those changes can no longer be exported: run a backfill (--source export) instead"));
        }
    }

    /**
     * Adopts an export someone already started (console, Terraform, an earlier run): it must be of this table and of
     * the given type. Returns its description as it is now; {@link #awaitCompleted} waits for it.
     */
    public ExportDescription adopt(String exportArn, String tableArn, ExportType type) {
        ExportDescription d = describe(exportArn);
        if (!tableArn.equals(d.tableArn())) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "export " + exportArn + " is of table " + d.tableArn()
                    + ", not " + tableArn + "; pass an export of this table");
        }
        if (d.exportType() != null && d.exportType() != type) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "export " + exportArn + " is a " + d.exportTypeAsString()
                    + ", not a " + type + "; pass an export of that type");
        }
        return d;
    }

    public ExportDescription describe(String exportArn) {
        try {
            return dynamodb.describeExport(b -> b.exportArn(exportArn)).exportDescription();
        } catch (SdkException e) {
            throw new JobException(ErrorCode.SOURCE_FAILED, "cannot describe export " + exportArn + ": "
                    + JobException.firstLine(e) + " (check the ARN and that the role may dynamodb:DescribeExport)", e);
        }
    }

    /**
     * Polls DescribeExport until the export is COMPLETED (returned) or FAILED (a one-line error with DynamoDB's
     * FailureCode and FailureMessage), printing a progress line each poll; gives up after the bounded wait, leaving the
     * export running so a rerun adopts it.
     */
    public ExportDescription awaitCompleted(String exportArn) {
        Instant start = clock.instant();
        while (true) {
            ExportDescription d = describe(exportArn);
            Duration waited = Duration.between(start, clock.instant());
            if (d.exportStatus() == ExportStatus.COMPLETED) {
                log.printf("export %s: COMPLETED after %ds, %s items, %s bytes billed%n", exportArn, waited.toSeconds(),
                        d.itemCount(), d.billedSizeBytes());
                return d;
            }
            if (d.exportStatus() == ExportStatus.FAILED) {
                throw new JobException(ErrorCode.EXPORT_FAILED, "export " + exportArn + " FAILED: " + d.failureCode() + ": "
                        + firstLine(d.failureMessage()) + "; fix the cause (bucket, its policy or KMS key, quota; a bucket of another"
                        + " account needs stage.bucketOwner) and rerun,"
                        + " which starts a new export");
            }
            log.printf("export %s: %s after %ds%n", exportArn, d.exportStatusAsString(), waited.toSeconds());
            if (waited.compareTo(maxWait) >= 0) {
                throw new JobException(ErrorCode.EXPORT_INCOMPLETE, "export " + exportArn + " still " + d.exportStatusAsString()
                        + " after " + waited.toMinutes() + " minutes; it keeps running: rerun later and it is adopted");
            }
            try {
                sleeper.sleep(pollEvery);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobException(ErrorCode.SOURCE_FAILED, "interrupted waiting for export " + exportArn + "; rerun to adopt it");
            }
        }
    }

    private ExportDescription start(String table, ExportTableToPointInTimeRequest.Builder req, Destination to, String clientToken) {
        try {
            to.owner().ifPresent(req::s3BucketOwner);
            return dynamodb.exportTableToPointInTime(req.s3Bucket(to.bucket()).s3Prefix(to.prefix())
                    .exportFormat(ExportFormat.DYNAMODB_JSON).clientToken(clientToken).build()).exportDescription();
        } catch (PointInTimeRecoveryUnavailableException e) {
            throw pitrOff(table);
        } catch (SdkException e) {
            throw new JobException(ErrorCode.SOURCE_FAILED, "cannot start an export of " + table + ": " + JobException.firstLine(e)
                    + " (check the role may dynamodb:ExportTableToPointInTime and write s3://" + to.bucket() + "/" + to.prefix()
                    + "; a bucket of another AWS account also needs stage.bucketOwner, its account id, and a bucket policy"
                    + " that lets this role write there)", e);
        }
    }

    private record Pitr(String tableArn, Instant earliest, Instant latest) {}

    private Pitr pitr(String table) {
        String tableArn;
        ContinuousBackupsDescription backups;
        try {
            tableArn = dynamodb.describeTable(b -> b.tableName(table)).table().tableArn();
            backups = dynamodb.describeContinuousBackups(b -> b.tableName(table)).continuousBackupsDescription();
        } catch (SdkException e) {
            throw new JobException(ErrorCode.SOURCE_FAILED, "cannot read the point-in-time recovery of " + table + ": "
                    + JobException.firstLine(e) + " (check the table name and the role's dynamodb:DescribeContinuousBackups)", e);
        }
        PointInTimeRecoveryDescription p = backups.pointInTimeRecoveryDescription();
        if (p == null || p.pointInTimeRecoveryStatus() != PointInTimeRecoveryStatus.ENABLED) {
            throw pitrOff(table);
        }
        Instant now = clock.instant();
        // DynamoDB reports both bounds; a service that leaves them out is taken as 35 days back to now.
        Instant earliest = p.earliestRestorableDateTime() != null ? p.earliestRestorableDateTime() : now.minus(Duration.ofDays(35));
        Instant latest = p.latestRestorableDateTime() != null ? p.latestRestorableDateTime() : now;
        return new Pitr(tableArn, earliest, latest);
    }

    private static JobException pitrOff(String table) {
        return new JobException(ErrorCode.PITR_DISABLED, "point-in-time recovery is off for " + table + ", and DynamoDB"
                + " exports need it: turn it on with `aws dynamodb update-continuous-backups --table-name " + table
                + " --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true` (exports can then reach back"
                + " to when it was turned on), or use --source scan");
    }

    private static String firstLine(String s) {
        return s == null ? "(no message)" : s.lines().findFirst().orElse("");
    }
}
