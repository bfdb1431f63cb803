package io.ddb2sf.status;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * What {@code ddb2sf status} prints with {@code --json}: every table's status at one instant, and the exit code
 * monitoring acts on (the worst table's: 0 healthy, 3 at risk, 4 late).
 */
public record StatusReport(String job, Instant now, double maxCheckpointAgeHours, double maxUnmergedAgeHours,
                           double lookbackHours, TableStatus.Health health, int exitCode, List<TableStatus> tables) {

    public StatusReport {
        tables = List.copyOf(tables);
    }

    public static StatusReport of(Instant now, Thresholds limits, List<TableStatus> tables) {
        TableStatus.Health worst = tables.stream().map(TableStatus::health)
                .max(Comparator.naturalOrder()).orElse(TableStatus.Health.OK);
        return new StatusReport("status", now, hours(limits.maxCheckpointAge()), hours(limits.maxUnmergedAge()),
                hours(limits.lookback()), worst, worst.exitCode(), tables);
    }

    private static double hours(Duration d) {
        return TableStatus.hours(d);
    }
}
