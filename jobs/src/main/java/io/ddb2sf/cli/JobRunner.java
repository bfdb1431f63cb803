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

    public static int run(PartitionOptions options, BiFunction<Wiring, Partition, Object> job) {
        PrintStream log = System.err;
        Partition partition = options.partition();
        PipelineConfig config = new ConfigLoader(System.getenv()).load(options.config);
        config.table(partition.table());
        try (Wiring wiring = new Wiring(config, log)) {
            Object summary = job.apply(wiring, partition);
            System.out.println(Json.mapper().writeValueAsString(summary));
            return 0;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
