package io.ddb2sf.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.io.IOException;
import java.util.Optional;

/** Loads and advances a table's stream checkpoint; an advance never overwrites a concurrent writer's. */
public final class CheckpointStore {
    private final StageStore store;
    private final StageKeys keys;
    private final ObjectMapper json;

    public CheckpointStore(StageStore store, StageKeys keys, ObjectMapper json) {
        this.store = store;
        this.keys = keys;
        this.json = json;
    }

    public Optional<Loaded> load(String table) {
        String key = keys.checkpoint(table);
        return store.get(key).map(v -> {
            try {
                return new Loaded(json.readValue(v.bytes(), Checkpoint.class), Optional.of(v.etag()));
            } catch (IOException e) {
                throw new JobException(ErrorCode.STAGE_INVALID, "checkpoint s3://" + store.bucket() + "/" + key
                        + " is unreadable (" + JobException.firstLine(e) + "); restore it from the last good partition's manifest"
                        + " ('to' positions) or delete it and backfill the table", e);
            }
        });
    }

    /** Replaces the checkpoint read as {@code previous} (empty when there was none) with {@code next}. */
    public void advance(String table, Checkpoint next, Optional<Loaded> previous) {
        String key = keys.checkpoint(table);
        byte[] bytes;
        try {
            bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(next);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (!store.putIfUnchanged(key, bytes, previous.flatMap(Loaded::etag))) {
            throw new JobException(ErrorCode.CHECKPOINT_CONFLICT, "checkpoint s3://" + store.bucket() + "/" + key
                    + " was changed by another run of " + table + " while this one ran; let that run finish, then rerun this partition");
        }
    }

    public record Loaded(Checkpoint checkpoint, Optional<String> etag) {}
}
