package io.ddb2sf.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.Checkpoint;
import io.ddb2sf.stage.HourPartition;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The readable form: one aligned row per table, then what needs a look. */
class StatusTextTest {
    private static final Instant NOW = Instant.parse("2026-11-26T10:30:00Z");

    @Test
    void shouldPrintOneRowPerTableAndTheDetailsOfTablesThatNeedALook() {
        Instant old = Instant.parse("2026-11-25T15:00:00Z");
        HourPartition oldHour = new HourPartition("orders", old.minus(Duration.ofHours(1)), old);
        TableStatus risky = TableStatus.assess(new TableFacts("orders",
                Optional.of(new Checkpoint("arn", old, new TreeMap<>())),
                List.of(new TableFacts.Exported(oldHour, "sha")), Map.of(),
                List.of(new TableFacts.Backfill(new BackfillPartition("orders", NOW.minusSeconds(600)), false, 1, 4, 1234))),
                Thresholds.DEFAULT, NOW);
        TableStatus fine = TableStatus.assess(new TableFacts("customers",
                Optional.of(new Checkpoint("arn", Instant.parse("2026-11-26T10:00:00Z"), new TreeMap<>())),
                List.of(), Map.of(), List.of()), Thresholds.DEFAULT, NOW);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StatusText.print(StatusReport.of(NOW, Thresholds.DEFAULT, List.of(risky, fine)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

        assertThat(lines.get(0)).startsWith("TABLE      HEALTH   CHECKPOINT            AGE     HOURS LEFT");
        assertThat(lines.get(1)).startsWith("orders     AT_RISK  2026-11-25T15:00:00Z  19.5 h  4.5 h       2026-11-25 14h  not recorded");
        assertThat(lines.get(2)).startsWith("customers  OK       2026-11-26T10:00:00Z  0.5 h   23.5 h      -");
        assertThat(lines).contains("orders:",
                "  unmerged orders/dt=2026-11-25/hour=14  exported, not loaded, ended 19.5 h ago",
                "  backfill 20261126T102000Z  scanning, 1 of 4 segments done, 1,234 items");
        assertThat(lines).noneMatch(l -> l.equals("customers:"));
        assertThat(lines.get(lines.size() - 1)).startsWith("status at 2026-11-26T10:30:00Z: AT_RISK (exit 3)");
    }
}
