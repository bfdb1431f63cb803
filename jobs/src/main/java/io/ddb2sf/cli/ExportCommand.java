package io.ddb2sf.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "export-increment", mixinStandardHelpOptions = true,
        description = "Reads one hour of the table's changes (its DynamoDB Stream, or with source: incremental-export a DynamoDB"
                + " incremental export of the hour) into Parquet parts and a manifest in the stage, then advances the checkpoint.")
public final class ExportCommand implements Callable<Integer> {
    @Mixin
    PartitionOptions partition;

    @Override
    public Integer call() {
        return JobRunner.run(partition, (wiring, table, p) -> wiring.exportJob(table).run(PartitionOptions.hourly(p)));
    }
}
