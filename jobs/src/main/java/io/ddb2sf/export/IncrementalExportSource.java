package io.ddb2sf.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.ddbexport.DataFile;
import io.ddb2sf.ddbexport.ExportApi;
import io.ddb2sf.ddbexport.ExportRows;
import io.ddb2sf.ddbexport.ExportSource;
import io.ddb2sf.ddbexport.ExportTree;
import io.ddb2sf.dynamodb.KeySchema;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.stage.ChangeRowSchema;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.ColumnsRecord;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.JsonStore;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.PartFormat;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.PartWriter;
import io.ddb2sf.stage.ScratchDir;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.dynamodb.model.ExportType;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;

/**
 * export-increment for a table with {@code source: incremental-export}: the hour's changes from a DynamoDB incremental
 * export of it (point-in-time recovery, no read capacity, no stream reader) instead of the stream, staged as the same
 * parts and manifest a stream hour gets, so stage-validate, copy-load and merge-apply run unchanged.
 *
 * <p>Per hour, the export is recorded in the partition's folder ({@code _export.json}, a create-only write) before
 * anything waits on it, so a rerun adopts the same export, converts the same lines in the same order and writes the
 * same bytes. Its rows are versioned by {@link ExportRows#changes}: each item's last write in the window, at its write
 * time, winning over any stream change of the same time unit. The checkpoint then records that the table is at the
 * hour's end by incremental export (no shard positions).
 *
 * <p>Switching: after an hour read from the stream (or with no checkpoint yet) the export window starts
 * {@link #SWITCH_OVERLAP} before the hour, so a change the stream stamped just before the hour but whose write time
 * lies after it, or one that reached the stream only after that hour was read, is not lost between the two; back to
 * the stream, {@link StreamRestart} starts the stream the same overlap before the hour.
 */
public final class IncrementalExportSource {
    /** Both images, so an insert is told from an update and a delete carries the deleted item. */
    static final ExportViewType VIEW = ExportViewType.NEW_AND_OLD_IMAGES;
    /**
     * How far before the hour the first export after the stream, and the stream after the last export, begin. The two
     * sources stamp a change by different clocks (the stream's ApproximateCreationDateTime, the export's
     * WriteTimestampMicros), and an overlap only stages a change twice, which the newest-wins merge absorbs.
     */
    public static final Duration SWITCH_OVERLAP = Duration.ofMinutes(5);
    /**
     * How long an hour that has ended may wait for point-in-time recovery to cover it (typically 5 minutes); with the
     * export wait (Wiring) inside the hourly DAG's 45-minute timeout of export_increment.
     */
    static final Duration PITR_CATCH_UP = Duration.ofMinutes(10);
    /** FAILED answers in a row to a new attempt's token before giving up: each is an earlier attempt's export. */
    private static final int MAX_FAILED_ANSWERS = 5;

    private final PipelineConfig.Stage stage;
    private final Duration streamTimestampPrecision;
    private final DynamoDbClient dynamodb;
    private final ExportApi api;
    private final StageStore store;
    private final StageKeys keys;
    private final JsonStore records;
    private final CheckpointStore checkpoints;
    private final ManifestStore manifests;
    private final Clock clock;
    private final PrintStream log;

    public IncrementalExportSource(PipelineConfig.Stage stage, Duration streamTimestampPrecision, DynamoDbClient dynamodb,
                                   ExportApi api, StageStore store, CheckpointStore checkpoints, ManifestStore manifests,
                                   ObjectMapper json, Clock clock, PrintStream log) {
        this.stage = stage;
        this.streamTimestampPrecision = streamTimestampPrecision;
        this.dynamodb = dynamodb;
        this.api = api;
        this.store = store;
        this.keys = new StageKeys(stage.prefix());
        this.records = new JsonStore(store, json);
        this.checkpoints = checkpoints;
        this.manifests = manifests;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Which export an hour converts, and its window (the hour, or from the overlap before it).
     *
     * @param exportArn null when the export last recorded was retired (its tree failed its manifests' checks)
     * @param attempt   how many exports of the hour were retired before this one; part of the ClientToken, since
     *                  DynamoDB answers a token with the same export for 8 hours
     */
    public record HourExport(String exportArn, String tableArn, Instant from, Instant to, int attempt) {
        boolean retired() {
            return exportArn == null;
        }
    }

    /** Whether this source exports {@code p}: a rerun keeps the source its manifest names; a new hour follows the config. */
    static boolean exports(TableConfig table, Optional<Manifest> previous) {
        return previous.map(m -> Checkpoint.INCREMENTAL_EXPORT.equals(m.source().kind()))
                .orElse(table.source() == TableConfig.ChangeSource.INCREMENTAL_EXPORT);
    }

    /**
     * @param table          the table with the automatic columns the hour is written with
     * @param columnsVersion the columns record version of those columns, for the manifest (null: not a columns: auto
     *                       table, or a rerun of an hour written before it was one)
     * @param columnsRecord  where the attributes the hour brings are recorded, before its manifest
     */
    public ExportSummary run(TableConfig table, Integer columnsVersion, ColumnsRecord columnsRecord, HourPartition p,
                             Optional<Manifest> previous, Optional<CheckpointStore.Loaded> checkpoint) {
        Instant began = clock.instant();
        String tableArn = KeySchema.describe(dynamodb, table).tableArn();
        Optional<JsonStore.Stored<HourExport>> stored = readState(p);
        Optional<HourExport> recorded = stored.map(JsonStore.Stored::value).filter(e -> !e.retired());
        if (previous.isPresent() && recorded.isEmpty()) {
            throw new JobException(ErrorCode.STAGE_INVALID, "partition " + p + " was staged from an incremental export,"
                    + " but its record " + keys.exportState(p) + " is gone, so the rerun cannot convert the same export;"
                    + " its staged files are kept as they are (run stage-validate)");
        }
        if (previous.isEmpty()) {
            inOrder(table, p, checkpoint);
        }
        HourExport export = recorded.isPresent() ? adopt(p, recorded.get(), tableArn) : start(table, p, tableArn, checkpoint, stored);
        try {
            return convert(table, columnsVersion, columnsRecord, p, previous, checkpoint, export, began);
        } catch (JobException e) {
            if (previous.isEmpty() && (e.code() == ErrorCode.EXPORT_CORRUPT || e.code() == ErrorCode.EXPORT_INCOMPLETE)) {
                // Adopting it again would fail again: the rerun starts a new export of the hour. An hour already staged
                // keeps its files instead (a rerun must write the same bytes), so it is left to the user.
                retire(p, export);
                throw new JobException(e.code(), e.getMessage() + "; it is retired: the rerun of " + p
                        + " starts a new export of the hour", e);
            }
            throw e;
        }
    }

    private ExportSummary convert(TableConfig table, Integer columnsVersion, ColumnsRecord columnsRecord, HourPartition p,
                                  Optional<Manifest> previous, Optional<CheckpointStore.Loaded> checkpoint,
                                  HourExport export, Instant began) {
        String tableArn = export.tableArn();
        ExportDescription done = awaitCompleted(p, export);
        if (!stage.bucket().equals(done.s3Bucket())) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "export " + export.exportArn() + " is in bucket "
                    + done.s3Bucket() + ", not the stage bucket " + stage.bucket() + "; delete " + keys.exportState(p)
                    + " and rerun, which exports to the stage bucket");
        }
        ExportSource source = ExportSource.of(store);
        ExportTree tree = ExportTree.open(source, ExportTree.manifestFolder(done.s3Prefix() == null ? "" : done.s3Prefix(),
                export.exportArn()), ExportTree.Expected.incremental(tableArn, VIEW, export.from(), export.to()));

        ChangeRowSchema schema = new ChangeRowSchema(table);
        PartFormat format = PartFormat.of(previous);
        ExportRows convert = ExportRows.changes(table, p.id(), VIEW, streamTimestampPrecision);
        TypedValues.Counter misfits = new TypedValues.Counter();
        ColumnsRecord.Discovery discovery = ColumnsRecord.Discovery.of(table);
        long[] ops = new long[4]; // inserts, modifies, removes, before the hour (the overlap)
        List<DataFile> files = tree.files();
        List<Manifest.FileEntry> parts;
        try (ScratchDir tmp = ScratchDir.create("ddb2sf-incremental-");
             PartWriter writer = new PartWriter(store, keys, schema, format, p, stage.partTargetBytes(), stage.rowGroupBytes(),
                     tmp.path())) {
            // Files in manifest order, lines in file order: a rerun writes the same parts. A part is named after the
            // data file its first row came from.
            for (int i = 0; i < files.size(); i++) {
                String position = String.format("%05d", i);
                files.get(i).rows(source, convert, misfits, row -> {
                    ops["INSERT".equals(row.op()) ? 0 : "MODIFY".equals(row.op()) ? 1 : 2]++;
                    if (row.eventTime().isBefore(p.start())) {
                        ops[3]++;
                    }
                    discovery.see(row);
                    writer.write(row, position);
                    writer.rollIfFull();
                });
            }
            parts = writer.finish();
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot write a Parquet part locally: " + e.getMessage()
                    + " (check free space under java.io.tmpdir), then rerun the partition", e);
        }

        long rows = parts.stream().mapToLong(Manifest.FileEntry::rows).sum();
        long bytes = parts.stream().mapToLong(Manifest.FileEntry::size).sum();
        // As for the stream: the attributes the hour brings are recorded before the manifest that makes it loadable.
        columnsRecord.propose(table, discovery);
        manifests.write(p, new Manifest(format.version(), table.name(), p.id(), p.start(), p.end(),
                new Manifest.Source(Checkpoint.INCREMENTAL_EXPORT, null, new TreeMap<>(), new TreeMap<>()),
                schema.fingerprint(), parts, new Manifest.Totals(parts.size(), rows, bytes),
                new Manifest.ChangeCounts(ops[0], ops[1], ops[2], 0, ops[3], 0), columnsVersion));
        advanceCheckpoint(p, checkpoint);
        log.printf("export %s: %,d changes from incremental export %s of [%s, %s)%n", p, rows, export.exportArn(),
                export.from(), export.to());
        return new ExportSummary("export-increment", p.id(), previous.isPresent() ? "rerun" : "new", rows, ops[0], ops[1],
                ops[2], 0, ops[3], misfits.count(), parts.size(), bytes, Duration.between(began, clock.instant()).toMillis(),
                keys.manifest(p), new TreeMap<>());
    }

    /** The same order rules as the stream's: a new hour starts where the checkpoint is (or there is none yet). */
    private static void inOrder(TableConfig table, HourPartition p, Optional<CheckpointStore.Loaded> loaded) {
        Optional<Instant> at = loaded.map(l -> l.checkpoint().windowEnd());
        if (at.isPresent() && at.get().isBefore(p.start())) {
            throw new JobException(ErrorCode.CHECKPOINT_ORDER, "partitions of " + table.name() + " are exported in order;"
                    + " the checkpoint is at " + at.get() + ", so export " + new HourPartition(table.name(), at.get(),
                    at.get().plus(Duration.ofHours(1))) + " first");
        }
        if (at.isPresent() && at.get().isAfter(p.start())) {
            throw new JobException(ErrorCode.CHECKPOINT_ORDER, "partition " + p + " has no manifest but the checkpoint of "
                    + table.name() + " is already at " + at.get() + ": its changes were exported with a later partition."
                    + " Nothing to redo; if the manifest was deleted by mistake, backfill: " + ExportJob.backfillCommand(table));
        }
    }

    /**
     * A new export of the hour, recorded at once. After hours from the incremental export the window is the hour;
     * after the stream (or with no checkpoint) it starts {@link #SWITCH_OVERLAP} earlier.
     */
    private HourExport start(TableConfig table, HourPartition p, String tableArn, Optional<CheckpointStore.Loaded> checkpoint,
                             Optional<JsonStore.Stored<HourExport>> retired) {
        int attempt = retired.map(r -> r.value().attempt()).orElse(0);
        boolean afterExport = checkpoint.map(l -> l.checkpoint().fromIncrementalExport()).orElse(false);
        Instant from = afterExport ? p.start() : p.start().minus(SWITCH_OVERLAP);
        ExportApi.Destination to = new ExportApi.Destination(stage.bucket(), keys.incrementalExports(table.name()),
                stage.bucketOwner());
        // The hourly schedule runs this right after the hour ends, minutes before point-in-time recovery covers it.
        api.awaitRestorable(table.name(), p.end(), PITR_CATCH_UP);
        ExportDescription d = api.startIncremental(table.name(), from, p.end(), VIEW, to, clientToken(p, from, attempt));
        // DynamoDB keeps answering a ClientToken with its export for 8 hours, even a failed one: a FAILED answer is an
        // attempt whose failure no run recorded (it stopped first); the next attempt has the next token, the same for
        // every run of the hour, so runs at once still share one export.
        for (int tries = 0; d.exportStatus() == ExportStatus.FAILED; tries++) {
            if (tries == MAX_FAILED_ANSWERS) {
                throw new JobException(ErrorCode.EXPORT_FAILED, "incremental exports of " + p + " keep answering FAILED"
                        + " (last " + d.exportArn() + ": " + d.failureCode() + "); fix the cause (bucket, its policy or KMS"
                        + " key, quota; a bucket of another account needs stage.bucketOwner) and rerun");
            }
            log.printf("export %s: incremental export %s (attempt %d) FAILED before; starting attempt %d%n", p,
                    d.exportArn(), attempt, attempt + 1);
            attempt++;
            d = api.startIncremental(table.name(), from, p.end(), VIEW, to, clientToken(p, from, attempt));
        }
        HourExport export = new HourExport(d.exportArn(), tableArn, from, p.end(), attempt);
        if (records.writeIfUnchanged(keys.exportState(p), export, retired.map(JsonStore.Stored::etag))) {
            log.printf("export %s: started incremental export %s of [%s, %s)%n", p, d.exportArn(), from, p.end());
            return export;
        }
        // Another run of the same hour recorded its export first: that one is the hour's.
        return adopt(p, readState(p).map(JsonStore.Stored::value).filter(e -> !e.retired()).orElseThrow(() ->
                new JobException(ErrorCode.CHECKPOINT_CONFLICT, "another run of " + p + " changed its export record "
                        + keys.exportState(p) + " meanwhile; rerun the hour")), tableArn);
    }

    /** Marks the hour's export as unusable, so the next run starts attempt + 1; a no-op if another run got there first. */
    private void retire(HourPartition p, HourExport export) {
        readState(p).filter(s -> export.exportArn().equals(s.value().exportArn())).ifPresent(s -> records.writeIfUnchanged(
                keys.exportState(p), new HourExport(null, export.tableArn(), export.from(), export.to(), export.attempt() + 1),
                Optional.of(s.etag())));
        log.printf("export %s: incremental export %s retired; the rerun starts a new one%n", p, export.exportArn());
    }

    private HourExport adopt(HourPartition p, HourExport recorded, String tableArn) {
        if (!recorded.tableArn().equals(tableArn)) {
            throw records.damaged(keys.exportState(p), "export record", "it names table " + recorded.tableArn(),
                    "delete it and rerun the hour: a new export is started");
        }
        log.printf("export %s: adopting incremental export %s, recorded by an earlier run%n", p, recorded.exportArn());
        api.adopt(recorded.exportArn(), tableArn, ExportType.INCREMENTAL_EXPORT);
        return recorded;
    }

    /** A FAILED export is retired like a corrupt one, so the rerun starts the next attempt. */
    private ExportDescription awaitCompleted(HourPartition p, HourExport export) {
        try {
            return api.awaitCompleted(export.exportArn());
        } catch (JobException e) {
            if (e.code() == ErrorCode.EXPORT_FAILED) {
                retire(p, export);
            }
            throw e;
        }
    }

    private void advanceCheckpoint(HourPartition p, Optional<CheckpointStore.Loaded> loaded) {
        Optional<Instant> at = loaded.map(l -> l.checkpoint().windowEnd());
        // As for the stream: a rerun of an older hour leaves a newer checkpoint alone; one that follows a crash after the
        // manifest was written completes the step that was missed.
        if (at.isPresent() && !at.get().equals(p.start())) {
            return;
        }
        String resetBy = loaded.map(l -> l.checkpoint().resetBy()).orElse(null);
        checkpoints.advance(p.table(), Checkpoint.afterIncrementalExport(p.end(), resetBy), loaded);
    }

    /**
     * The same for every run of the hour, so DynamoDB gives them one export ("Providing a ClientToken makes the call
     * idempotent ... valid for 8 hours", API_ExportTableToPointInTime); hashed, as table names can be long.
     */
    private static String clientToken(HourPartition p, Instant from, int attempt) {
        String text = p.id() + "/" + from + (attempt == 0 ? "" : "/attempt-" + attempt);
        return "ddb2sf-" + StageStore.sha256(text.getBytes(StandardCharsets.UTF_8)).substring(0, 32);
    }

    private Optional<JsonStore.Stored<HourExport>> readState(HourPartition p) {
        return records.read(keys.exportState(p), HourExport.class, "export record",
                "delete it and rerun the hour: a new export is started");
    }
}
