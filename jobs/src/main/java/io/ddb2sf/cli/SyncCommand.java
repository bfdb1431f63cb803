package io.ddb2sf.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Runs export-increment, stage-validate, copy-load and merge-apply for one partition in this process"
                + " (local use and demos; production runs them as separate tasks).")
public final class SyncCommand implements Callable<Integer> {
    @Mixin
    PartitionOptions partition;

    @Override
    public Integer call() {
        return JobRunner.run(partition, (wiring, table, p) -> new SyncSummary("sync", p.id(),
                wiring.exportJob(table).run(PartitionOptions.hourly(p)),
                wiring.validateJob().run(p),
                wiring.loadJob(table).run(p),
                wiring.mergeJob(table).run(p)));
    }
}
