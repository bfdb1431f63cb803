package io.ddb2sf.backfill;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.ItemJson;
import io.ddb2sf.dynamodb.KeySchema;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.ChangeRow;
import io.ddb2sf.stage.ChangeRowSchema;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.PartWriter;
import io.ddb2sf.stage.ScratchDir;
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
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * backfill: every item of the table as SNAPSHOT change rows, by a parallel Scan that stays within a read-capacity
 * budget. Each segment checkpoints its position after each durable part, so a killed backfill resumes without
 * writing an item twice; the process that finds every segment done writes the manifest, and the partition then
 * loads and merges like any other.
 */
public final class BackfillJob {
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final PipelineConfig config;
    private final DynamoDbClient dynamodb;
    private final StreamReader streams;
    private final StageStore store;
    private final StageKeys keys;
    private final ManifestStore manifests;
    private final CheckpointStore checkpoints;
    private final ObjectMapper json;
    private final Clock clock;
    private final PrintStream log;

    public BackfillJob(PipelineConfig config, DynamoDbClient dynamodb, StreamReader streams, StageStore store,
                       ManifestStore manifests, CheckpointStore checkpoints, ObjectMapper json, Clock clock, PrintStream log) {
        this.config = config;
        this.dynamodb = dynamodb;
        this.streams = streams;
        this.store = store;
        this.keys = new StageKeys(config.stage().prefix());
        this.manifests = manifests;
        this.checkpoints = checkpoints;
        this.json = json;
        this.clock = clock;
        this.log = log;
    }

    /** What to scan and how hard. */
    public record Plan(BackfillPartition partition, List<Integer> segments, int totalSegments, int threads,
                       OptionalDouble rcuBudget, double capacityShare, boolean resetCheckpoint) {}

    public BackfillSummary run(Plan plan, ReadBudget.Sleeper sleeper) {
        Instant began = clock.instant();
        BackfillPartition p = plan.partition();
        TableConfig table = config.table(p.table());
        TableDescription description = KeySchema.describe(dynamodb, table);
        ReadBudget budget = new ReadBudget(ReadBudget.unitsFor(plan.rcuBudget(), plan.capacityShare(), description),
                System::nanoTime, sleeper);
        SegmentScan scan = new SegmentScan(dynamodb, table.name(), plan.totalSegments(), plan.threads(), budget, sleeper,
                "rerun with the same --snapshot to resume");
        ChangeRowSchema schema = new ChangeRowSchema(table);
        log.printf("backfill %s: segments %s of %d on %d threads, %.0f RCU/s; resume with --snapshot %s%n",
                p, plan.segments(), plan.totalSegments(), plan.threads(), budget.unitsPerSecond(), p.snapshotId());

        // Before the first page: every change made from here on is then in the stream the hourly exports read, however
        // long the scan takes (a checkpoint moved only at the end could point past records trimmed meanwhile).
        boolean reset = plan.resetCheckpoint() && resetCheckpoint(table, p);

        Map<Integer, AtomicLong> progress = new ConcurrentHashMap<>();
        ExecutorService workers = Executors.newFixedThreadPool(plan.threads());
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "backfill-progress");
            t.setDaemon(true);
            return t;
        });
        long expectedPerSegment = Math.max(1, description.itemCount() / plan.totalSegments());
        double[] lastConsumed = {0};
        reporter.scheduleAtFixedRate(() -> {
            double now = scan.consumedRcu();
            double rate = (now - lastConsumed[0]) / PROGRESS_EVERY.toSeconds();
            lastConsumed[0] = now;
            StringBuilder line = new StringBuilder(String.format("backfill %s: %.0f/%.0f RCU/s;", p, rate, budget.unitsPerSecond()));
            progress.forEach((seg, n) -> line.append(String.format(" seg %d: %,d items (~%d%%)", seg, n.get(),
                    Math.min(99, 100 * n.get() / expectedPerSegment))));
            log.println(line);
        }, PROGRESS_EVERY.toSeconds(), PROGRESS_EVERY.toSeconds(), TimeUnit.SECONDS);

        List<SegmentState> mine = new ArrayList<>();
        List<TypedValues.Counter> misfits = new ArrayList<>();
        try {
            List<Future<SegmentState>> futures = new ArrayList<>();
            for (int segment : plan.segments()) {
                progress.put(segment, new AtomicLong());
                TypedValues.Counter segmentMisfits = new TypedValues.Counter();
                misfits.add(segmentMisfits);
                futures.add(workers.submit(() -> scanSegment(table, schema, p, segment, plan, scan, progress.get(segment),
                        segmentMisfits)));
            }
            for (Future<SegmentState> f : futures) {
                mine.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobException(ErrorCode.SOURCE_FAILED, "backfill interrupted; rerun with --snapshot " + p.snapshotId());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof JobException je) {
                throw je;
            }
            throw new JobException(ErrorCode.INTERNAL, "backfill segment failed: " + e.getCause(), e.getCause());
        } finally {
            workers.shutdownNow();
            reporter.shutdownNow();
        }

        Optional<Manifest> manifest = writeManifestIfComplete(p, table, schema, plan.totalSegments());
        long items = mine.stream().mapToLong(SegmentState::items).sum();
        double rcu = mine.stream().mapToDouble(SegmentState::consumedRcu).sum();
        long seconds = Math.max(1, Duration.between(began, clock.instant()).toSeconds());
        List<Manifest.FileEntry> parts = mine.stream().flatMap(s -> s.parts().stream()).toList();
        return new BackfillSummary("backfill", p.id(), p.snapshotId(), plan.segments(), plan.totalSegments(), items,
                parts.size(), parts.stream().mapToLong(Manifest.FileEntry::size).sum(), rcu, scan.consumedRcu() / seconds,
                budget.unitsPerSecond(), scan.throttledPages(), misfits.stream().mapToLong(TypedValues.Counter::count).sum(),
                manifest.isPresent(), reset,
                Duration.between(began, clock.instant()).toMillis());
    }

    private SegmentState scanSegment(TableConfig table, ChangeRowSchema schema, BackfillPartition p, int segment, Plan plan,
                                     SegmentScan scan, AtomicLong progress, TypedValues.Counter misfits)
            throws IOException, InterruptedException {
        SegmentState initial = loadState(p, segment).orElse(SegmentState.start(segment, plan.totalSegments()));
        if (initial.totalSegments() != plan.totalSegments()) {
            throw new JobException(ErrorCode.CONFIG_INVALID, "backfill " + p.snapshotId() + " was started with "
                    + initial.totalSegments() + " segments; resume it with --total-segments " + initial.totalSegments());
        }
        progress.set(initial.items());
        if (initial.done()) {
            return initial;
        }
        String position = String.format("%04d", segment);
        SegmentState[] state = {initial};
        double[] rcu = {initial.consumedRcu()};
        try (ScratchDir tmp = ScratchDir.create("ddb2sf-backfill-" + segment + "-");
             PartWriter writer = new PartWriter(store, keys, schema, p, config.stage().partTargetBytes(),
                     config.stage().rowGroupBytes(), tmp.path(), initial.parts().size())) {
            scan.scan(segment, fromJson(initial.lastEvaluatedKey()), (items, next, cost) -> {
                rcu[0] += cost;
                for (Map<String, AttributeValue> item : items) {
                    writer.write(snapshotRow(table, p, item, misfits), position);
                    progress.incrementAndGet();
                }
                if (next == null) {
                    List<Manifest.FileEntry> parts = concat(initial.parts(), writer.finish());
                    state[0] = new SegmentState(segment, plan.totalSegments(), null, parts, rows(parts), rcu[0], true);
                    saveState(p, state[0]);
                } else if (writer.rollIfFull()) {
                    List<Manifest.FileEntry> parts = concat(initial.parts(), writer.written());
                    saveState(p, new SegmentState(segment, plan.totalSegments(), toJson(next), parts, rows(parts), rcu[0], false));
                }
            });
            return state[0];
        }
    }

    private ChangeRow snapshotRow(TableConfig table, BackfillPartition p, Map<String, AttributeValue> item,
                                  TypedValues.Counter misfits) {
        ItemJson.Documents docs = ItemJson.of(item);
        return new ChangeRow(TypedValues.keyText(table.keys(), item), TypedValues.of(table.typedColumns(), item, misfits),
                "SNAPSHOT", p.version(config.aws().streamTimestampPrecision()), "0".repeat(40), false, docs.item(), docs.types(), null, p.id());
    }

    private Optional<Manifest> writeManifestIfComplete(BackfillPartition p, TableConfig table, ChangeRowSchema schema,
                                                       int totalSegments) {
        List<Manifest.FileEntry> files = new ArrayList<>();
        for (int s = 0; s < totalSegments; s++) {
            Optional<SegmentState> state = loadState(p, s);
            if (state.isEmpty() || !state.get().done()) {
                log.printf("backfill %s: segment %d not done yet; the process that finishes last writes the manifest%n", p, s);
                return Optional.empty();
            }
            files.addAll(state.get().parts());
        }
        files.sort(Comparator.comparing(Manifest.FileEntry::key));
        long rows = rows(files);
        Instant version = p.version(config.aws().streamTimestampPrecision());
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, table.name(), p.id(), version, version,
                new Manifest.Source("scan", null, new TreeMap<>(), new TreeMap<>()), schema.fingerprint(), files,
                new Manifest.Totals(files.size(), rows, files.stream().mapToLong(Manifest.FileEntry::size).sum()),
                new Manifest.ChangeCounts(0, 0, 0, 0, 0, rows));
        manifests.write(p, m);
        log.printf("backfill %s: all %d segments done, manifest written (%,d items); next: copy-load and merge-apply"
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
    private boolean resetCheckpoint(TableConfig table, BackfillPartition p) {
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
            SortedMap<String, ShardPosition> shards = c.isPresent() && c.get().streamArn().equals(arn)
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

    private Optional<SegmentState> loadState(BackfillPartition p, int segment) {
        return store.get(stateKey(p, segment)).map(v -> {
            try {
                return json.readValue(v.bytes(), SegmentState.class);
            } catch (IOException e) {
                throw new JobException(ErrorCode.STAGE_INVALID, "backfill state " + stateKey(p, segment) + " is damaged ("
                        + JobException.firstLine(e) + "); delete the backfill folder and start a new backfill", e);
            }
        });
    }

    private void saveState(BackfillPartition p, SegmentState state) throws IOException {
        store.putBytes(stateKey(p, state.segment()), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
    }

    private static Map<String, Map<String, String>> toJson(Map<String, AttributeValue> key) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        key.forEach((name, v) -> out.put(name, v.s() != null ? Map.of("S", v.s())
                : v.n() != null ? Map.of("N", v.n())
                : Map.of("B", java.util.Base64.getEncoder().encodeToString(v.b().asByteArray()))));
        return out;
    }

    private static Map<String, AttributeValue> fromJson(Map<String, Map<String, String>> key) {
        if (key == null) {
            return null;
        }
        Map<String, AttributeValue> out = new HashMap<>();
        key.forEach((name, v) -> out.put(name, v.containsKey("S") ? AttributeValue.fromS(v.get("S"))
                : v.containsKey("N") ? AttributeValue.fromN(v.get("N"))
                : AttributeValue.fromB(SdkBytes.fromByteArray(java.util.Base64.getDecoder().decode(v.get("B"))))));
        return out;
    }

    private static List<Manifest.FileEntry> concat(List<Manifest.FileEntry> a, List<Manifest.FileEntry> b) {
        List<Manifest.FileEntry> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private static long rows(List<Manifest.FileEntry> parts) {
        return parts.stream().mapToLong(Manifest.FileEntry::rows).sum();
    }
}
