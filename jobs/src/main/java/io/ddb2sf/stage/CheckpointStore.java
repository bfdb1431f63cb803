package io.ddb2sf.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.util.Optional;

/** Loads and advances a table's stream checkpoint; an advance never overwrites a concurrent writer's. */
public final class CheckpointStore {
    private final JsonStore store;
    private final StageKeys keys;

    public CheckpointStore(StageStore store, StageKeys keys, ObjectMapper json) {
        this.store = new JsonStore(store, json);
        this.keys = keys;
    }

    public Optional<Loaded> load(String table) {
        return store.read(keys.checkpoint(table), Checkpoint.class, "checkpoint",
                        "restore it from the last good partition's manifest ('to' positions) or delete it and backfill the table")
                .map(s -> new Loaded(s.value(), Optional.of(s.etag())));
    }

    /** Replaces the checkpoint read as {@code previous} (empty when there was none) with {@code next}. */
    public void advance(String table, Checkpoint next, Optional<Loaded> previous) {
        String key = keys.checkpoint(table);
        if (!store.writeIfUnchanged(key, next, previous.flatMap(Loaded::etag))) {
            throw new JobException(ErrorCode.CHECKPOINT_CONFLICT, "checkpoint s3://" + store.bucket() + "/" + key
                    + " was changed by another run of " + table + " while this one ran; let that run finish, then rerun this partition");
        }
    }

    public record Loaded(Checkpoint checkpoint, Optional<String> etag) {}
}
