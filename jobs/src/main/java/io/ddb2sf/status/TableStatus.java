package io.ddb2sf.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.HourPartition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One table's health, derived from its {@link TableFacts} at one instant. Pure: the rules live in {@link #assess}.
 *
 * @param newestExported  start of the newest hour with a manifest (within the lookback)
 * @param newestValidated always "not recorded": stage-validate leaves no durable trace (copy-load checks the row
 *                        counts again, so a loaded hour was sound when it was loaded)
 * @param newestLoaded    start of the newest hour the ledger records as loaded
 * @param newestMerged    start of the newest hour the ledger records as merged
 * @param unmerged        exported hours not merged yet, oldest first
 * @param backfills       backfills not merged yet and how far they are
 * @param mergedThrough   the analytics table holds every exported change before this instant (see {@link #assess})
 * @param lagHours        now minus {@code mergedThrough}
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TableStatus(String table, Health health, List<String> problems, CheckpointStatus checkpoint,
                          Instant newestExported, String newestValidated, Instant newestLoaded, Instant newestMerged,
                          List<UnmergedHour> unmerged, List<BackfillStatus> backfills, Instant mergedThrough, Double lagHours) {

    /** Stream records are kept 24 hours (see {@link #assess}). */
    public static final Duration STREAM_RETENTION = Duration.ofHours(24);

    public TableStatus {
        problems = List.copyOf(problems);
        unmerged = List.copyOf(unmerged);
        backfills = List.copyOf(backfills);
    }

    /** Worst first; {@code status} exits with the code of the worst table. */
    public enum Health {
        OK(null), LATE(ErrorCode.MERGE_LATE), AT_RISK(ErrorCode.STREAM_AT_RISK);

        private final ErrorCode code;

        Health(ErrorCode code) {
            this.code = code;
        }

        public Optional<ErrorCode> code() {
            return Optional.ofNullable(code);
        }

        public int exitCode() {
            return code == null ? 0 : code.exitCode();
        }
    }

    /**
     * @param windowEnd    the next hour to export starts here
     * @param ageHours     now minus {@code windowEnd}
     * @param trimDeadline {@code windowEnd} plus 24 hours: from then on the stream may trim changes not yet exported
     * @param hoursLeft    until {@code trimDeadline}; zero or less means changes may already be lost
     */
    public record CheckpointStatus(Instant windowEnd, double ageHours, Instant trimDeadline, double hoursLeft) {}

    /**
     * @param state "exported" (not loaded), "loaded" (not merged), or "manifest-changed" (loaded from other manifest
     *              content than the stage holds now: copy-load will load it again); {@code ageHours}: since it ended
     */
    public record UnmergedHour(String partition, Instant start, String state, double ageHours) {}

    /** @param state "scanning", "scanned" (not loaded) or "loaded" (not merged) */
    public record BackfillStatus(String backfillId, String state, int segmentsDone, int totalSegments, long items) {}

    /**
     * The rules.
     *
     * <p><b>Hours left.</b> DynamoDB Streams keeps a stream record for 24 hours, after which it is subject to removal
     * ("stream records whose age exceeds this limit are subject to removal (trimming) from the stream": DynamoDB
     * Streams API, TrimmedDataAccessException; "stores this information in a log for up to 24 hours": Developer Guide,
     * "Change data capture for DynamoDB Streams"). Every change made before the checkpoint's {@code windowEnd} is
     * exported, so the oldest change not yet exported was made at or after {@code windowEnd}; the stream may trim it
     * from {@code windowEnd + 24 h} on. Hours left = {@code windowEnd + 24 h - now}: the time the exports have to
     * catch up before a gap (DDB2SF-1001) is possible. A checkpoint older than {@code maxCheckpointAge} puts the
     * table at risk, and so does a missing one (nothing of the stream is being kept).
     *
     * <p><b>Lag.</b> {@code mergedThrough} is the start of the oldest exported hour that is not merged, or, when
     * every exported hour is merged, the end of the newest one: the analytics table then holds every change made
     * before that instant (hours are exported in order), so {@code lag = now - mergedThrough} is how far the
     * analytics table is behind the source. A merged later hour does not shorten the lag while an earlier one waits.
     * Only hours within the lookback count; with none, lag is unknown (null).
     *
     * <p><b>Late.</b> An exported hour that is not merged {@code maxUnmergedAge} after it ended makes the table late.
     */
    public static TableStatus assess(TableFacts facts, Thresholds limits, Instant now) {
        List<String> problems = new ArrayList<>();
        Health health = Health.OK;

        CheckpointStatus checkpoint = facts.checkpoint().map(c -> checkpointStatus(c, now)).orElse(null);
        if (checkpoint == null) {
            health = Health.AT_RISK;
            problems.add(facts.table() + " has no stream checkpoint: nothing was exported yet, and the stream keeps changes"
                    + " only 24 h; run export-increment for the last hour (first run), or backfill --table " + facts.table()
                    + " --reset-checkpoint");
        } else if (Duration.between(checkpoint.windowEnd(), now).compareTo(limits.maxCheckpointAge()) > 0) {
            health = Health.AT_RISK;
            // Hours read from incremental exports do not depend on the stream's 24 h, only on point-in-time recovery.
            boolean exports = facts.checkpoint().get().fromIncrementalExport();
            problems.add(exports
                    ? String.format("%s: checkpoint is %.1f h old (source: incremental-export); export the hours from %s on"
                            + " while point-in-time recovery still holds them", facts.table(), checkpoint.ageHours(),
                            checkpoint.windowEnd())
                    : checkpoint.hoursLeft() > 0
                    ? String.format("%s: checkpoint is %.1f h old, %.1f h left before the stream may trim changes not yet"
                            + " exported (at %s); export the hours from %s on now", facts.table(), checkpoint.ageHours(),
                            checkpoint.hoursLeft(), checkpoint.trimDeadline(), checkpoint.windowEnd())
                    : String.format("%s: checkpoint is %.1f h old, past the stream's 24 h retention: changes from %s on may be"
                            + " trimmed; run export-increment for the hour starting there, and if it fails with DDB2SF-1001,"
                            + " backfill --table %s --reset-checkpoint", facts.table(), checkpoint.ageHours(),
                            checkpoint.windowEnd(), facts.table()));
        }

        List<TableFacts.Exported> exported = facts.exportedHours().stream()
                .sorted(Comparator.comparing(e -> e.hour().start())).toList();
        List<HourPartition> hours = exported.stream().map(TableFacts.Exported::hour).toList();
        List<UnmergedHour> unmerged = new ArrayList<>();
        Instant mergedThrough = hours.isEmpty() ? null : hours.get(hours.size() - 1).end();
        Instant newestLoaded = null;
        Instant newestMerged = null;
        for (TableFacts.Exported e : exported) {
            HourPartition h = e.hour();
            Map<Ledger.Step, String> steps = facts.ledger().getOrDefault(h.id(), Map.of());
            // A step counts only for the manifest content it applied: a manifest changed since (re-exported) is
            // loaded again by the next copy-load, which also forgets the merge.
            boolean loaded = e.manifestSha256().equals(steps.get(Ledger.Step.LOAD));
            boolean merged = loaded && e.manifestSha256().equals(steps.get(Ledger.Step.MERGE));
            if (loaded) {
                newestLoaded = h.start();
            }
            if (merged) {
                newestMerged = h.start();
                continue;
            }
            if (unmerged.isEmpty()) {
                mergedThrough = h.start();
            }
            String state = loaded ? "loaded" : steps.containsKey(Ledger.Step.LOAD) ? "manifest-changed" : "exported";
            unmerged.add(new UnmergedHour(h.id(), h.start(), state, hours(Duration.between(h.end(), now))));
        }
        List<UnmergedHour> overdue = unmerged.stream()
                .filter(u -> Duration.between(u.start().plus(Duration.ofHours(1)), now).compareTo(limits.maxUnmergedAge()) > 0)
                .toList();
        if (!overdue.isEmpty()) {
            health = health == Health.AT_RISK ? health : Health.LATE;
            problems.add(String.format("%s: %d exported hour(s) not merged %s after they ended, oldest %s (%s): run copy-load"
                    + " and merge-apply for them", facts.table(), overdue.size(), human(limits.maxUnmergedAge()),
                    overdue.get(0).start(), overdue.get(0).state()));
        }

        List<BackfillStatus> backfills = facts.backfills().stream()
                .map(b -> backfillStatus(b, facts.ledger().getOrDefault(b.partition().id(), Map.of()).keySet()))
                .flatMap(Optional::stream)
                .toList();

        return new TableStatus(facts.table(), health, problems, checkpoint,
                hours.isEmpty() ? null : hours.get(hours.size() - 1).start(), "not recorded", newestLoaded, newestMerged,
                unmerged, backfills, mergedThrough, mergedThrough == null ? null : hours(Duration.between(mergedThrough, now)));
    }

    private static CheckpointStatus checkpointStatus(Checkpoint c, Instant now) {
        Instant deadline = c.windowEnd().plus(STREAM_RETENTION);
        // Rounded down, so a table is never reported with more time than it has.
        double left = Math.floor(Duration.between(now, deadline).toSeconds() / 360.0) / 10.0;
        return new CheckpointStatus(c.windowEnd(), hours(Duration.between(c.windowEnd(), now)), deadline, left);
    }

    private static Optional<BackfillStatus> backfillStatus(TableFacts.Backfill b, Set<Ledger.Step> steps) {
        if (steps.contains(Ledger.Step.MERGE)) {
            return Optional.empty();
        }
        String state = steps.contains(Ledger.Step.LOAD) ? "loaded" : b.manifest() ? "scanned" : "scanning";
        return Optional.of(new BackfillStatus(b.partition().snapshotId(), state, b.segmentsDone(), b.totalSegments(), b.items()));
    }

    static double hours(Duration d) {
        return Math.round(d.toSeconds() / 360.0) / 10.0;
    }

    static String human(Duration d) {
        return d.toMinutes() % 60 == 0 ? d.toHours() + " h" : d.toMinutes() + " min";
    }
}
