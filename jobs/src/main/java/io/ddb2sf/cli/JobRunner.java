package io.ddb2sf.cli;

import io.ddb2sf.Json;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.stage.Partition;
import java.io.PrintStream;
import java.util.function.BiFunction;

/** Loads the config, wires the job, runs it and prints its JSON summary as the one line on stdout. */
public final class JobRunner {
    private JobRunner() {}

    /**
     * A summary that can also be a finding: the summary line is printed first, then its failure ends the run with
     * the failure's exit code (verify's drift).
     */
    public static int run(PartitionOptions options, BiFunction<Wiring, Partition, Object> job) {
        Partition partition = options.partition();
        return run(options.table.config, partition.table(), wiring -> job.apply(wiring, partition));
    }

    public static int run(java.nio.file.Path configFile, String table, java.util.function.Function<Wiring, Object> job) {
        PipelineConfig config = new ConfigLoader(System.getenv()).load(configFile);
        config.table(table);
        return run(config, job);
    }

    /** For jobs over the whole config rather than one table. */
    public static int run(java.nio.file.Path configFile, java.util.function.Function<Wiring, Object> job) {
        return run(new ConfigLoader(System.getenv()).load(configFile), job);
    }

    private static int run(PipelineConfig config, java.util.function.Function<Wiring, Object> job) {
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
