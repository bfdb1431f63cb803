package io.ddb2sf.cli;

import io.ddb2sf.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * The training run of the image's start-up cache (docker/aot.Dockerfile): the jobs' start-up paths against a
 * loopback stand-in of DynamoDB and S3, no network, no services, no config. Hidden from --help: not a job.
 */
@Command(name = "warmup", hidden = true, mixinStandardHelpOptions = true,
        description = "Exercises every job's start-up path offline (the training run of the start-up cache).")
public final class WarmupCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        System.out.println(Json.mapper().writeValueAsString(new Warmup(System.err).run()));
        return 0;
    }
}
