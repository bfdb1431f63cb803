package io.ddb2sf.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The table and the config file: what every job takes. */
public final class TableOptions {
    @Option(names = "--table", required = true, paramLabel = "<name>", description = "DynamoDB table name, as in the config.")
    public String table;

    @Option(names = "--config", paramLabel = "<file>", defaultValue = "${env:DDB2SF_CONFIG:-ddb2sf.yaml}",
            description = "Config file, YAML or JSON (default: $DDB2SF_CONFIG, else ddb2sf.yaml).")
    public Path config;
}
