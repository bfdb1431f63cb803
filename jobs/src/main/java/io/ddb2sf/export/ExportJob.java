package io.ddb2sf.export;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.Json;
import io.ddb2sf.JobException;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.stage.ChangeRowSchema;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.ColumnsRecord;
import io.ddb2sf.stage.JsonStore;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.PartFormat;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.PartWriter;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.ScratchDir;
import io.ddb2sf.stage.ShardPosition;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.services.dynamodb.model.Shard;

/**
 * export-increment: the stream's changes of one hour into Parquet parts and a manifest, then the checkpoint.
 *
 * <p>A new partition starts at the checkpoint and takes every record whose event time is before the window's end
 * (records older than the window that were not exported yet come along, counted as late; nothing is skipped).
 * A rerun of a partition that has a manifest reads exactly the positions that manifest recorded, so it writes the
 * same objects byte for byte. Shards are read at the same time (a child after its parent), and their rows written
 * one shard after the other in a fixed order, so the objects do not depend on which read ends first.
 */
public final class ExportJob {
    /**
     * How many shards are read at once. Most shards of an hourly export are idle, and an idle open shard's read is
     * its tip check: empty pages for stream.openShardIdleWait, four polls a second, no CPU. So the pool is sized for
     * waiting, not for cores: the tip checks of up to 32 shards overlap, and memory stays bounded by one page of
     * converted rows per reader ({@link ShardFeed#CAPACITY}). Each shard still has one reader, ddb2sf, of the two a
     * shard allows.
     */
    static final int SHARD_READERS = 32;

    private final TableConfig table;
    private final PipelineConfig.Stage stage;
    private final StreamReader reader;
    private final StageStore store;
    private final StageKeys keys;
    private final CheckpointStore checkpoints;
    private final ManifestStore manifests;
    private final Clock clock;
    private final PrintStream log;
    private final int shardReaders;
    private final Optional<IncrementalExportSource> incremental;
    private final ColumnsRecord columnsRecord;

    /**
     * @param columnsRecord where a {@code columns: auto} table's columns are recorded (stage/ColumnsRecord)
     * @param incremental   the incremental-export source, which a table with {@code source: incremental-export} needs
     */
    public ExportJob(TableConfig table, PipelineConfig.Stage stage, StreamReader reader, StageStore store,
                     CheckpointStore checkpoints, ManifestStore manifests, ColumnsRecord columnsRecord,
                     Optional<IncrementalExportSource> incremental, Clock clock, PrintStream log) {
        this(table, stage, reader, store, checkpoints, manifests, columnsRecord, incremental, clock, log, SHARD_READERS);
    }

    /** With the number of shards read at once. */
    ExportJob(TableConfig table, PipelineConfig.Stage stage, StreamReader reader, StageStore store,
              CheckpointStore checkpoints, ManifestStore manifests, ColumnsRecord columnsRecord,
              Optional<IncrementalExportSource> incremental, Clock clock, PrintStream log, int shardReaders) {
        this.columnsRecord = columnsRecord;
        this.incremental = incremental;
        this.shardReaders = shardReaders;
        this.table = table;
        this.stage = stage;
        this.reader = reader;
        this.store = store;
        this.keys = new StageKeys(stage.prefix());
        this.checkpoints = checkpoints;
        this.manifests = manifests;
        this.clock = clock;
        this.log = log;
    }

    /** The same job, recording the automatic columns of a {@code columns: auto} table through {@code columnsRecord}. */
    public ExportJob withColumnsRecord(ColumnsRecord columnsRecord) {
        return new ExportJob(table, stage, reader, store, checkpoints, manifests, columnsRecord, incremental, clock, log,
                shardReaders);
    }

    public ExportSummary run(HourPartition p) {
        Instant began = clock.instant();
        // A columns: auto table is written with the automatic columns recorded now; the ones this hour adds are
        // recorded before its manifest, so any load of the partition finds them (and the MERGE takes their values
        // from _ITEM, as for any partition staged before a column existed). A rerun writes with the version its
        // manifest recorded (none: the columns declared), so it writes the same bytes.
        Optional<Manifest> previous = manifests.load(p);
        ColumnsRecord.Resolved resolved = previous.isPresent()
                ? columnsRecord.resolveAt(this.table, Optional.ofNullable(previous.get().columnsVersion()).orElse(0))
                : columnsRecord.resolve(this.table);
        Integer columnsVersion = previous.isPresent() ? previous.get().columnsVersion()
                : this.table.auto() == null ? null : resolved.version();
        TableConfig table = resolved.table();
        Optional<CheckpointStore.Loaded> checkpoint = checkpoints.load(table.name());
        if (IncrementalExportSource.exports(table, previous)) {
            return incremental.orElseThrow(() -> new IllegalStateException("no incremental-export source wired"))
                    .run(table, columnsVersion, columnsRecord, p, previous, checkpoint);
        }
        String arn = reader.streamArn(table);

        Plan plan = previous.map(m -> rerunPlan(p, m, arn)).orElseGet(() -> newPlan(p, arn, checkpoint));
        if (p.end().isAfter(clock.instant())) {
            log.printf("warning: window %s has not ended; changes after now go to the next partition%n", p);
        }
        log.printf("export %s: %s from %s%n", p, plan.mode, plan.from.isEmpty() ? "the stream's trim horizon" : "the checkpoint");

        ChangeRowSchema schema = new ChangeRowSchema(table);
        // As for the columns, a rerun encodes its parts as its manifest recorded.
        PartFormat format = PartFormat.of(previous);
        ColumnsRecord.Discovery discovery = ColumnsRecord.Discovery.of(table);
        Counts counts = new Counts();
        long misfits = 0;
        SortedMap<String, ShardPosition> to = new TreeMap<>();
        List<Manifest.FileEntry> files;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(shardReaders, plan.shards.size())),
                ExportJob::readerThread);
        try (ScratchDir tmp = ScratchDir.create("ddb2sf-export-");
             PartWriter writer = new PartWriter(store, keys, schema, format, p, stage.partTargetBytes(),
                     stage.rowGroupBytes(), tmp.path())) {
            // Every shard is read on the pool, submitted in plan order (parents first), a child only after its parent
            // finished; the rows are written here, one shard after the other in that same order, so the parts and
            // the manifest are the same bytes whatever order the reads end in.
            Map<String, ShardFeed> feeds = new LinkedHashMap<>();
            for (ShardPlan shard : plan.shards) {
                ShardFeed parent = shard.parent == null ? null : feeds.get(shard.parent);
                ShardFeed feed = new ShardFeed();
                feeds.put(shard.id, feed);
                pool.execute(() -> feed.run(() -> readShard(table, p, arn, plan, shard,
                        parent == null ? null : parent.position(), feed)));
            }
            for (ShardPlan shard : plan.shards) {
                ShardFeed feed = feeds.get(shard.id);
                for (ShardFeed.Row row = feed.take(); row != ShardFeed.END; row = feed.take()) {
                    counts.count(row.op(), row.ttl(), row.late());
                    discovery.see(row.row());
                    writer.write(row.row(), row.sequence());
                    writer.rollIfFull();
                    if (counts.rows % 100_000 == 0) {
                        log.printf("export %s: %,d changes so far%n", p, counts.rows);
                    }
                }
                to.put(shard.id, feed.position());
                misfits += feed.misfits();
            }
            files = writer.finish();
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot write a Parquet part locally: " + e.getMessage()
                    + " (check free space under java.io.tmpdir), then rerun the partition", e);
        } finally {
            pool.shutdownNow();
        }

        long rows = files.stream().mapToLong(Manifest.FileEntry::rows).sum();
        long bytes = files.stream().mapToLong(Manifest.FileEntry::size).sum();
        Manifest manifest = new Manifest(format.version(), table.name(), p.id(), p.start(), p.end(),
                new Manifest.Source("stream", arn, new TreeMap<>(plan.from), to),
                schema.fingerprint(), files, new Manifest.Totals(files.size(), rows, bytes),
                new Manifest.ChangeCounts(counts.inserts, counts.modifies, counts.removes, counts.ttlRemoves, counts.late, 0),
                columnsVersion);
        columnsRecord.propose(table, discovery);
        manifests.write(p, manifest);
        advanceCheckpoint(p, arn, to, checkpoint);

        return new ExportSummary("export-increment", p.id(), plan.mode, rows, counts.inserts, counts.modifies,
                counts.removes, counts.ttlRemoves, counts.late, misfits, files.size(), bytes,
                Duration.between(began, clock.instant()).toMillis(), keys.manifest(p), to);
    }

    /**
     * Reads one shard within the plan into its feed (on a reader thread) and returns the position to record for it.
     * {@code parent}: the position recorded for its parent in this run, null when the parent is not in the plan.
     */
    private ShardPosition readShard(TableConfig table, HourPartition p, String arn, Plan plan, ShardPlan shard,
                                    ShardPosition parent, ShardFeed feed) {
        ShardPosition from = plan.from.getOrDefault(shard.id, new ShardPosition(shard.parent, null, false));
        boolean parentPending = parent != null && !parent.finished();
        if (from.finished() || parentPending || shard.limit == null) {
            return plan.rerun ? plan.expected.get(shard.id) : from;
        }
        StreamReader.ShardRead read;
        String partitionId = p.id(); // formatted once, not per record
        try {
            read = reader.read(arn, shard.id, shard.ending, from.lastSequence(), shard.limit, r -> feed.put(new ShardFeed.Row(
                    StreamChangeRows.of(table, partitionId, r, feed.misfitCounter()), r.dynamodb().sequenceNumber(),
                    r.eventNameAsString(), StreamChangeRows.isTtl(r),
                    r.dynamodb().approximateCreationDateTime().isBefore(p.start()))));
        } catch (JobException e) {
            if (e.code() != ErrorCode.STREAM_GAP || plan.rerun) {
                throw e;
            }
            throw gap(table, p, e.getMessage());
        }
        if (plan.rerun && !java.util.Objects.equals(read.lastSequence(), plan.expected.get(shard.id).lastSequence())) {
            throw new JobException(ErrorCode.STREAM_GAP, "rerun of " + p + " could not re-read shard " + shard.id
                    + " through sequence " + plan.expected.get(shard.id).lastSequence() + " (stopped at "
                    + read.lastSequence() + "); the staged files are kept: run stage-validate, and if they are"
                    + " damaged, backfill: " + backfillCommand(table));
        }
        return plan.rerun ? plan.expected.get(shard.id) : new ShardPosition(shard.parent, read.lastSequence(), read.finished());
    }

    private static Thread readerThread(Runnable r) {
        Thread t = new Thread(r, "shard-reader");
        t.setDaemon(true);
        return t;
    }

    private Plan newPlan(HourPartition p, String arn, Optional<CheckpointStore.Loaded> loaded) {
        Map<String, ShardPosition> from = new TreeMap<>();
        if (loaded.isPresent()) {
            Checkpoint c = loaded.get().checkpoint();
            if (!c.fromIncrementalExport() && !c.streamArn().equals(arn)) {
                throw new JobException(ErrorCode.STREAM_REPLACED, "the stream of " + table.name() + " was replaced ("
                        + c.streamArn() + " -> " + arn + "): changes made while no stream ran are missing. " + recovery(table, p));
            }
            if (c.windowEnd().isBefore(p.start())) {
                throw new JobException(ErrorCode.CHECKPOINT_ORDER, "partitions of " + table.name() + " are exported in order;"
                        + " the checkpoint is at " + c.windowEnd() + ", so export " + new HourPartition(table.name(), c.windowEnd(),
                        c.windowEnd().plus(Duration.ofHours(1))) + " first");
            }
            if (c.windowEnd().isAfter(p.start())) {
                throw new JobException(ErrorCode.CHECKPOINT_ORDER, "partition " + p + " has no manifest but the checkpoint of "
                        + table.name() + " is already at " + c.windowEnd() + ": its changes were exported with a later"
                        + " partition. Nothing to redo; if the manifest was deleted by mistake, backfill: " + backfillCommand(table));
            }
            // Back from incremental exports: no positions, the stream starts again where they ended.
            from.putAll(c.fromIncrementalExport() ? new StreamRestart(reader, clock, log).positions(table, arn, p, c.windowEnd())
                    : c.shards());
        }
        List<Shard> shards = reader.shards(arn);
        Set<String> live = new HashSet<>();
        shards.forEach(s -> live.add(s.shardId()));
        for (Map.Entry<String, ShardPosition> e : from.entrySet()) {
            if (!e.getValue().finished() && !live.contains(e.getKey())) {
                throw gap(table, p, "shard " + e.getKey() + " was trimmed before it was read to its end");
            }
        }
        List<ShardPlan> plans = new ArrayList<>();
        for (Shard s : shards) {
            String parent = s.parentShardId();
            boolean parentKnown = parent != null && (live.contains(parent) || from.containsKey(parent));
            if (!from.isEmpty() && !from.containsKey(s.shardId()) && parent != null && !parentKnown) {
                throw gap(table, p, "shard " + s.shardId() + " descends from " + parent + ", which was never read and is gone");
            }
            String ending = s.sequenceNumberRange() == null ? null : s.sequenceNumberRange().endingSequenceNumber();
            plans.add(new ShardPlan(s.shardId(), parentKnown ? parent : null, StreamReader.Limit.before(p.end()), ending));
        }
        // Finished shards no longer in the stream need no further record.
        from.entrySet().removeIf(e -> e.getValue().finished() && !live.contains(e.getKey()));
        return new Plan("new", false, from, Map.of(), parentsFirst(plans));
    }

    private Plan rerunPlan(HourPartition p, Manifest m, String arn) {
        if (!m.source().streamArn().equals(arn)) {
            throw new JobException(ErrorCode.STREAM_REPLACED, "partition " + p + " was exported from stream "
                    + m.source().streamArn() + ", which the table no longer has; its staged files are kept as they are");
        }
        List<ShardPlan> plans = new ArrayList<>();
        for (Map.Entry<String, ShardPosition> e : m.source().to().entrySet()) {
            ShardPosition from = m.source().from().get(e.getKey());
            String last = e.getValue().lastSequence();
            boolean moved = last != null && (from == null || !last.equals(from.lastSequence()));
            plans.add(new ShardPlan(e.getKey(), e.getValue().parent(), moved ? StreamReader.Limit.through(last) : null, null));
        }
        return new Plan("rerun", true, m.source().from(), m.source().to(), parentsFirst(plans));
    }

    private void advanceCheckpoint(HourPartition p, String arn, SortedMap<String, ShardPosition> to,
                                   Optional<CheckpointStore.Loaded> loaded) {
        Optional<Instant> at = loaded.map(l -> l.checkpoint().windowEnd());
        // A rerun of an older partition leaves a newer checkpoint alone; one that follows a crash after the manifest
        // was written (checkpoint still at the window's start, or absent) completes the step that was missed.
        if (at.isPresent() && !at.get().equals(p.start())) {
            return;
        }
        String resetBy = loaded.map(l -> l.checkpoint().resetBy()).orElse(null);
        checkpoints.advance(p.table(), new Checkpoint(arn, p.end(), to, resetBy), loaded);
    }

    private JobException gap(TableConfig table, HourPartition p, String what) {
        return new JobException(ErrorCode.STREAM_GAP, "stream gap in " + table.name() + ": " + what
                + "; changes are missing. " + recovery(table, p) + ". Or, if point-in-time recovery is on, close the gap"
                + " without a backfill: set source: incremental-export for " + table.name() + ", rerun this hour and the"
                + " later ones, and set source: stream again once they are within the last 23 hours");
    }

    /**
     * The exact steps that close a gap or follow a replaced stream: the backfill restarts the stream checkpoint when it
     * starts (once, however often it is rerun), its complete snapshot is a full refresh, and the failed hour then reruns.
     */
    static String recovery(TableConfig table, HourPartition p) {
        String t = " --table " + table.name();
        return "Run: ddb2sf backfill" + t + " --reset-checkpoint; then stage-validate, copy-load and merge-apply" + t
                + " --backfill <id from its summary>; then rerun this hour (--start " + p.start() + " --end " + p.end() + ")";
    }

    static String backfillCommand(TableConfig table) {
        return "ddb2sf backfill --table " + table.name() + " --reset-checkpoint";
    }

    /** Parents before children, then by shard id, so every run orders the same shards the same way. */
    private static List<ShardPlan> parentsFirst(List<ShardPlan> shards) {
        Map<String, ShardPlan> byId = new TreeMap<>();
        shards.forEach(s -> byId.put(s.id, s));
        List<ShardPlan> ordered = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        List<ShardPlan> pending = new ArrayList<>(byId.values());
        pending.sort(Comparator.comparing(s -> s.id));
        while (!pending.isEmpty()) {
            boolean progressed = false;
            for (var it = pending.iterator(); it.hasNext(); ) {
                ShardPlan s = it.next();
                if (s.parent == null || !byId.containsKey(s.parent) || placed.contains(s.parent)) {
                    ordered.add(s);
                    placed.add(s.id);
                    it.remove();
                    progressed = true;
                }
            }
            if (!progressed) {
                throw new IllegalStateException("shard lineage has a cycle: " + pending);
            }
        }
        return ordered;
    }

    /** {@code ending}: the shard's EndingSequenceNumber when DescribeStream showed it closed, else null. */
    private record ShardPlan(String id, String parent, StreamReader.Limit limit, String ending) {}

    private record Plan(String mode, boolean rerun, Map<String, ShardPosition> from,
                        Map<String, ShardPosition> expected, List<ShardPlan> shards) {}

    private static final class Counts {
        long rows;
        long inserts;
        long modifies;
        long removes;
        long ttlRemoves;
        long late;

        void count(String op, boolean ttl, boolean late) {
            rows++;
            switch (op) {
                case "INSERT" -> inserts++;
                case "MODIFY" -> modifies++;
                case "REMOVE" -> {
                    removes++;
                    if (ttl) {
                        ttlRemoves++;
                    }
                }
                default -> throw new JobException(ErrorCode.SOURCE_FAILED, "unknown stream event " + op);
            }
            if (late) {
                this.late++;
            }
        }
    }
}
