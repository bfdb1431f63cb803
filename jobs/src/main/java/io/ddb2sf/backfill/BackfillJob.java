package io.ddb2sf.backfill;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.ddbexport.ExportLine;
import io.ddb2sf.ddbexport.ExportRows;
import io.ddb2sf.dynamodb.KeySchema;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.ChangeRow;
import io.ddb2sf.stage.ChangeRowSchema;
import io.ddb2sf.stage.ColumnsRecord;
import io.ddb2sf.stage.CheckpointStore;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
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
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * backfill: every item of the table as SNAPSHOT change rows, by a parallel Scan that stays within a read-capacity
 * budget. Each segment checkpoints its position after each durable part, so a killed backfill resumes without
 * writing an item twice; the process that finds every segment done writes the manifest, and the partition then
 * loads and merges like any other.
 */
public final class BackfillJob {
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final TableConfig table;
    private final PipelineConfig.Stage stageConfig;
    private final DynamoDbClient dynamodb;
    private final StageStore store;
    private final StageKeys keys;
    private final BackfillStage stage;
    private final Clock clock;
    private final PrintStream log;

    /** @param streamTimestampPrecision aws.streamTimestampPrecision: dates the snapshot's rows */
    public BackfillJob(TableConfig table, PipelineConfig.Stage stageConfig, Duration streamTimestampPrecision,
                       DynamoDbClient dynamodb, StreamReader streams, StageStore store, ManifestStore manifests,
                       CheckpointStore checkpoints, ObjectMapper json, Clock clock, PrintStream log) {
        this.table = table;
        this.stageConfig = stageConfig;
        this.dynamodb = dynamodb;
        this.store = store;
        this.keys = new StageKeys(stageConfig.prefix());
        this.stage = new BackfillStage(streamTimestampPrecision, streams, store, keys, manifests, checkpoints, json, clock, log);
        this.clock = clock;
        this.log = log;
    }

    /** What to scan and how hard. */
    public record Plan(BackfillPartition partition, List<Integer> segments, int totalSegments, int threads,
                       OptionalDouble rcuBudget, double capacityShare, boolean resetCheckpoint) {}

    public BackfillSummary run(Plan plan, ReadBudget.Sleeper sleeper) {
        Instant began = clock.instant();
        BackfillPartition p = plan.partition();
        p.requireTable(table);
        TableDescription description = KeySchema.describe(dynamodb, table);
        ReadBudget budget = new ReadBudget(ReadBudget.unitsFor(plan.rcuBudget(), plan.capacityShare(), description),
                System::nanoTime, sleeper);
        SegmentScan scan = new SegmentScan(dynamodb, table.name(), plan.totalSegments(), plan.threads(), budget, sleeper,
                "rerun with the same --backfill to resume");
        // Every process of the backfill writes with the same automatic columns (columns: auto), whatever the record
        // holds by the time it starts.
        ColumnsRecord.Resolved columns = stage.columns(this.table, p);
        TableConfig table = columns.table();
        ChangeRowSchema schema = new ChangeRowSchema(table);
        log.printf("backfill %s: segments %s of %d on %d threads, %.0f RCU/s; resume with --backfill %s%n",
                p, plan.segments(), plan.totalSegments(), plan.threads(), budget.unitsPerSecond(), p.snapshotId());

        // Before the first page: every change made from here on is then in the stream the hourly exports read, however
        // long the scan takes (a checkpoint moved only at the end could point past records trimmed meanwhile).
        boolean reset = plan.resetCheckpoint() && stage.resetCheckpoint(table, p);

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
            throw new JobException(ErrorCode.SOURCE_FAILED, "backfill interrupted; rerun with --backfill " + p.snapshotId());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof JobException je) {
                throw je;
            }
            throw new JobException(ErrorCode.INTERNAL, "backfill segment failed: " + e.getCause(), e.getCause());
        } finally {
            workers.shutdownNow();
            reporter.shutdownNow();
        }

        Optional<Manifest> manifest = stage.writeManifestIfComplete(p, columns, schema, plan.totalSegments(), "scan",
                "segment");
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
        SegmentState initial = stage.loadState(p, segment).orElse(SegmentState.start(segment, plan.totalSegments()));
        if (initial.totalSegments() != plan.totalSegments()) {
            throw new JobException(ErrorCode.CONFIG_INVALID, "backfill " + p.snapshotId() + " was started with "
                    + initial.totalSegments() + " segments; resume it with --total-segments " + initial.totalSegments());
        }
        progress.set(initial.items());
        if (initial.done()) {
            return initial;
        }
        String position = String.format("%04d", segment);
        ExportRows snapshotRows = stage.snapshotRows(table, p);
        SegmentState[] state = {initial};
        double[] rcu = {initial.consumedRcu()};
        ColumnsRecord.Discovery discovery = ColumnsRecord.Discovery.of(table);
        try (ScratchDir tmp = ScratchDir.create("ddb2sf-backfill-" + segment + "-");
             PartWriter writer = new PartWriter(store, keys, schema, initial.format(), p, stageConfig.partTargetBytes(),
                     stageConfig.rowGroupBytes(), tmp.path(), initial.parts().size())) {
            scan.scan(segment, fromJson(initial.lastEvaluatedKey()), (items, next, cost) -> {
                rcu[0] += cost;
                for (Map<String, AttributeValue> item : items) {
                    ChangeRow row = snapshotRows.of(ExportLine.full(item), misfits);
                    discovery.see(row);
                    writer.write(row, position);
                    progress.incrementAndGet();
                }
                if (next == null) {
                    List<Manifest.FileEntry> parts = BackfillStage.concat(initial.parts(), writer.finish());
                    state[0] = new SegmentState(segment, plan.totalSegments(), null, parts, BackfillStage.rows(parts), rcu[0], true,
                            initial.format().version());
                    stage.propose(table, discovery);
                    stage.saveState(p, state[0]);
                } else if (writer.rollIfFull()) {
                    List<Manifest.FileEntry> parts = BackfillStage.concat(initial.parts(), writer.written());
                    stage.propose(table, discovery);
                    stage.saveState(p, new SegmentState(segment, plan.totalSegments(), toJson(next), parts, BackfillStage.rows(parts),
                            rcu[0], false, initial.format().version()));
                }
            });
            return state[0];
        }
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
}
