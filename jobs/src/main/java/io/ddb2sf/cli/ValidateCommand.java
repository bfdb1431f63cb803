package io.ddb2sf.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "stage-validate", mixinStandardHelpOptions = true,
        description = "Checks that the staged partition is whole and sound against its manifest.")
public final class ValidateCommand implements Callable<Integer> {
    @Mixin
    PartitionOptions partition;

    @Override
    public Integer call() {
        return JobRunner.run(partition, (wiring, table, p) -> wiring.validateJob().run(p));
    }
}
