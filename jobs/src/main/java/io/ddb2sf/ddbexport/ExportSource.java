package io.ddb2sf.ddbexport;

import io.ddb2sf.stage.StageStore;
import java.io.InputStream;
import java.util.Optional;

/** Where an export tree lives: the stage bucket in production, an in-memory tree in unit tests. */
public interface ExportSource {
    /** The whole object (a manifest), or empty when it does not exist. */
    Optional<byte[]> read(String key);

    /** The object as a stream (a data file, read line by line), or empty when it does not exist. */
    Optional<InputStream> open(String key);

    /** Where a key is, for error messages. */
    String describe(String key);

    static ExportSource of(StageStore stage) {
        return new ExportSource() {
            @Override
            public Optional<byte[]> read(String key) {
                return stage.get(key).map(StageStore.Versioned::bytes);
            }

            @Override
            public Optional<InputStream> open(String key) {
                return stage.open(key);
            }

            @Override
            public String describe(String key) {
                return "s3://" + stage.bucket() + "/" + key;
            }
        };
    }
}
