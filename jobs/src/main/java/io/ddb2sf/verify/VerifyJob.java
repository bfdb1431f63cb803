package io.ddb2sf.verify;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.backfill.ReadBudget;
import io.ddb2sf.backfill.SegmentScan;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.KeySchema;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.snowflake.ConnectionFactory;
import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.ShardPosition;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * verify: reads the source through the backfill's budgeted {@link SegmentScan} (some segments, or all) and compares
 * every item with its analytics row ({@link ItemComparison}). What differs is drift unless it is in flight: the item
 * changed after what the analytics table holds, which shows as a change in the stream after the position the run
 * started from (before the oldest exported hour not merged yet, else the checkpoint) or as a landed change of a
 * partition the ledger does not record as merged (loaded, not merged).
 * Those are read only for the keys that differ, after the scan, so a run next to live traffic raises no false alarm.
 */
public final class VerifyJob {
    /** Keys listed per kind in the summary. */
    static final int EXAMPLES = 10;
    /** Differing keys kept for the in-flight check; beyond them the drift is plain without it. */
    static final int MAX_SUSPECTS = 100_000;
    /** How far back from the checkpoint verify looks for exported hours not merged yet (status's default lookback). */
    static final int UNMERGED_LOOKBACK_HOURS = 48;
    /** Keys per warehouse lookup: one Scan page holds at most 1,000 items (ReadBudget.pageLimit). */
    private static final int LOOKUP_BATCH = 1000;

    private final TableConfig table;
    private final DynamoDbClient dynamodb;
    private final StreamReader streams;
    private final CheckpointStore checkpoints;
    private final ManifestStore manifests;
    private final ConnectionFactory warehouse;
    private final Ledger ledger;
    private final Clock clock;
    private final PrintStream log;

    public VerifyJob(TableConfig table, DynamoDbClient dynamodb, StreamReader streams, CheckpointStore checkpoints,
                     ManifestStore manifests, ConnectionFactory warehouse, Ledger ledger, Clock clock, PrintStream log) {
        this.table = table;
        this.dynamodb = dynamodb;
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.manifests = manifests;
        this.warehouse = warehouse;
        this.ledger = ledger;
        this.clock = clock;
        this.log = log;
    }

    /** Which segments to read and how hard. */
    public record Plan(String table, List<Integer> segments, int totalSegments, OptionalDouble rcuBudget,
                       double capacityShare) {}

    private enum Kind { MISSING, EXTRA, DIFFERENT }

    private record Suspect(Kind kind, String key, String what) {}

    /** Where in the stream the changes the analytics table may lack begin. */
    private record StreamStart(String streamArn, Map<String, ShardPosition> shards) {}

    public VerifySummary run(Plan plan, ReadBudget.Sleeper sleeper) {
        Instant began = clock.instant();
        if (!plan.table().equals(table.name())) {
            throw new IllegalArgumentException("a plan of " + plan.table() + " for the verify of " + table.name());
        }
        TableDescription description = KeySchema.describe(dynamodb, table);
        ReadBudget budget = new ReadBudget(ReadBudget.unitsFor(plan.rcuBudget(), plan.capacityShare(), description),
                System::nanoTime, sleeper);
        SegmentScan scan = new SegmentScan(dynamodb, table.name(), plan.totalSegments(), 1, budget, sleeper,
                "rerun verify");
        // A key's parallel-scan segment is DynamoDB's business (a hash the API does not expose), so an analytics row
        // cannot be placed in or out of a sample; rows without an item are looked for only when every segment is read.
        // Re-reading every unscanned row instead would cost a full read of the table's keys, which a sample avoids.
        boolean whole = plan.segments().size() == plan.totalSegments();
        ItemComparison comparison = new ItemComparison(table);
        long[] counts = new long[2]; // compared, equal
        List<Suspect> suspects = new ArrayList<>();
        long[] unchecked = new long[Kind.values().length];
        log.printf("verify %s: segments %s of %d, %.0f RCU/s%s%n", table.name(), plan.segments(), plan.totalSegments(),
                budget.unitsPerSecond(), whole ? ", whole table (extra rows checked too)" : "");
        try (Connection c = warehouse.open()) {
            // Taken before the first page: every change the analytics table may lack is in the stream after it.
            Optional<StreamStart> start = streamStart(c, table);
            AnalyticsRows rows = new AnalyticsRows(c, table);
            if (whole) {
                rows.startSeen();
            }
            for (int segment : plan.segments()) {
                long before = counts[0];
                scan.scan(segment, null, (items, next, cost) -> {
                    Map<String, Map<String, AttributeValue>> byKey = new LinkedHashMap<>();
                    items.forEach(i -> byKey.put(TypedValues.keyText(table.keys(), i), i));
                    try {
                        Map<String, ItemComparison.Row> found = rows.find(byKey.keySet());
                        if (whole) {
                            rows.seen(byKey.keySet());
                        }
                        byKey.forEach((key, item) -> {
                            counts[0]++;
                            ItemComparison.Row row = found.get(key);
                            Optional<Suspect> s = row == null ? Optional.of(new Suspect(Kind.MISSING, key, "no row"))
                                    : row.deleted() ? Optional.of(new Suspect(Kind.MISSING, key, "the row is marked deleted"))
                                    : comparison.difference(item, row).map(what -> new Suspect(Kind.DIFFERENT, key, what));
                            s.ifPresentOrElse(x -> suspect(x, suspects, unchecked), () -> counts[1]++);
                        });
                    } catch (SQLException e) {
                        throw warehouseFailed(e);
                    }
                });
                log.printf("verify %s: segment %d: %,d items compared%n", table.name(), segment, counts[0] - before);
            }
            if (whole) {
                rows.unseen(key -> suspect(new Suspect(Kind.EXTRA, key, "no item in DynamoDB"), suspects, unchecked));
            }
            Map<String, String> inFlight = inFlight(table, start, clock.instant(), rows, suspects);
            return summary(plan, table, whole, counts, suspects, unchecked, inFlight, scan, began);
        } catch (SQLException e) {
            throw warehouseFailed(e);
        } catch (IOException e) {
            throw new JobException(ErrorCode.INTERNAL, "verify of " + table.name() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobException(ErrorCode.SOURCE_FAILED, "verify of " + table.name() + " interrupted; rerun it");
        }
    }

    private static void suspect(Suspect s, List<Suspect> suspects, long[] unchecked) {
        if (suspects.size() < MAX_SUSPECTS) {
            suspects.add(s);
        } else {
            unchecked[s.kind().ordinal()]++;
        }
    }

    /** The suspects that are in flight, with why. */
    private Map<String, String> inFlight(TableConfig table, Optional<StreamStart> start, Instant scanned,
                                         AnalyticsRows rows, List<Suspect> suspects) throws SQLException {
        Map<String, String> why = new HashMap<>();
        if (suspects.isEmpty()) {
            return why;
        }
        List<String> keys = suspects.stream().map(Suspect::key).toList();
        for (int i = 0; i < keys.size(); i += LOOKUP_BATCH) {
            rows.unmergedInLanding(keys.subList(i, Math.min(keys.size(), i + LOOKUP_BATCH)))
                    .forEach(k -> why.put(k, "a landed change is not merged yet"));
        }
        Set<String> wanted = Set.copyOf(keys);
        changedInStream(table, start, scanned, wanted).forEach(k -> why.putIfAbsent(k, "changed after the last exported hour"));
        return why;
    }

    /**
     * The wanted keys that have a stream record after {@code start} and before the scan ended: changes not merged
     * when the run started, or made while it scanned (later ones cannot explain what the scan saw, and reading up to
     * them would never end on a busy table). Shards the start does not place are read from their trim horizon, which
     * may call a key in flight that changed up to 24 hours before, never the other way round.
     */
    private Set<String> changedInStream(TableConfig table, Optional<StreamStart> start, Instant scanned,
                                        Set<String> wanted) {
        String arn = streams.streamArn(table);
        Map<String, ShardPosition> positions = start.filter(s -> arn.equals(s.streamArn()))
                .map(StreamStart::shards).orElse(Map.of());
        Set<String> changed = new java.util.HashSet<>();
        for (Shard shard : streams.shards(arn)) {
            ShardPosition at = positions.get(shard.shardId());
            if (at != null && at.finished()) {
                continue;
            }
            String ending = shard.sequenceNumberRange() == null ? null : shard.sequenceNumberRange().endingSequenceNumber();
            streams.read(arn, shard.shardId(), ending, at == null ? null : at.lastSequence(),
                    StreamReader.Limit.before(scanned), r -> {
                        String key = TypedValues.keyText(table.keys(), r.dynamodb().keys());
                        if (wanted.contains(key)) {
                            changed.add(key);
                        }
                    });
        }
        return changed;
    }

    /**
     * The positions before the oldest exported hour that is not merged yet (its manifest records where its read
     * began), else the checkpoint's: changes of hours exported but not loaded are in neither the analytics nor the
     * landing table, and would otherwise look like drift. Walks back from the checkpoint one hour at a time to the
     * newest merged hour, at most {@link #UNMERGED_LOOKBACK_HOURS}.
     */
    private Optional<StreamStart> streamStart(Connection c, TableConfig table) throws SQLException {
        Optional<Checkpoint> checkpoint = checkpoints.load(table.name()).map(CheckpointStore.Loaded::checkpoint);
        if (checkpoint.isEmpty()) {
            return Optional.empty();
        }
        StreamStart start = new StreamStart(checkpoint.get().streamArn(), checkpoint.get().shards());
        HourPartition hour = new HourPartition(table.name(), checkpoint.get().windowEnd().minus(Duration.ofHours(1)),
                checkpoint.get().windowEnd());
        for (int i = 0; i < UNMERGED_LOOKBACK_HOURS; i++) {
            if (ledger.steps(c, table.name(), hour.id()).of(Ledger.Step.MERGE).isPresent()) {
                break;
            }
            Optional<Manifest.Source> source = manifests.load(hour).map(Manifest::source)
                    .filter(s -> "stream".equals(s.kind()) && s.from() != null);
            if (source.isPresent()) {
                start = new StreamStart(source.get().streamArn(), source.get().from());
            }
            hour = new HourPartition(table.name(), hour.start().minus(Duration.ofHours(1)), hour.start());
        }
        if (start.shards() != checkpoint.get().shards()) {
            log.printf("verify %s: hours exported but not merged yet; changes count as in flight from before them%n",
                    table.name());
        }
        return Optional.of(start);
    }

    private VerifySummary summary(Plan plan, TableConfig table, boolean whole, long[] counts, List<Suspect> suspects,
                                  long[] unchecked, Map<String, String> inFlight, SegmentScan scan, Instant began) {
        long[] drift = unchecked.clone();
        List<List<VerifySummary.Example>> examples = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<VerifySummary.Example> flying = new ArrayList<>();
        long inFlightCount = 0;
        for (Suspect s : suspects) {
            String why = inFlight.get(s.key());
            if (why != null) {
                inFlightCount++;
                add(flying, s.key(), s.what() + " (" + why + ")");
            } else {
                drift[s.kind().ordinal()]++;
                add(examples.get(s.kind().ordinal()), s.key(), s.what());
            }
        }
        long millis = Duration.between(began, clock.instant()).toMillis();
        long total = drift[0] + drift[1] + drift[2];
        log.printf("verify %s: %,d compared, %,d equal, %,d missing, %,d extra, %,d different, %,d in flight%n",
                table.name(), counts[0], counts[1], drift[0], drift[1], drift[2], inFlightCount);
        return new VerifySummary("verify", table.name(), plan.segments(), plan.totalSegments(), whole, counts[0], counts[1],
                drift[0], drift[1], drift[2], inFlightCount, new VerifySummary.Examples(examples.get(0), examples.get(1),
                examples.get(2), flying), scan.consumedRcu(), scan.consumedRcu() / Math.max(1, millis / 1000.0),
                scan.unitsPerSecond(), scan.throttledPages(), total > 0, millis);
    }

    private static void add(List<VerifySummary.Example> list, String key, String what) {
        if (list.size() < EXAMPLES) {
            list.add(new VerifySummary.Example(key, what));
        }
    }

    private static JobException warehouseFailed(SQLException e) {
        return new JobException(ErrorCode.WAREHOUSE_FAILED, "verify could not read the analytics table: "
                + JobException.firstLine(e) + "; check the Snowflake connection and rerun verify", e);
    }
}
