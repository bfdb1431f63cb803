package io.ddb2sf.cli;

import io.ddb2sf.verify.VerifyJob;
import java.util.List;
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

    @Mixin
    ScanOptions scan;

    @Option(names = "--sample-segments", paramLabel = "<k>",
            description = "Read k of the --total-segments, spread evenly (0, n/k, 2n/k, ...), e.g. 1 of 100 for a 1 %%"
                    + " sample (default: all, which also finds rows the source no longer has).")
    Integer sampleSegments;

    @Override
    public Integer call() {
        int total = scan.totalSegments;
        if (sampleSegments != null && scan.segmentsGiven()) {
            throw ScanOptions.usage("give --sample-segments or --segment, not both");
        }
        if (sampleSegments != null && (sampleSegments < 1 || sampleSegments > total)) {
            throw ScanOptions.usage("--sample-segments must be from 1 to --total-segments (" + total + ")");
        }
        VerifyJob.Plan plan = new VerifyJob.Plan(options.table, scan.segments(sampleSegments == null ? null
                : spread(sampleSegments, total)), total, scan.rcuBudget(), scan.capacityShare);
        return JobRunner.run(options.config, options.table, (wiring, t) -> wiring.verifyJob(t).run(plan,
                nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000))));
    }

    /** k segments spread over n: every (n/k)-th, so a daily sample is the same ranges unless the options change. */
    static List<Integer> spread(int k, int n) {
        return IntStream.range(0, k).map(i -> (int) ((long) i * n / k)).boxed().toList();
    }
}
