package io.ddb2sf.ddbexport;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** An export tree held in memory, as {@code ExportTreeWriter} lays it out. */
final class InMemoryExportSource implements ExportSource {
    final Map<String, byte[]> objects;

    InMemoryExportSource(Map<String, byte[]> objects) {
        this.objects = new LinkedHashMap<>(objects);
    }

    /** Whole reads are for manifests only: a data file read whole would not keep the reader's memory flat. */
    @Override
    public Optional<byte[]> read(String key) {
        if (key.contains("/data/")) {
            throw new AssertionError("data file " + key + " read whole instead of streamed");
        }
        return Optional.ofNullable(objects.get(key));
    }

    @Override
    public Optional<InputStream> open(String key) {
        return Optional.ofNullable(objects.get(key)).map(ByteArrayInputStream::new);
    }

    @Override
    public String describe(String key) {
        return "mem://" + key;
    }
}
