package io.ddb2sf.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "merge-apply", mixinStandardHelpOptions = true,
        description = "MERGEs the partition's changes into the analytics table <TABLE>, deletes included.")
public final class MergeCommand implements Callable<Integer> {
    @Mixin
    PartitionOptions partition;

    @Override
    public Integer call() {
        return JobRunner.run(partition, (wiring, table, p) -> wiring.mergeJob(table).run(p));
    }
}
