package io.ddb2sf.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Applies the sql/ migrations and creates the stage and the configured tables' landing, analytics"
                + " and tombstone tables. The DAGs run it before copy-load; copy-load, merge-apply and prune also apply"
                + " missing migrations themselves. Safe to run at any time and concurrently.")
public final class MigrateCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "<file>", defaultValue = "${env:DDB2SF_CONFIG:-ddb2sf.yaml}",
            description = "Config file, YAML or JSON (default: $DDB2SF_CONFIG, else ddb2sf.yaml).")
    Path config;

    @Option(names = "--table", paramLabel = "<name>",
            description = "Only this table's landing and analytics tables (default: every configured table).")
    String table;

    @Override
    public Integer call() {
        if (table != null) {
            return JobRunner.run(config, table, (wiring, t) -> wiring.migrateJob(List.of(t)).run());
        }
        return JobRunner.run(config, wiring -> wiring.migrateJob(wiring.tables()).run());
    }
}
