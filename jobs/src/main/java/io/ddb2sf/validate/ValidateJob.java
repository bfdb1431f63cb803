package io.ddb2sf.validate;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.stage.ChangeRowSchema;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.Partition;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.LocalInputFile;

/**
 * stage-validate: the partition is whole and sound. Trusts nothing but the manifest and the objects: every listed
 * file exists inside the partition, once, with the manifest's size, sha-256, Parquet row count and schema.
 */
public final class ValidateJob {
    private final StageStore store;
    private final StageKeys keys;
    private final ManifestStore manifests;
    private final Clock clock;
    private final PrintStream log;

    public ValidateJob(StageStore store, StageKeys keys, ManifestStore manifests, Clock clock, PrintStream log) {
        this.store = store;
        this.keys = keys;
        this.manifests = manifests;
        this.clock = clock;
        this.log = log;
    }

    public ValidateSummary run(Partition p) {
        Instant began = clock.instant();
        ManifestStore.Raw raw = manifests.require(p);
        Manifest m = raw.manifest();
        Set<String> seen = new HashSet<>();
        long rows = 0;
        long bytes = 0;
        Path tmp = null;
        try {
            tmp = Files.createTempFile("ddb2sf-validate-", ".parquet");
            int n = 0;
            for (Manifest.FileEntry f : m.files()) {
                n++;
                if (keys.parsePart(p, f.key()).isEmpty()) {
                    throw invalid(p, "lists " + f.key() + ", which is not a part of this partition's folder "
                            + keys.partitionPrefix(p));
                }
                if (!seen.add(f.key())) {
                    throw invalid(p, "lists " + f.key() + " twice");
                }
                StageStore.StoredObject got = store.download(f.key(), tmp)
                        .orElseThrow(() -> invalid(p, "lists " + f.key() + ", which is missing from the stage"));
                if (got.size() != f.size()) {
                    throw invalid(p, f.key() + " is " + got.size() + " bytes, the manifest says " + f.size());
                }
                if (!got.sha256().equals(f.sha256())) {
                    throw invalid(p, f.key() + " has sha-256 " + got.sha256() + ", the manifest says " + f.sha256());
                }
                checkParquet(p, f, m.schemaFingerprint(), tmp);
                rows += f.rows();
                bytes += f.size();
                log.printf("validate %s: %d/%d files ok%n", p, n, m.files().size());
            }
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot use a temporary file: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                tmp.toFile().delete();
            }
        }
        if (rows != m.totals().rows() || m.files().size() != m.totals().files() || bytes != m.totals().bytes()) {
            throw invalid(p, "totals (" + m.totals() + ") do not add up to its files (" + m.files().size() + " files, "
                    + rows + " rows, " + bytes + " bytes)");
        }
        return new ValidateSummary("stage-validate", p.id(), m.files().size(), rows, bytes, raw.sha256(),
                Duration.between(began, clock.instant()).toMillis());
    }

    private void checkParquet(Partition p, Manifest.FileEntry f, String fingerprint, Path file) {
        ParquetMetadata footer;
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), ParquetReadOptions.builder().build())) {
            footer = reader.getFooter();
        } catch (IOException | RuntimeException e) {
            throw invalid(p, f.key() + " is not a readable Parquet file (" + e.getMessage() + ")");
        }
        long rows = footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
        if (rows != f.rows()) {
            throw invalid(p, f.key() + " holds " + rows + " rows, the manifest says " + f.rows());
        }
        String actual = ChangeRowSchema.fingerprintOf(footer.getFileMetaData().getSchema().toString());
        if (!actual.equals(fingerprint)) {
            throw invalid(p, f.key() + " has schema fingerprint " + actual + ", the manifest says " + fingerprint);
        }
    }

    private JobException invalid(Partition p, String what) {
        return new JobException(ErrorCode.STAGE_INVALID, "partition " + p + " is not sound: its manifest " + what
                + "; rerun export-increment for this partition to rewrite it");
    }
}
