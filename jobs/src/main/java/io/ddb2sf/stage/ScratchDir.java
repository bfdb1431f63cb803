package io.ddb2sf.stage;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A local folder for Parquet parts before their upload, removed when the writer is done with it. */
public final class ScratchDir implements AutoCloseable {
    private final Path path;

    private ScratchDir(Path path) {
        this.path = path;
    }

    public static ScratchDir create(String prefix) {
        try {
            return new ScratchDir(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot create a temporary directory: " + e.getMessage()
                    + " (set java.io.tmpdir to a writable volume)", e);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        try (var files = Files.list(path)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Only temporary parts, already uploaded or abandoned; the OS cleans them if we cannot.
        }
    }
}
