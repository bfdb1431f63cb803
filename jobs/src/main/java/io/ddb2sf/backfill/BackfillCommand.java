package io.ddb2sf.backfill;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.cli.JobRunner;
import io.ddb2sf.cli.TableOptions;
import io.ddb2sf.stage.BackfillPartition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = "Scans the whole table within a read-capacity budget into a backfill partition of the stage;"
                + " then copy-load and merge-apply it with --backfill <id>. Resumable: rerun with the same --snapshot.")
public final class BackfillCommand implements Callable<Integer> {
    @Mixin
    TableOptions options;

    @Option(names = "--snapshot", paramLabel = "<id>",
            description = "The backfill to start or resume (e.g. 20261124T101500Z); every process of one backfill passes"
                    + " the same. Default: a new backfill starting now.")
    String snapshot;

    @Option(names = "--total-segments", paramLabel = "<n>", defaultValue = "8",
            description = "Parallel Scan segments of the whole backfill (default: ${DEFAULT-VALUE}).")
    int totalSegments;

    @Option(names = "--segment", split = ",", paramLabel = "<i>",
            description = "The segments this process scans, e.g. 0,1,2,3 (default: all).")
    List<Integer> segments;

    @Option(names = "--threads", paramLabel = "<n>", description = "Worker threads (default: segments, at most 4).")
    Integer threads;

    @Option(names = "--rcu-budget", paramLabel = "<RCU/s>",
            description = "Read capacity this process may consume per second (required for on-demand tables).")
    Double rcuBudget;

    @Option(names = "--capacity-share", paramLabel = "<0..1>", defaultValue = "0.25",
            description = "Share of the table's provisioned read capacity, when no --rcu-budget (default: ${DEFAULT-VALUE}).")
    double capacityShare;

    @Option(names = "--reset-checkpoint",
            description = "After a stream gap or a replaced stream: restart the stream checkpoint when the backfill starts"
                    + " (once per backfill, however often it is rerun), so the hourly exports carry every change made"
                    + " during the scan.")
    boolean resetCheckpoint;


    @Override
    public Integer call() {
        String table = options.table;
        BackfillPartition partition = snapshot == null ? new BackfillPartition(table, Instant.now())
                : BackfillPartition.parse(table, snapshot);
        if (partition.snapshot().isAfter(Instant.now())) {
            // The id dates every snapshot row; one later than the scan's start would beat changes the scan never saw.
            throw usage("--snapshot " + snapshot + " is in the future; a backfill's id is the time its scan started"
                    + " (leave it out to start a new backfill now)");
        }
        if (totalSegments < 1 || totalSegments > 1_000_000) {
            throw usage("--total-segments must be from 1 to 1000000");
        }
        List<Integer> mine = segments == null ? IntStream.range(0, totalSegments).boxed().toList() : new ArrayList<>(segments);
        if (mine.isEmpty() || mine.stream().anyMatch(s -> s < 0 || s >= totalSegments) || mine.stream().distinct().count() != mine.size()) {
            throw usage("--segment must list distinct segments from 0 to " + (totalSegments - 1));
        }
        if (rcuBudget != null && rcuBudget <= 0 || capacityShare <= 0 || capacityShare > 1) {
            throw usage("--rcu-budget must be positive and --capacity-share in (0, 1]");
        }
        int workers = threads == null ? Math.min(4, mine.size()) : threads;
        if (workers < 1) {
            throw usage("--threads must be at least 1");
        }
        BackfillJob.Plan plan = new BackfillJob.Plan(partition, mine, totalSegments, workers,
                rcuBudget == null ? OptionalDouble.empty() : OptionalDouble.of(rcuBudget), capacityShare, resetCheckpoint);
        return JobRunner.run(options.config, table, wiring -> wiring.backfillJob().run(plan,
                nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000))));
    }

    private static JobException usage(String message) {
        return new JobException(ErrorCode.USAGE_INVALID, message);
    }
}
