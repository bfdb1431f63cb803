package io.ddb2sf.cli;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.backfill.SegmentScan;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.IntStream;
import picocli.CommandLine.Option;

/** How a command reads the table through {@link SegmentScan}: which segments and within what budget (backfill, verify). */
public final class ScanOptions {
    @Option(names = "--total-segments", paramLabel = "<n>", defaultValue = "8",
            description = "Parallel Scan segments the table is divided into (default: ${DEFAULT-VALUE}).")
    public int totalSegments;

    @Option(names = "--segment", split = ",", paramLabel = "<i>",
            description = "The segments this process scans, e.g. 0,1,2,3 (default: all).")
    List<Integer> segments;

    @Option(names = "--rcu-budget", paramLabel = "<RCU/s>",
            description = "Read capacity this process may consume per second (required for on-demand tables).")
    Double rcuBudget;

    @Option(names = "--capacity-share", paramLabel = "<0..1>", defaultValue = "0.25",
            description = "Share of the table's provisioned read capacity, when no --rcu-budget (default: ${DEFAULT-VALUE}).")
    public double capacityShare;

    /** Whether --segment was given. */
    public boolean segmentsGiven() {
        return segments != null;
    }

    /** The segments to scan: the ones given, else {@code fallback}, checked against --total-segments. */
    public List<Integer> segments(List<Integer> fallback) {
        if (totalSegments < 1 || totalSegments > 1_000_000) {
            throw usage("--total-segments must be from 1 to 1000000");
        }
        List<Integer> mine = segments != null ? new ArrayList<>(segments)
                : fallback != null ? fallback : IntStream.range(0, totalSegments).boxed().toList();
        if (mine.isEmpty() || mine.stream().anyMatch(s -> s < 0 || s >= totalSegments) || mine.stream().distinct().count() != mine.size()) {
            throw usage("--segment must list distinct segments from 0 to " + (totalSegments - 1));
        }
        return List.copyOf(mine);
    }

    public OptionalDouble rcuBudget() {
        if (rcuBudget != null && rcuBudget <= 0 || capacityShare <= 0 || capacityShare > 1) {
            throw usage("--rcu-budget must be positive and --capacity-share in (0, 1]");
        }
        return rcuBudget == null ? OptionalDouble.empty() : OptionalDouble.of(rcuBudget);
    }

    public static JobException usage(String message) {
        return new JobException(ErrorCode.USAGE_INVALID, message);
    }
}
