package io.ddb2sf.backfill;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.ddbexport.ExportRows;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.ChangeRowSchema;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.ColumnsRecord;
import io.ddb2sf.stage.JsonStore;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.PartFormat;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.ShardPosition;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Shard;

/**
 * What every backfill route (scan, export) shares once it has rows: the snapshot row of an item, the per-unit states
 * that make it resumable (a scan segment, an export data file), the manifest written by whichever process finishes
 * last, and the one-time restart of the stream checkpoint.
 */
final class BackfillStage {
    private final Duration streamTimestampPrecision;
    private final StreamReader streams;
    private final StageStore store;
    private final StageKeys keys;
    private final ManifestStore manifests;
    private final CheckpointStore checkpoints;
    private final JsonStore records;
    private final ColumnsRecord columnsRecord;
    private final Clock clock;
    private final PrintStream log;

    BackfillStage(Duration streamTimestampPrecision, StreamReader streams, StageStore store, StageKeys keys,
                  ManifestStore manifests, CheckpointStore checkpoints, ObjectMapper json, Clock clock, PrintStream log) {
        this.streamTimestampPrecision = streamTimestampPrecision;
        this.streams = streams;
        this.store = store;
        this.keys = keys;
        this.manifests = manifests;
        this.checkpoints = checkpoints;
        this.records = new JsonStore(store, json);
        this.columnsRecord = new ColumnsRecord(records, keys, log);
        this.clock = clock;
        this.log = log;
    }

    /**
     * The record version every part of a backfill of a {@code columns: auto} table is written with: the first
     * process of the backfill pins the version it reads, and every other process and every resumed run takes the
     * pinned one, so all parts of the partition have one schema, however the record grows meanwhile. {@code null}:
     * not a {@code columns: auto} table.
     */
    public record ColumnsPin(int version) {}

    /** {@code table} as configured, resolved at the version this backfill writes with (pinned on first use). */
    ColumnsRecord.Resolved columns(TableConfig table, BackfillPartition p) {
        if (table.auto() == null) {
            return new ColumnsRecord.Resolved(table, 0);
        }
        Optional<JsonStore.Stored<ColumnsPin>> pinned = readPin(p);
        if (pinned.isEmpty()) {
            ColumnsRecord.Resolved now = columnsRecord.resolve(table);
            // Create only (If-None-Match): of two processes starting at once, the first pin stays.
            if (records.writeIfUnchanged(keys.backfillColumns(p), new ColumnsPin(now.version()), Optional.empty())) {
                log.printf("backfill %s: writes the automatic columns of record version %d%n", p, now.version());
                return now;
            }
            pinned = readPin(p);
        }
        int version = pinned.orElseThrow().value().version();
        return columnsRecord.resolveAt(table, version);
    }

    private Optional<JsonStore.Stored<ColumnsPin>> readPin(BackfillPartition p) {
        return records.read(keys.backfillColumns(p), ColumnsPin.class, "backfill columns version",
                "delete the backfill folder and start a new backfill");
    }

    /**
     * Records the attributes a unit (segment, data file) saw that have no column yet. Called before the unit's state
     * records its position or its end: a resumed run does not read those rows again, so what they brought must be in
     * the columns record first.
     */
    void propose(TableConfig table, ColumnsRecord.Discovery seen) {
        if (!seen.isEmpty()) {
            columnsRecord.propose(table, seen);
        }
    }

    /** The converter of items to snapshot rows of this backfill: one for the scan and the export routes alike. */
    ExportRows snapshotRows(TableConfig table, BackfillPartition p) {
        return ExportRows.snapshot(table, p.id(), p.version(streamTimestampPrecision));
    }

    /**
     * Writes the manifest when every unit (scan segment, export data file) of the backfill is done; the process that
     * finishes last does, whichever it is.
     *
     * @param source what the rows came from ("scan", "export"), recorded in the manifest
     * @param unit   what a state stands for, for the log ("segment", "data file")
     */
    Optional<Manifest> writeManifestIfComplete(BackfillPartition p, ColumnsRecord.Resolved columns, ChangeRowSchema schema,
                                               int totalSegments, String source, String unit) {
        TableConfig table = columns.table();
        List<Manifest.FileEntry> files = new ArrayList<>();
        List<PartFormat> formats = new ArrayList<>();
        for (int s = 0; s < totalSegments; s++) {
            Optional<SegmentState> state = loadState(p, s);
            if (state.isEmpty() || !state.get().done()) {
                log.printf("backfill %s: " + unit + " %d not done yet; the process that finishes last writes the manifest%n", p, s);
                return Optional.empty();
            }
            files.addAll(state.get().parts());
            formats.add(state.get().format());
        }
        files.sort(Comparator.comparing(Manifest.FileEntry::key));
        long rows = rows(files);
        Instant version = p.version(streamTimestampPrecision);
        // The manifest names the parts' format: the oldest of its units' (a backfill resumed across an upgrade has
        // both). Read from the units' states, so a retry of a finished backfill writes the same manifest.
        int format = formats.stream().mapToInt(PartFormat::version).min().orElse(PartFormat.CURRENT.version());
        Manifest m = new Manifest(format, table.name(), p.id(), version, version,
                new Manifest.Source(source, null, new TreeMap<>(), new TreeMap<>()), schema.fingerprint(), files,
                new Manifest.Totals(files.size(), rows, files.stream().mapToLong(Manifest.FileEntry::size).sum()),
                new Manifest.ChangeCounts(0, 0, 0, 0, 0, rows), table.auto() == null ? null : columns.version());
        manifests.write(p, m);
        log.printf("backfill %s: all %d " + unit + "s done, manifest written (%,d items); next: copy-load and merge-apply"
                + " --backfill %s%n", p, totalSegments, rows, p.snapshotId());
        return Optional.of(m);
    }

    /**
     * Restarts the stream checkpoint for this backfill, once: later runs of the same backfill (a resumed scan, an
     * Airflow retry, the other pods of a multi-pod backfill) find its id in the checkpoint and leave it alone, so no
     * hour is exported twice. The hour stays, so the failed hour simply reruns. What restarts at the trim horizon is only
     * what must: every shard of a new stream; in the same stream, the shards whose position was trimmed or whose
     * parent is gone. Shards still readable from their position keep it (re-reading them would land changes twice).
     *
     * @return whether this run moved the checkpoint
     */
    boolean resetCheckpoint(TableConfig table, BackfillPartition p) {
        String arn = streams.streamArn(table);
        for (int attempt = 0; ; attempt++) {
            Optional<CheckpointStore.Loaded> current = checkpoints.load(table.name());
            Optional<Checkpoint> c = current.map(CheckpointStore.Loaded::checkpoint);
            if (c.isPresent() && resetByThisOrLater(c.get(), p)) {
                log.printf("backfill %s: the stream checkpoint of %s was already restarted by backfill %s; left as it is%n",
                        p, table.name(), c.get().resetBy());
                return false;
            }
            Instant windowEnd = c.map(Checkpoint::windowEnd).orElse(clock.instant().truncatedTo(ChronoUnit.HOURS));
            SortedMap<String, ShardPosition> shards = c.isPresent() && arn.equals(c.get().streamArn())
                    ? readablePositions(arn, c.get().shards()) : new TreeMap<>();
            try {
                checkpoints.advance(table.name(), new Checkpoint(arn, windowEnd, shards, p.snapshotId()), current);
            } catch (JobException e) {
                // Another process of this backfill may have restarted it first: that is the same restart.
                if (e.code() == ErrorCode.CHECKPOINT_CONFLICT && attempt == 0) {
                    continue;
                }
                throw e;
            }
            log.printf("backfill %s: stream checkpoint of %s restarted (%s); the next export is the hour starting %s%n",
                    p, table.name(), shards.isEmpty() ? "every shard from the trim horizon" : "trimmed shards from the trim"
                            + " horizon, readable ones from their position", windowEnd);
            return true;
        }
    }

    /** Whether this backfill (or a newer one) already restarted the table's stream checkpoint. */
    boolean checkpointRestartedBy(TableConfig table, BackfillPartition p) {
        return checkpoints.load(table.name()).map(CheckpointStore.Loaded::checkpoint)
                .filter(c -> resetByThisOrLater(c, p)).isPresent();
    }

    /** A backfill is newer than another when its scan started later; ids sort like their instants. */
    private static boolean resetByThisOrLater(Checkpoint c, BackfillPartition p) {
        return c.resetBy() != null && BackfillPartition.parse(p.table(), c.resetBy()).snapshot().compareTo(p.snapshot()) >= 0;
    }

    /**
     * The positions of the same stream that are still valid, plus an explicit trim-horizon start for every live shard
     * the export could no longer place (its position was trimmed, or its parent is gone and was never finished).
     */
    private SortedMap<String, ShardPosition> readablePositions(String arn, SortedMap<String, ShardPosition> old) {
        Map<String, Shard> live = new HashMap<>();
        streams.shards(arn).forEach(s -> live.put(s.shardId(), s));
        SortedMap<String, ShardPosition> kept = new TreeMap<>();
        old.forEach((id, pos) -> {
            if (pos.finished()) {
                kept.put(id, pos);
            } else if (live.containsKey(id)) {
                boolean readable = pos.lastSequence() == null || streams.readableAfter(arn, id, pos.lastSequence());
                kept.put(id, readable ? pos : new ShardPosition(null, null, false));
            }
        });
        for (Shard s : live.values()) {
            String parent = s.parentShardId();
            boolean placed = kept.containsKey(s.shardId()) || parent == null || live.containsKey(parent)
                    || kept.containsKey(parent);
            if (!placed) {
                kept.put(s.shardId(), new ShardPosition(null, null, false));
            }
        }
        return kept;
    }

    private String stateKey(BackfillPartition p, int segment) {
        return keys.segmentState(p, segment);
    }

    Optional<SegmentState> loadState(BackfillPartition p, int segment) {
        return records.read(stateKey(p, segment), SegmentState.class, "backfill state",
                "delete the backfill folder and start a new backfill").map(JsonStore.Stored::value);
    }

    void saveState(BackfillPartition p, SegmentState state) {
        records.write(stateKey(p, state.segment()), state);
    }

    static List<Manifest.FileEntry> concat(List<Manifest.FileEntry> a, List<Manifest.FileEntry> b) {
        List<Manifest.FileEntry> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    static long rows(List<Manifest.FileEntry> parts) {
        return parts.stream().mapToLong(Manifest.FileEntry::rows).sum();
    }
}
