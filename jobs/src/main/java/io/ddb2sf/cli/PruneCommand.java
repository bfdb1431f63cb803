package io.ddb2sf.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Deletes the landing rows (<TABLE>_CHANGES) of partitions merged longer ago than the table's"
                + " landingRetention (default P30D). Partitions not merged are never touched. Safe to run at any time.")
public final class PruneCommand implements Callable<Integer> {
    @Mixin
    TableOptions table;

    @Override
    public Integer call() {
        return JobRunner.run(table.config, table.table, (wiring, t) -> wiring.pruneJob(t).run());
    }
}
