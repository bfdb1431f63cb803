package io.ddb2sf.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.io.IOException;
import java.util.Optional;

/**
 * The small JSON records the jobs keep in the stage (checkpoints, manifests, backfill segment states): one way to
 * read them, one way to write them, and one error for a damaged one that says what to do about it.
 */
public final class JsonStore {
    private final StageStore store;
    private final ObjectMapper json;

    public JsonStore(StageStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    /**
     * The record at {@code key}, or empty when there is none.
     *
     * @param what     what the record is, for the error ("checkpoint", "manifest")
     * @param remedy   what an operator does when it is damaged
     */
    public <T> Optional<Stored<T>> read(String key, Class<T> type, String what, String remedy) {
        return store.get(key).map(v -> {
            try {
                return new Stored<>(json.readValue(v.bytes(), type), v.etag(), StageStore.sha256(v.bytes()));
            } catch (IOException e) {
                throw damaged(key, what, JobException.firstLine(e), remedy);
            }
        });
    }

    public void write(String key, Object value) {
        store.putBytes(key, bytes(value));
    }

    /**
     * Writes only if the record is still the one read with {@code etag} (or absent, when empty); false when another
     * writer got there first.
     */
    public boolean writeIfUnchanged(String key, Object value, Optional<String> etag) {
        return store.putIfUnchanged(key, bytes(value), etag);
    }

    /** The error for a record that parsed but does not hold together. */
    public JobException damaged(String key, String what, String why, String remedy) {
        return new JobException(ErrorCode.STAGE_INVALID, what + " s3://" + store.bucket() + "/" + key + " is damaged ("
                + why + "); " + remedy);
    }

    public String bucket() {
        return store.bucket();
    }

    private byte[] bytes(Object value) {
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** A record with the ETag a conditional write checks and the sha-256 that names its exact content. */
    public record Stored<T>(T value, String etag, String sha256) {}
}
