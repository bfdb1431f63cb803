package io.ddb2sf.cli;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.backfill.BackfillJob;
import io.ddb2sf.backfill.ExportBackfill;
import io.ddb2sf.stage.BackfillPartition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = "Scans the whole table within a read-capacity budget (or converts a DynamoDB export of it, --source export) into a backfill partition of the stage;"
                + " then copy-load and merge-apply it with --backfill <id>. Resumable: rerun with the same --backfill.")
public final class BackfillCommand implements Callable<Integer> {
    /** How often a waiting export backfill asks DescribeExport; exports of big tables take hours. */
    private static final Duration EXPORT_POLL = Duration.ofSeconds(30);

    @Mixin
    TableOptions options;

    @Option(names = "--backfill", paramLabel = "<id>",
            description = "The backfill to start or resume (e.g. 20261124T101500Z); every process of one backfill passes"
                    + " the same. Default: a new backfill starting now.")
    String backfill;

    @Mixin
    ScanOptions scan;

    @Option(names = "--threads", paramLabel = "<n>", description = "Worker threads (default: segments, at most 4).")
    Integer threads;

    @Option(names = "--reset-checkpoint",
            description = "After a stream gap or a replaced stream: restart the stream checkpoint when the backfill starts"
                    + " (once per backfill, however often it is rerun), so the hourly exports carry every change made"
                    + " during the scan.")
    boolean resetCheckpoint;

    @Option(names = "--source", paramLabel = "scan|export", defaultValue = "scan",
            description = "scan: a parallel Scan within the read budget; export: DynamoDB's export to S3 (reads no"
                    + " capacity; needs point-in-time recovery), its data files dealt over the --segment processes"
                    + " like segments (default: ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--export-arn", paramLabel = "<arn>",
            description = "With --source export: convert this full export of the table (console, Terraform) instead of"
                    + " starting one; its export time names the backfill.")
    String exportArn;

    @Option(names = "--export-wait", paramLabel = "<duration>", defaultValue = "PT6H",
            description = "With --source export: how long to wait for the export before exiting; a rerun adopts it"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration exportWait;

    @Override
    public Integer call() {
        if (!source.equals("scan") && !source.equals("export")) {
            throw usage("--source must be scan or export");
        }
        if (exportArn != null && !source.equals("export")) {
            throw usage("--export-arn needs --source export");
        }
        if (source.equals("export")) {
            return exportBackfill();
        }
        String table = options.table;
        BackfillPartition partition = backfill == null ? new BackfillPartition(table, Instant.now())
                : BackfillPartition.parse(table, backfill);
        if (partition.snapshot().isAfter(Instant.now())) {
            // The id dates every snapshot row; one later than the scan's start would beat changes the scan never saw.
            throw usage("--backfill " + backfill + " is in the future; a backfill's id is the time its scan started"
                    + " (leave it out to start a new backfill now)");
        }
        List<Integer> mine = scan.segments(null);
        OptionalDouble budget = scan.rcuBudget();
        int workers = threads == null ? Math.min(4, mine.size()) : threads;
        if (workers < 1) {
            throw usage("--threads must be at least 1");
        }
        BackfillJob.Plan plan = new BackfillJob.Plan(partition, mine, scan.totalSegments, workers, budget,
                scan.capacityShare, resetCheckpoint);
        return JobRunner.run(options.config, table, (wiring, t) -> wiring.backfillJob(t).run(plan,
                nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000))));
    }

    /** Without --backfill a new export backfill takes its id from the export time, which only DynamoDB knows yet. */
    private Integer exportBackfill() {
        Optional<BackfillPartition> partition = Optional.ofNullable(backfill).map(s -> BackfillPartition.parse(options.table, s));
        if (partition.isPresent() && partition.get().snapshot().isAfter(Instant.now())) {
            throw usage("--backfill " + backfill + " is in the future; an export backfill's id is its export time");
        }
        if (exportWait.isNegative()) {
            throw usage("--export-wait must not be negative");
        }
        ExportBackfill.Plan plan = new ExportBackfill.Plan(options.table, partition, Optional.ofNullable(exportArn),
                scan.segments(null), scan.totalSegments, resetCheckpoint);
        return JobRunner.run(options.config, options.table,
                (wiring, t) -> wiring.exportBackfill(t, EXPORT_POLL, exportWait).run(plan));
    }

    private static JobException usage(String message) {
        return ScanOptions.usage(message);
    }
}
