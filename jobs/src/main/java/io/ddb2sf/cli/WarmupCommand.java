package io.ddb2sf.cli;

import io.ddb2sf.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The training run of the image's start-up cache (docker/aot.Dockerfile): the jobs' start-up paths against a
 * loopback stand-in of DynamoDB and S3, no network, no services, no config. Hidden from --help: not a job.
 */
@Command(name = "warmup", hidden = true, mixinStandardHelpOptions = true,
        description = "Exercises every job's start-up path offline (the training run of the start-up cache).")
public final class WarmupCommand implements Callable<Integer> {
    @Option(names = "--side", defaultValue = "all", paramLabel = "all|stream|warehouse",
            description = "The jobs to exercise: every one (default), the stream's (export-increment, stage-validate) or"
                    + " the warehouse's (copy-load, merge-apply), for a cache of that side.")
    String side;

    @Override
    public Integer call() throws Exception {
        Warmup.Side chosen = switch (side) {
            case "all" -> Warmup.Side.ALL;
            case "stream" -> Warmup.Side.STREAM;
            case "warehouse" -> Warmup.Side.WAREHOUSE;
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                    "--side is all, stream or warehouse, not '" + side + "'");
        };
        System.out.println(Json.mapper().writeValueAsString(new Warmup(System.err).run(chosen)));
        return 0;
    }
}
