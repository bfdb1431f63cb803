package io.ddb2sf.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "copy-load", mixinStandardHelpOptions = true,
        description = "COPYs the partition's staged files into the landing table <TABLE>_CHANGES, once.")
public final class LoadCommand implements Callable<Integer> {
    @Mixin
    PartitionOptions partition;

    @Override
    public Integer call() {
        return JobRunner.run(partition, (wiring, table, p) -> wiring.loadJob(table).run(p));
    }
}
