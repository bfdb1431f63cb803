package io.ddb2sf.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.backfill.SegmentState;
import io.ddb2sf.snowflake.ConnectionFactory;
import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.snowflake.SqlTemplate;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.JsonStore;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.Partition;
import io.ddb2sf.stage.StageStore;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Reads, for each table, the stage (checkpoint, manifests, backfill progress) and the ledger, and assesses them
 * with {@link TableStatus#assess}. Reads only: writes nothing anywhere, so it is safe at any time.
 */
public final class StatusJob {
    private final List<String> tables;
    private final String warehouseSchema;
    private final StageStore store;
    private final StageKeys keys;
    private final CheckpointStore checkpoints;
    private final ConnectionFactory warehouse;
    private final JsonStore records;
    private final Clock clock;

    /**
     * @param tables          the tables to report on
     * @param warehouseSchema database.schema of the ledger, for its error message
     */
    public StatusJob(List<String> tables, String warehouseSchema, StageStore store, StageKeys keys, CheckpointStore checkpoints,
                     ConnectionFactory warehouse, ObjectMapper json, Clock clock) {
        this.tables = List.copyOf(tables);
        this.warehouseSchema = warehouseSchema;
        this.store = store;
        this.keys = keys;
        this.checkpoints = checkpoints;
        this.warehouse = warehouse;
        this.records = new JsonStore(store, json);
        this.clock = clock;
    }

    public StatusReport run(Thresholds limits) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant since = now.minus(limits.lookback()).truncatedTo(ChronoUnit.HOURS); // any duration, on an hour
        Map<String, Map<String, Map<Ledger.Step, String>>> ledger = ledger(tables, since);
        List<TableStatus> statuses = new ArrayList<>();
        for (String table : tables) {
            TableFacts facts = new TableFacts(table, checkpoints.load(table).map(CheckpointStore.Loaded::checkpoint),
                    exportedHours(table, since), ledger.get(table), backfills(table));
            statuses.add(TableStatus.assess(facts, limits, now));
        }
        return StatusReport.of(now, limits, statuses);
    }

    /** Hours from {@code since} on that have a manifest: one listing from that hour's folder on (keys sort by time). */
    private List<TableFacts.Exported> exportedHours(String table, Instant since) {
        String first = keys.partitionPrefix(new HourPartition(table, since, since.plus(Duration.ofHours(1))));
        String startAfter = first.substring(0, first.length() - 1);
        List<TableFacts.Exported> out = new ArrayList<>();
        for (S3Object o : store.listAfter(keys.hoursPrefix(table), startAfter)) {
            Optional<Partition> p = keys.parseManifest(o.key());
            if (p.isPresent() && p.get() instanceof HourPartition hour && hour.table().equals(table)) {
                // The sha-256 of the bytes, as copy-load records it in the ledger (ManifestStore.loadRaw).
                store.get(o.key()).ifPresent(v -> out.add(new TableFacts.Exported(hour, StageStore.sha256(v.bytes()))));
            }
        }
        return out;
    }

    private List<TableFacts.Backfill> backfills(String table) {
        List<TableFacts.Backfill> out = new ArrayList<>();
        for (String folder : store.folders(keys.backfillsPrefix(table))) {
            Optional<Partition> parsed = keys.parseFolder(folder);
            if (parsed.isEmpty() || !(parsed.get() instanceof BackfillPartition p) || !p.table().equals(table)) {
                continue;
            }
            boolean manifest = store.get(keys.manifest(p)).isPresent();
            int done = 0;
            int total = 0;
            long items = 0;
            // The backfill's per-segment progress, as the backfill stores it.
            for (S3Object o : store.list(keys.segmentStates(p))) {
                SegmentState s = segment(o.key());
                done += s.done() ? 1 : 0;
                total = Math.max(total, s.totalSegments());
                items += s.items();
            }
            out.add(new TableFacts.Backfill(p, manifest, done, total, items));
        }
        return out;
    }

    private SegmentState segment(String key) {
        return records.read(key, SegmentState.class, "backfill state",
                "delete the backfill folder and start a new backfill").map(JsonStore.Stored::value)
                .orElseThrow(() -> new JobException(ErrorCode.STAGE_FAILED, "backfill state s3://" + store.bucket() + "/"
                        + key + " vanished while status read it; rerun status"));
    }

    /** Per table, the steps the ledger records per partition: hours from {@code since} on, and every backfill. */
    private Map<String, Map<String, Map<Ledger.Step, String>>> ledger(List<String> tables, Instant since) {
        Map<String, Map<String, Map<Ledger.Step, String>>> out = new HashMap<>();
        try (Connection c = warehouse.open();
             PreparedStatement ps = c.prepareStatement(SqlTemplate.load("ledger_status").render())) {
            for (String table : tables) {
                Map<String, Map<Ledger.Step, String>> steps = new HashMap<>();
                ps.setString(1, table);
                ps.setString(2, new HourPartition(table, since, since.plus(Duration.ofHours(1))).id());
                // Every hour id starts with "<table>/dt="; backfill ids ("<table>/backfill=...") sort before it.
                ps.setString(3, table + "/dt=");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        steps.computeIfAbsent(rs.getString(1), k -> new EnumMap<>(Ledger.Step.class))
                                .put(Ledger.Step.valueOf(rs.getString(2)), rs.getString(3));
                    }
                }
                out.put(table, steps);
            }
        } catch (SQLException e) {
            throw new JobException(ErrorCode.WAREHOUSE_FAILED, "cannot read the ledger DDB2SF_LEDGER in "
                    + warehouseSchema + ": " + JobException.firstLine(e)
                    + " (run ddb2sf migrate if it does not exist yet; check the Snowflake settings and the role's rights; then rerun status)", e);
        }
        return out;
    }
}
