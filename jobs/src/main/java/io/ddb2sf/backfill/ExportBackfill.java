package io.ddb2sf.backfill;

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
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.ChangeRowSchema;
import io.ddb2sf.stage.ColumnsRecord;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.JsonStore;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.PartFormat;
import io.ddb2sf.stage.PartWriter;
import io.ddb2sf.stage.ScratchDir;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExportDescription;
import software.amazon.awssdk.services.dynamodb.model.ExportStatus;
import software.amazon.awssdk.services.dynamodb.model.ExportType;

/**
 * backfill --source export: the same staged snapshot a scan backfill writes, from a DynamoDB full export instead of a
 * Scan, so it reads no capacity. The export is started once per backfill (or adopted by ARN) and recorded in the
 * backfill's folder before anything waits on it, so a rerun or another pod adopts it instead of starting a second
 * one. Its data files are dealt over the pods like scan segments (file i to pod i % pods, in manifest order); each
 * file is converted on its own and its state written once its parts are durable, so a resumed pod skips the files it
 * finished, and a file whose MD5 or item count is wrong at its end leaves none of its parts behind.
 *
 * <p>The export time is the backfill's snapshot: its rows are versioned like a scan's that started then, and the
 * stream checkpoint restarts as for a scan, so every stream change after it wins.
 */
public final class ExportBackfill {
    /** DynamoDB Streams keeps records 24 hours; an hour less leaves room for the backfill's own run. */
    private static final Duration STREAM_RETENTION = Duration.ofHours(23);

    private final TableConfig table;
    private final PipelineConfig.Stage stageConfig;
    private final DynamoDbClient dynamodb;
    private final ExportApi api;
    private final StageStore store;
    private final StageKeys keys;
    private final JsonStore records;
    private final BackfillStage stage;
    private final Clock clock;
    private final PrintStream log;

    /** @param streamTimestampPrecision aws.streamTimestampPrecision: dates the snapshot's rows */
    public ExportBackfill(TableConfig table, PipelineConfig.Stage stageConfig, Duration streamTimestampPrecision,
                          DynamoDbClient dynamodb, StreamReader streams, ExportApi api, StageStore store,
                          ManifestStore manifests, CheckpointStore checkpoints, ObjectMapper json, Clock clock, PrintStream log) {
        this.table = table;
        this.stageConfig = stageConfig;
        this.dynamodb = dynamodb;
        this.api = api;
        this.store = store;
        this.keys = new StageKeys(stageConfig.prefix());
        this.records = new JsonStore(store, json);
        this.stage = new BackfillStage(streamTimestampPrecision, streams, store, keys, manifests, checkpoints, json, clock, log);
        this.clock = clock;
        this.log = log;
    }

    /**
     * What to convert.
     *
     * @param snapshot  the backfill to start or resume (--backfill); empty: a new one as of the latest exportable time
     * @param exportArn an export to adopt (--export-arn); its export time names the backfill
     * @param pods      the pods this process is (--segment), out of {@code totalPods} (--total-segments)
     */
    public record Plan(String table, Optional<BackfillPartition> snapshot, Optional<String> exportArn, List<Integer> pods,
                       int totalPods, boolean resetCheckpoint) {}

    /** Which export a backfill converts; written once, before anything waits on the export. */
    public record ExportState(String exportArn, String tableArn, Instant exportTime) {}

    public BackfillSummary run(Plan plan) {
        Instant began = clock.instant();
        if (!plan.table().equals(table.name())) {
            throw new IllegalArgumentException("a plan of " + plan.table() + " for the backfill of " + table.name());
        }
        String tableArn = KeySchema.describe(dynamodb, table).tableArn();
        Adopted export = plan.exportArn().isPresent() ? adopt(plan, tableArn) : startOrResume(plan, table, tableArn);
        BackfillPartition p = export.partition();
        log.printf("backfill %s: from export %s (pods %s of %d); resume with --backfill %s%n", p, export.arn(), plan.pods(),
                plan.totalPods(), p.snapshotId());
        ExportDescription done = awaitCompleted(export);
        if (!stageConfig.bucket().equals(done.s3Bucket())) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "export " + export.arn() + " is in bucket " + done.s3Bucket()
                    + ", not the stage bucket " + stageConfig.bucket() + "; export to the stage bucket (or leave out"
                    + " --export-arn and let the backfill start one)");
        }
        ExportSource source = ExportSource.of(store);
        ExportTree tree = ExportTree.open(source, ExportTree.manifestFolder(nullToEmpty(done.s3Prefix()), export.arn()),
                ExportTree.Expected.full(tableArn));
        List<DataFile> files = tree.files();
        // Only once the export is known good, so a failed or foreign one changes nothing. The stream must still hold
        // every change since the export time, or they would be lost between the snapshot and the restarted stream.
        if (plan.resetCheckpoint() && p.snapshot().isBefore(clock.instant().minus(STREAM_RETENTION))
                && !stage.checkpointRestartedBy(table, p)) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "export " + export.arn() + " is as of " + p.snapshot()
                    + ", older than the stream keeps changes (24 hours): the changes since are gone, so it cannot restart"
                    + " the stream checkpoint; start a new backfill (no --backfill, no --export-arn) to export as of now");
        }
        if (plan.exportArn().isPresent()) {
            recordAdopted(export, tableArn);
        }
        boolean reset = plan.resetCheckpoint() && stage.resetCheckpoint(table, p);

        // Every process of the backfill writes with the same automatic columns (columns: auto).
        ColumnsRecord.Resolved columns = stage.columns(table, p);
        TableConfig table = columns.table();
        ChangeRowSchema schema = new ChangeRowSchema(table);
        ExportRows rows = stage.snapshotRows(table, p);
        TypedValues.Counter misfits = new TypedValues.Counter();
        List<SegmentState> mine = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            if (plan.pods().contains(i % plan.totalPods())) {
                mine.add(convert(p, table, schema, rows, source, files, i, misfits));
            }
        }
        Optional<Manifest> manifest = stage.writeManifestIfComplete(p, columns, schema, files.size(), "export", "data file");
        List<Manifest.FileEntry> parts = mine.stream().flatMap(s -> s.parts().stream()).toList();
        return new BackfillSummary("backfill", p.id(), p.snapshotId(), plan.pods(), plan.totalPods(),
                mine.stream().mapToLong(SegmentState::items).sum(), parts.size(),
                parts.stream().mapToLong(Manifest.FileEntry::size).sum(), 0, 0, 0, 0, misfits.count(),
                manifest.isPresent(), reset, Duration.between(began, clock.instant()).toMillis());
    }

    /** Converts data file {@code i} into its own parts, unless an earlier run finished it. */
    private SegmentState convert(BackfillPartition p, TableConfig table, ChangeRowSchema schema, ExportRows rows,
                                 ExportSource source, List<DataFile> files, int i, TypedValues.Counter misfits) {
        DataFile file = files.get(i);
        Optional<SegmentState> earlier = stage.loadState(p, i);
        if (earlier.isPresent() && earlier.get().totalSegments() != files.size()) {
            throw records.damaged(keys.segmentState(p, i), "backfill state", "it counts " + earlier.get().totalSegments()
                    + " data files, the export " + files.size(), "delete the backfill folder and start a new backfill");
        }
        if (earlier.isPresent() && earlier.get().done()) {
            log.printf("backfill %s: data file %d of %d already converted by an earlier run; skipped%n", p, i, files.size());
            return earlier.get();
        }
        // The part names carry the file's index: a rerun of the file writes the same keys, and its parts can be found.
        String position = String.format("%05d", i);
        try (ScratchDir tmp = ScratchDir.create("ddb2sf-export-" + i + "-");
             PartWriter writer = new PartWriter(store, keys, schema, PartFormat.CURRENT, p, stageConfig.partTargetBytes(),
                     stageConfig.rowGroupBytes(), tmp.path())) {
            List<Manifest.FileEntry> parts;
            ColumnsRecord.Discovery discovery = ColumnsRecord.Discovery.of(table);
            try {
                file.rows(source, rows, misfits, row -> {
                    discovery.see(row);
                    writer.write(row, position);
                    writer.rollIfFull();
                });
                parts = writer.finish();
            } catch (RuntimeException e) {
                // The MD5 and the count are known only at the file's end, after some parts were uploaded.
                int discarded = discard(p, position);
                log.printf("backfill %s: data file %d of %d not converted; its %d uploaded parts deleted%n", p, i,
                        files.size(), discarded);
                throw e;
            }
            SegmentState state = new SegmentState(i, files.size(), null, parts, BackfillStage.rows(parts), 0, true,
                    PartFormat.CURRENT.version());
            stage.propose(table, discovery);
            stage.saveState(p, state);
            log.printf("backfill %s: data file %d of %d converted: %,d items in %d parts%n", p, i, files.size(),
                    state.items(), parts.size());
            return state;
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot write the state of data file " + i + " of backfill "
                    + p.snapshotId() + ": " + JobException.firstLine(e) + "; rerun with the same --backfill", e);
        }
    }

    /** Deletes every part of one data file, including those an earlier killed attempt left unrecorded. */
    private int discard(BackfillPartition p, String position) {
        List<String> parts = store.list(keys.partitionPrefix(p) + "part-").stream().map(o -> o.key())
                .filter(k -> keys.parsePart(p, k).filter(n -> n.firstPosition().equals(position)).isPresent())
                .toList();
        parts.forEach(store::delete);
        return parts.size();
    }

    private record Adopted(BackfillPartition partition, String arn) {}

    /** --export-arn: the export names the backfill; a backfill that converts another export refuses it. */
    private Adopted adopt(Plan plan, String tableArn) {
        String arn = plan.exportArn().orElseThrow();
        ExportDescription d = api.adopt(arn, tableArn, ExportType.FULL_EXPORT);
        if (d.exportTime() == null) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "export " + arn + " has no export time; pass a full"
                    + " export of the table");
        }
        BackfillPartition p = new BackfillPartition(plan.table(), d.exportTime());
        if (plan.snapshot().isPresent() && !plan.snapshot().get().equals(p)) {
            throw new JobException(ErrorCode.USAGE_INVALID, "--backfill " + plan.snapshot().get().snapshotId() + " is not the backfill of export "
                    + arn + ", which is " + p.snapshotId() + "; leave --backfill out");
        }
        refuseAnotherRecorded(p, arn);
        return new Adopted(p, arn);
    }

    /** Records an adopted export once it is known good, so a failed, foreign or too old one leaves nothing behind. */
    private void recordAdopted(Adopted export, String tableArn) {
        ExportState state = new ExportState(export.arn(), tableArn, export.partition().snapshot());
        if (!records.writeIfUnchanged(keys.exportState(export.partition()), state, Optional.empty())) {
            refuseAnotherRecorded(export.partition(), export.arn());
        }
    }

    private void refuseAnotherRecorded(BackfillPartition p, String arn) {
        Optional<JsonStore.Stored<ExportState>> recorded = readState(p);
        if (recorded.isPresent() && !recorded.get().value().exportArn().equals(arn)) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "backfill " + p.snapshotId() + " already converts export "
                    + recorded.get().value().exportArn() + ", not " + arn + "; pass that --export-arn");
        }
    }

    /**
     * Without --export-arn: the export recorded for this backfill, or a new one as of the backfill's snapshot, recorded
     * at once. Several pods starting together pass the same ClientToken, so DynamoDB gives them one export
     * (idempotent for 8 hours, API_ExportTableToPointInTime); the conditional write keeps the first ARN for good.
     */
    private Adopted startOrResume(Plan plan, TableConfig table, String tableArn) {
        BackfillPartition p = plan.snapshot().orElseGet(() -> new BackfillPartition(table.name(),
                api.latestExportable(table.name())));
        Optional<JsonStore.Stored<ExportState>> recorded = readState(p);
        if (recorded.isEmpty()) {
            ExportApi.Destination to = new ExportApi.Destination(stageConfig.bucket(), keys.backfillExports(table.name()),
                    stageConfig.bucketOwner());
            ExportDescription d = api.startFull(table.name(), Optional.of(p.snapshot()), to, clientToken(p, ""));
            if (d.exportStatus() == ExportStatus.FAILED) {
                // The token still names the export that failed (DynamoDB keeps a token 8 hours): ask with a new one.
                log.printf("backfill %s: export %s FAILED before; starting a new one%n", p, d.exportArn());
                d = api.startFull(table.name(), Optional.of(p.snapshot()), to,
                        clientToken(p, "/" + clock.instant().toEpochMilli()));
            }
            ExportState state = new ExportState(d.exportArn(), tableArn, p.snapshot());
            if (records.writeIfUnchanged(keys.exportState(p), state, Optional.empty())) {
                log.printf("backfill %s: started export %s as of %s%n", p, d.exportArn(), p.snapshot());
                return new Adopted(p, d.exportArn());
            }
            recorded = readState(p);
        }
        ExportState s = recorded.orElseThrow().value();
        if (!s.tableArn().equals(tableArn)) {
            throw records.damaged(keys.exportState(p), "export record", "it names table " + s.tableArn(),
                    "delete the backfill folder and start a new backfill");
        }
        log.printf("backfill %s: adopting export %s, recorded by an earlier run%n", p, s.exportArn());
        api.adopt(s.exportArn(), tableArn, ExportType.FULL_EXPORT);
        return new Adopted(p, s.exportArn());
    }

    /**
     * Waits for the export. One that FAILED is forgotten, so nothing of it stays in the stage and a rerun of the same
     * backfill starts a new export (as of the same time) instead of adopting the failed one forever.
     */
    private ExportDescription awaitCompleted(Adopted export) {
        try {
            return api.awaitCompleted(export.arn());
        } catch (JobException e) {
            if (e.code() == ErrorCode.EXPORT_FAILED) {
                store.delete(keys.exportState(export.partition()));
            }
            throw e;
        }
    }

    /**
     * The same for every pod of one backfill, so DynamoDB gives them one export ("Providing a ClientToken makes the call
     * idempotent ... valid for 8 hours", API_ExportTableToPointInTime); hashed, as table names can be long.
     */
    private static String clientToken(BackfillPartition p, String attempt) {
        return "ddb2sf-" + StageStore.sha256((p.id() + attempt).getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 32);
    }

    private Optional<JsonStore.Stored<ExportState>> readState(BackfillPartition p) {
        return records.read(keys.exportState(p), ExportState.class, "export record",
                "delete it and rerun: the backfill then starts a new export");
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
