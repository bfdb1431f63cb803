package io.ddb2sf.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.util.Optional;

/** Reads and writes a partition's {@code _manifest.json}. */
public final class ManifestStore {
    private final StageStore store;
    private final StageKeys keys;
    private final JsonStore records;

    public ManifestStore(StageStore store, StageKeys keys, ObjectMapper json) {
        this.store = store;
        this.keys = keys;
        this.records = new JsonStore(store, json);
    }

    public Optional<Manifest> load(Partition p) {
        return loadRaw(p).map(Raw::manifest);
    }

    /** The manifest with its sha-256, which names the exact content a load or merge applied. */
    public Optional<Raw> loadRaw(Partition p) {
        String key = keys.manifest(p);
        String remedy = "it holds the stream positions of " + p
                + ": restore it from the bucket's object versions, or delete it and backfill the table";
        return records.read(key, Manifest.class, "manifest", remedy).map(s -> {
            Manifest m = s.value();
            if (m == null || m.formatVersion() < 1 || m.files() == null || m.source() == null || m.totals() == null
                    || !p.id().equals(m.partition())) {
                throw records.damaged(key, "manifest", "incomplete, or it belongs to another partition", remedy);
            }
            return new Raw(m, s.sha256());
        });
    }

    public Raw require(Partition p) {
        return loadRaw(p).orElseThrow(() -> new JobException(ErrorCode.MANIFEST_MISSING, "partition " + p
                + " has no manifest at s3://" + store.bucket() + "/" + keys.manifest(p) + "; run export-increment for it first"));
    }

    /**
     * Writes the manifest, then deletes parts in the partition's folder that it does not list: leftovers of an
     * attempt that died before its manifest. They were never loadable, since copy-load loads only manifest files.
     */
    public void write(Partition p, Manifest m) {
        records.write(keys.manifest(p), m);
        java.util.Set<String> kept = new java.util.HashSet<>();
        m.files().forEach(f -> kept.add(f.key()));
        store.list(keys.partitionPrefix(p)).stream()
                .map(o -> o.key())
                .filter(k -> keys.parsePart(p, k).isPresent() && !kept.contains(k))
                .forEach(store::delete);
    }

    public record Raw(Manifest manifest, String sha256) {}
}
