package io.ddb2sf.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.Partition;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The health rules of {@code status}, at a fixed instant. */
class TableStatusTest {
    private static final Instant NOW = Instant.parse("2026-11-26T10:30:00Z");
    private static final Thresholds LIMITS = Thresholds.DEFAULT;

    private static HourPartition hour(int hoursBeforeTen) {
        Instant start = Instant.parse("2026-11-26T10:00:00Z").minus(Duration.ofHours(hoursBeforeTen));
        return new HourPartition("orders", start, start.plus(Duration.ofHours(1)));
    }

    private static Optional<Checkpoint> checkpointAt(Instant windowEnd) {
        return Optional.of(new Checkpoint("arn:stream", windowEnd, new TreeMap<>()));
    }

    /** Every hour's manifest has the content "sha-of-<id>". */
    private static TableFacts facts(Optional<Checkpoint> checkpoint, List<HourPartition> hours,
                                    Map<String, Map<Ledger.Step, String>> ledger, List<TableFacts.Backfill> backfills) {
        return new TableFacts("orders", checkpoint, hours.stream().map(h -> new TableFacts.Exported(h, sha(h))).toList(),
                ledger, backfills);
    }

    private static String sha(Partition p) {
        return "sha-of-" + p.id();
    }

    private static Map<String, Map<Ledger.Step, String>> merged(HourPartition... hours) {
        Map<String, Map<Ledger.Step, String>> ledger = new HashMap<>();
        for (HourPartition h : hours) {
            ledger.put(h.id(), Map.of(Ledger.Step.LOAD, sha(h), Ledger.Step.MERGE, sha(h)));
        }
        return ledger;
    }

    @Test
    void shouldBeHealthyWhenEveryExportedHourIsMergedAndTheCheckpointIsRecent() {
        TableStatus s = TableStatus.assess(facts(checkpointAt(hour(0).start()), List.of(hour(2), hour(1)),
                merged(hour(2), hour(1)), List.of()), LIMITS, NOW);

        assertThat(s.health()).isEqualTo(TableStatus.Health.OK);
        assertThat(s.problems()).isEmpty();
        assertThat(s.checkpoint().ageHours()).isEqualTo(0.5);
        assertThat(s.checkpoint().hoursLeft()).isEqualTo(23.5);
        assertThat(s.checkpoint().trimDeadline()).isEqualTo(Instant.parse("2026-11-27T10:00:00Z"));
        assertThat(s.newestExported()).isEqualTo(hour(1).start());
        assertThat(s.newestMerged()).isEqualTo(hour(1).start());
        assertThat(s.newestValidated()).isEqualTo("not recorded");
        assertThat(s.unmerged()).isEmpty();
        assertThat(s.mergedThrough()).isEqualTo(hour(0).start());
        assertThat(s.lagHours()).isEqualTo(0.5);
    }

    @Test
    void shouldPutATableAtRiskWithTheHoursLeftWhenTheCheckpointIsOlderThanTheThreshold() {
        Instant windowEnd = NOW.minus(Duration.ofHours(19)).minus(Duration.ofMinutes(20));
        TableStatus s = TableStatus.assess(facts(checkpointAt(windowEnd), List.of(), Map.of(), List.of()), LIMITS, NOW);

        assertThat(s.health()).isEqualTo(TableStatus.Health.AT_RISK);
        assertThat(s.health().exitCode()).isEqualTo(3);
        assertThat(s.checkpoint().ageHours()).isEqualTo(19.3);
        assertThat(s.checkpoint().hoursLeft()).isEqualTo(4.6); // 4 h 40 min, rounded down
        assertThat(s.problems()).singleElement().asString()
                .contains("19.3 h old", "4.6 h left", "export the hours from " + windowEnd);
    }

    @Test
    void shouldKeepATableHealthyWhileItsCheckpointIsYoungerThanTheThreshold() {
        Instant windowEnd = NOW.minus(Duration.ofHours(11)).minus(Duration.ofMinutes(59));
        TableStatus s = TableStatus.assess(facts(checkpointAt(windowEnd), List.of(), Map.of(), List.of()), LIMITS, NOW);

        assertThat(s.health()).isEqualTo(TableStatus.Health.OK);
        assertThat(s.checkpoint().hoursLeft()).isEqualTo(12.0);
    }

    @Test
    void shouldSayWhenTheCheckpointIsPastTheStreamsRetention() {
        TableStatus s = TableStatus.assess(facts(checkpointAt(NOW.minus(Duration.ofHours(25))), List.of(), Map.of(), List.of()),
                LIMITS, NOW);

        assertThat(s.health()).isEqualTo(TableStatus.Health.AT_RISK);
        assertThat(s.checkpoint().hoursLeft()).isEqualTo(-1.0);
        assertThat(s.problems()).singleElement().asString().contains("past the stream's 24 h retention", "--reset-checkpoint");
    }

    @Test
    void shouldNotJudgeAnIncrementalExportCheckpointByTheStreamsRetention() {
        Optional<Checkpoint> exported = Optional.of(Checkpoint.afterIncrementalExport(NOW.minus(Duration.ofHours(25)), null));
        TableStatus s = TableStatus.assess(facts(exported, List.of(), Map.of(), List.of()), LIMITS, NOW);

        assertThat(s.health()).isEqualTo(TableStatus.Health.AT_RISK);
        assertThat(s.problems()).singleElement().asString().contains("source: incremental-export",
                "while point-in-time recovery still holds them").doesNotContain("24 h retention", "--reset-checkpoint");
    }

    @Test
    void shouldPutATableWithoutCheckpointAtRisk() {
        TableStatus s = TableStatus.assess(facts(Optional.empty(), List.of(), Map.of(), List.of()), LIMITS, NOW);

        assertThat(s.health()).isEqualTo(TableStatus.Health.AT_RISK);
        assertThat(s.checkpoint()).isNull();
        assertThat(s.lagHours()).isNull();
    }

    @Test
    void shouldListHoursExportedButNotMergedAndCountTheLagFromTheOldest() {
        Map<String, Map<Ledger.Step, String>> ledger = merged(hour(3), hour(1));
        ledger.put(hour(2).id(), Map.of(Ledger.Step.LOAD, sha(hour(2))));
        TableStatus s = TableStatus.assess(facts(checkpointAt(hour(0).start()), List.of(hour(3), hour(2), hour(1), hour(0)),
                ledger, List.of()), LIMITS, NOW);

        assertThat(s.unmerged()).extracting(TableStatus.UnmergedHour::partition, TableStatus.UnmergedHour::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(hour(2).id(), "loaded"),
                        org.assertj.core.groups.Tuple.tuple(hour(0).id(), "exported"));
        assertThat(s.unmerged().get(0).ageHours()).isEqualTo(1.5);
        // hour(1) is merged, but hour(2) is not: the analytics table is complete only up to hour(2)'s start.
        assertThat(s.newestMerged()).isEqualTo(hour(1).start());
        assertThat(s.newestLoaded()).isEqualTo(hour(1).start());
        assertThat(s.mergedThrough()).isEqualTo(hour(2).start());
        assertThat(s.lagHours()).isEqualTo(2.5);
        assertThat(s.health()).isEqualTo(TableStatus.Health.OK); // 1.5 h since it ended < 3 h
    }

    @Test
    void shouldNotCountAnHourAsLoadedOrMergedFromAManifestItNoLongerHas() {
        Map<String, Map<Ledger.Step, String>> ledger = merged(hour(2));
        ledger.put(hour(1).id(), Map.of(Ledger.Step.LOAD, "sha-of-an-older-manifest", Ledger.Step.MERGE, "sha-of-an-older-manifest"));
        TableStatus s = TableStatus.assess(facts(checkpointAt(hour(0).start()), List.of(hour(2), hour(1)), ledger, List.of()),
                LIMITS, NOW);

        assertThat(s.unmerged()).singleElement().satisfies(u -> {
            assertThat(u.partition()).isEqualTo(hour(1).id());
            assertThat(u.state()).isEqualTo("manifest-changed");
        });
        assertThat(s.newestLoaded()).isEqualTo(hour(2).start());
        assertThat(s.newestMerged()).isEqualTo(hour(2).start());
        assertThat(s.mergedThrough()).isEqualTo(hour(1).start());
    }

    @Test
    void shouldCallATableLateWhenAnHourStaysUnmergedLongerThanTheThreshold() {
        // hour(4) ended 3.5 h ago, hour(3) 2.5 h ago: only the first is overdue.
        TableStatus s = TableStatus.assess(facts(checkpointAt(hour(0).start()), List.of(hour(4), hour(3), hour(2), hour(1)),
                merged(hour(2), hour(1)), List.of()), LIMITS, NOW);

        assertThat(s.health()).isEqualTo(TableStatus.Health.LATE);
        assertThat(s.health().exitCode()).isEqualTo(4);
        assertThat(s.unmerged()).hasSize(2);
        assertThat(s.problems()).singleElement().asString()
                .contains("1 exported hour(s) not merged 3 h after they ended", hour(4).start().toString(), "copy-load");
    }

    @Test
    void shouldReportAtRiskOverLateWhenBothHold() {
        TableStatus s = TableStatus.assess(facts(checkpointAt(NOW.minus(Duration.ofHours(13))), List.of(hour(20)), Map.of(),
                List.of()), LIMITS, NOW);

        assertThat(s.health()).isEqualTo(TableStatus.Health.AT_RISK);
        assertThat(s.problems()).hasSize(2);
    }

    @Test
    void shouldShowBackfillsUntilTheyAreMerged() {
        BackfillPartition scanning = new BackfillPartition("orders", Instant.parse("2026-11-26T09:15:00Z"));
        BackfillPartition scanned = new BackfillPartition("orders", Instant.parse("2026-11-25T09:15:00Z"));
        BackfillPartition done = new BackfillPartition("orders", Instant.parse("2026-11-24T09:15:00Z"));
        Map<String, Map<Ledger.Step, String>> ledger = merged(hour(1));
        ledger.put(done.id(), Map.of(Ledger.Step.LOAD, sha(done), Ledger.Step.MERGE, sha(done)));
        TableStatus s = TableStatus.assess(facts(checkpointAt(hour(0).start()), List.of(hour(1)), ledger, List.of(
                new TableFacts.Backfill(scanning, false, 3, 8, 1200),
                new TableFacts.Backfill(scanned, true, 8, 8, 5000),
                new TableFacts.Backfill(done, true, 8, 8, 5000))), LIMITS, NOW);

        assertThat(s.backfills()).extracting(TableStatus.BackfillStatus::backfillId, TableStatus.BackfillStatus::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("20261126T091500Z", "scanning"),
                        org.assertj.core.groups.Tuple.tuple("20261125T091500Z", "scanned"));
        assertThat(s.backfills().get(0).segmentsDone()).isEqualTo(3);
        assertThat(s.health()).isEqualTo(TableStatus.Health.OK);
    }

    @Test
    void shouldExitWithTheWorstTablesCode() {
        TableStatus ok = TableStatus.assess(facts(checkpointAt(hour(0).start()), List.of(), Map.of(), List.of()), LIMITS, NOW);
        TableStatus late = TableStatus.assess(facts(checkpointAt(hour(0).start()), List.of(hour(5)), Map.of(), List.of()),
                LIMITS, NOW);
        TableStatus risky = TableStatus.assess(facts(Optional.empty(), List.of(), Map.of(), List.of()), LIMITS, NOW);

        assertThat(StatusReport.of(NOW, LIMITS, List.of(ok)).exitCode()).isZero();
        assertThat(StatusReport.of(NOW, LIMITS, List.of(ok, late)).exitCode()).isEqualTo(4);
        assertThat(StatusReport.of(NOW, LIMITS, List.of(late, risky, ok)).exitCode()).isEqualTo(3);
    }
}
