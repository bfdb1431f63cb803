package io.ddb2sf.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code ddb2sf} jar as its own process, the way a pod or Airflow runs it. */
public final class Cli {
    private final Path config;
    private final Map<String, String> env;

    public Cli(Path config, Map<String, String> env) {
        this.config = config;
        this.env = env;
    }

    public record Result(int exitCode, String stdout, String stderr) {
        /** The job's one JSON summary line. */
        public JsonNode summary() {
            try {
                List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
                if (lines.size() != 1) {
                    throw new AssertionError("expected exactly one summary line on stdout, got: " + stdout + "\nstderr: " + stderr);
                }
                return new ObjectMapper().readTree(lines.get(0));
            } catch (IOException e) {
                throw new AssertionError("stdout is not a JSON summary: " + stdout, e);
            }
        }

        /** The last line on stderr: the one-line error, when the job failed. */
        public String error() {
            List<String> lines = stderr.lines().filter(l -> l.startsWith("ddb2sf:")).toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }
    }

    public Path config() {
        return config;
    }

    /** The same CLI with another environment for the process (e.g. workload-identity settings instead of keys). */
    public Cli withEnvironment(Map<String, String> environment) {
        return new Cli(config, environment);
    }

    /**
     * The child sees only the settings this CLI was given: no DDB2SF_ variable and no AWS_ setting of the test's own
     * environment, which would otherwise win over the credentials a test means to exercise.
     */
    private void environment(ProcessBuilder pb) {
        pb.environment().keySet().removeIf(k -> k.startsWith("DDB2SF_") || k.startsWith("AWS_"));
        pb.environment().putAll(env);
    }

    /** Starts the jar without waiting, for tests that kill it. */
    public Process start(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        environment(pb);
        return pb.start();
    }

    public Result run(String job, String table, String start, String end) {
        return exec(List.of(job, "--table", table, "--start", start, "--end", end, "--config", config.toString()));
    }

    public Result exec(List<String> args) {
        return exec(args, Duration.ofMinutes(5));
    }

    /**
     * Runs the jar and waits at most {@code timeout}: stdout and stderr go to files, so a job that hangs without
     * writing cannot block the wait, and a job still running at the timeout is killed and reported.
     */
    public Result exec(List<String> args, Duration timeout) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar()));
        command.addAll(args);
        Path outFile = null;
        Path errFile = null;
        try {
            outFile = Files.createTempFile("ddb2sf-it-", ".stdout");
            errFile = Files.createTempFile("ddb2sf-it-", ".stderr");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(outFile.toFile()).redirectError(errFile.toFile());
            environment(pb);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("ddb2sf " + args + " did not finish in " + timeout + "; it was killed. stderr:\n"
                        + Files.readString(errFile));
            }
            return new Result(p.exitValue(), Files.readString(outFile, StandardCharsets.UTF_8),
                    Files.readString(errFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot start ddb2sf", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            for (Path f : new Path[] {outFile, errFile}) {
                try {
                    if (f != null) {
                        Files.deleteIfExists(f);
                    }
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    private static String jar() {
        String jar = System.getProperty("ddb2sf.jar");
        if (jar == null || !Path.of(jar).toFile().isFile()) {
            throw new AssertionError("the ddb2sf jar is not built (run through Maven's verify phase): " + jar);
        }
        return jar;
    }
}
