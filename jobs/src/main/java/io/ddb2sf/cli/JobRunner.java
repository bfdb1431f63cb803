package io.ddb2sf.cli;

import io.ddb2sf.Json;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.stage.Partition;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Loads the config, resolves the table once, wires the job, runs it and prints its JSON summary as the one line on
 * stdout.
 */
public final class JobRunner {
    private JobRunner() {}

    /** A job of one table's partition. */
    @FunctionalInterface
    public interface PartitionJob {
        Object run(Wiring wiring, TableConfig table, Partition partition);
    }

    /**
     * A summary that can also be a finding: the summary line is printed first, then its failure ends the run with
     * the failure's exit code (verify's drift).
     */
    public static int run(PartitionOptions options, PartitionJob job) {
        Partition partition = options.partition();
        return run(options.table.config, partition.table(), (wiring, table) -> job.run(wiring, table, partition));
    }

    /** A job of one table. */
    public static int run(Path configFile, String tableName, BiFunction<Wiring, TableConfig, Object> job) {
        PipelineConfig config = new ConfigLoader(System.getenv()).load(configFile);
        TableConfig table = config.table(tableName);
        return run(config, wiring -> job.apply(wiring, table));
    }

    /** For jobs over the whole config rather than one table. */
    public static int run(Path configFile, Function<Wiring, Object> job) {
        return run(new ConfigLoader(System.getenv()).load(configFile), job);
    }

    private static int run(PipelineConfig config, Function<Wiring, Object> job) {
        PrintStream log = System.err;
        try (Wiring wiring = new Wiring(config, log)) {
            Object summary = job.apply(wiring);
            System.out.println(Json.mapper().writeValueAsString(summary));
            if (summary instanceof io.ddb2sf.Verdict v && v.failure().isPresent()) {
                throw v.failure().get();
            }
            return 0;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
