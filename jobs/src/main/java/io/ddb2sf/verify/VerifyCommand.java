package io.ddb2sf.verify;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.cli.JobRunner;
import io.ddb2sf.cli.TableOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compares the source table (a sample of scan segments, or all of it) with its analytics table within"
                + " a read-capacity budget. Exit 0 when they agree, 5 when they drifted; changes still in flight are"
                + " reported, not counted as drift.")
public final class VerifyCommand implements Callable<Integer> {
    @Mixin
    TableOptions options;

    @Option(names = "--total-segments", paramLabel = "<n>", defaultValue = "1",
            description = "Parallel Scan segments the table is divided into (default: ${DEFAULT-VALUE}).")
    int totalSegments;

    @Option(names = "--sample-segments", paramLabel = "<k>",
            description = "Read k segments (spread evenly: 0, n/k, 2n/k, ...) of the n, e.g. 1 of 100 for a 1 % sample"
                    + " (default: all n, which also finds rows the source no longer has).")
    Integer sampleSegments;

    @Option(names = "--segment", split = ",", paramLabel = "<i>",
            description = "Exactly these segments, e.g. 3,17 (instead of --sample-segments).")
    List<Integer> segments;

    @Option(names = "--rcu-budget", paramLabel = "<RCU/s>",
            description = "Read capacity verify may consume per second (required for on-demand tables).")
    Double rcuBudget;

    @Option(names = "--capacity-share", paramLabel = "<0..1>", defaultValue = "0.1",
            description = "Share of the table's provisioned read capacity, when no --rcu-budget (default: ${DEFAULT-VALUE}).")
    double capacityShare;

    @Override
    public Integer call() {
        if (totalSegments < 1 || totalSegments > 1_000_000) {
            throw usage("--total-segments must be from 1 to 1000000");
        }
        if (sampleSegments != null && segments != null) {
            throw usage("give --sample-segments or --segment, not both");
        }
        if (sampleSegments != null && (sampleSegments < 1 || sampleSegments > totalSegments)) {
            throw usage("--sample-segments must be from 1 to --total-segments (" + totalSegments + ")");
        }
        List<Integer> mine = segments != null ? new ArrayList<>(segments)
                : sampleSegments != null ? spread(sampleSegments, totalSegments)
                : IntStream.range(0, totalSegments).boxed().toList();
        if (mine.isEmpty() || mine.stream().anyMatch(s -> s < 0 || s >= totalSegments) || mine.stream().distinct().count() != mine.size()) {
            throw usage("--segment must list distinct segments from 0 to " + (totalSegments - 1));
        }
        if (rcuBudget != null && rcuBudget <= 0 || capacityShare <= 0 || capacityShare > 1) {
            throw usage("--rcu-budget must be positive and --capacity-share in (0, 1]");
        }
        VerifyJob.Plan plan = new VerifyJob.Plan(options.table, List.copyOf(mine), totalSegments,
                rcuBudget == null ? OptionalDouble.empty() : OptionalDouble.of(rcuBudget), capacityShare);
        return JobRunner.run(options.config, options.table, wiring -> wiring.verifyJob().run(plan,
                nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000))));
    }

    /** k segments spread over n: every (n/k)-th, so a daily sample is the same ranges unless the options change. */
    static List<Integer> spread(int k, int n) {
        return IntStream.range(0, k).map(i -> (int) ((long) i * n / k)).boxed().toList();
    }

    private static JobException usage(String message) {
        return new JobException(ErrorCode.USAGE_INVALID, message);
    }
}
