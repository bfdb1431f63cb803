package io.ddb2sf.stage;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * Streams change rows into Parquet parts of about the target size and uploads each part as soon as it is closed,
 * so memory is bounded by one row group whatever the number of changes.
 */
public final class PartWriter implements AutoCloseable {
    private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

    private final StageStore store;
    private final StageKeys keys;
    private final ChangeRowSchema schema;
    private final PartFormat format;
    private final Partition partition;
    private final long partTargetBytes;
    private final long rowGroupBytes;
    private final Path tmpDir;
    private final List<Manifest.FileEntry> written = new ArrayList<>();

    private final int firstIndex;
    private ParquetWriter<ChangeRow> current;
    private Path currentFile;
    private HashedFile currentHash;
    private String currentKey;
    private long currentRows;

    public PartWriter(StageStore store, StageKeys keys, ChangeRowSchema schema, PartFormat format, Partition partition,
                      long partTargetBytes, long rowGroupBytes, Path tmpDir) {
        this(store, keys, schema, format, partition, partTargetBytes, rowGroupBytes, tmpDir, 0);
    }

    /** A writer whose part numbers start at {@code firstIndex} (a resumed backfill segment continues its count). */
    public PartWriter(StageStore store, StageKeys keys, ChangeRowSchema schema, PartFormat format, Partition partition,
                      long partTargetBytes, long rowGroupBytes, Path tmpDir, int firstIndex) {
        this.firstIndex = firstIndex;
        this.store = store;
        this.keys = keys;
        this.schema = schema;
        this.format = format;
        this.partition = partition;
        this.partTargetBytes = partTargetBytes;
        this.rowGroupBytes = rowGroupBytes;
        this.tmpDir = tmpDir;
    }

    /** Writes a row; {@code position} (its source position) names the part if the row opens one. */
    public void write(ChangeRow row, String position) {
        try {
            if (current == null) {
                open(position);
            }
            current.write(row);
            currentRows++;
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot write Parquet part " + currentKey + ": " + e.getMessage()
                    + " (check free space in " + tmpDir + "; then rerun)", e);
        }
    }

    /** Closes the open part if it reached the target size; returns whether it did. */
    public boolean rollIfFull() {
        if (current == null || current.getDataSize() < partTargetBytes) {
            return false;
        }
        try {
            closeCurrent();
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot write Parquet part " + currentKey + ": " + e.getMessage(), e);
        }
        return true;
    }

    /** The parts closed and uploaded so far, in order. */
    public List<Manifest.FileEntry> written() {
        return List.copyOf(written);
    }

    /** Closes the last part and returns every part written, in order. */
    public List<Manifest.FileEntry> finish() {
        try {
            closeCurrent();
        } catch (IOException e) {
            throw new JobException(ErrorCode.STAGE_FAILED, "cannot write Parquet part " + currentKey + ": " + e.getMessage(), e);
        }
        return List.copyOf(written);
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
        if (currentFile != null) {
            Files.deleteIfExists(currentFile);
        }
    }

    private void open(String position) throws IOException {
        currentKey = keys.part(partition, firstIndex + written.size(), position);
        currentFile = tmpDir.resolve(String.format("part-%05d.parquet", written.size()));
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set("parquet.avro.write-old-list-structure", "false");
        currentHash = new HashedFile(new LocalOutputFile(currentFile));
        current = format.encodings(new Builder(currentHash, schema, conf))
                .withConf(conf)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withRowGroupSize(rowGroupBytes)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
        currentRows = 0;
    }

    private void closeCurrent() throws IOException {
        if (current == null) {
            return;
        }
        current.close();
        current = null;
        StageStore.StoredObject stored = store.putFile(currentKey, currentFile, currentHash.sha256());
        written.add(new Manifest.FileEntry(stored.key(), stored.size(), stored.sha256(), currentRows));
        Files.deleteIfExists(currentFile);
        currentFile = null;
    }

    /** The part's local file, hashed as Parquet writes it, so its sha-256 costs no second read of the file. */
    private static final class HashedFile implements OutputFile {
        private final OutputFile file;
        private final MessageDigest digest = StageStore.sha256Digest();

        HashedFile(OutputFile file) {
            this.file = file;
        }

        String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }

        @Override
        public PositionOutputStream create(long blockSizeHint) throws IOException {
            return hashed(file.create(blockSizeHint));
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
            return hashed(file.createOrOverwrite(blockSizeHint));
        }

        @Override
        public boolean supportsBlockSize() {
            return file.supportsBlockSize();
        }

        @Override
        public long defaultBlockSize() {
            return file.defaultBlockSize();
        }

        private PositionOutputStream hashed(PositionOutputStream out) {
            return new PositionOutputStream() {
                @Override
                public long getPos() throws IOException {
                    return out.getPos();
                }

                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    digest.update((byte) b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    digest.update(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
        }
    }

    /** A Parquet writer of change rows through {@link ChangeRowWriteSupport}. */
    private static final class Builder extends ParquetWriter.Builder<ChangeRow, Builder> {
        private final ChangeRowSchema schema;
        private final ParquetConfiguration conf;

        Builder(OutputFile file, ChangeRowSchema schema, ParquetConfiguration conf) {
            super(file);
            this.schema = schema;
            this.conf = conf;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<ChangeRow> getWriteSupport(org.apache.hadoop.conf.Configuration hadoop) {
            return new ChangeRowWriteSupport(schema, conf);
        }

        @Override
        protected WriteSupport<ChangeRow> getWriteSupport(ParquetConfiguration parquet) {
            return new ChangeRowWriteSupport(schema, conf);
        }
    }

    /**
     * The Avro record of a change row: what the parts held before {@link ChangeRowWriteSupport} wrote rows directly,
     * kept for the conversion benchmark's bare-writer baseline and for the test that the bytes stayed the same.
     */
    public static GenericRecord toRecord(ChangeRowSchema schema, ChangeRow row) {
        Schema avro = schema.avro();
        // Fields by position, in the schema's order: _KEY, the typed columns, then the fixed trailing columns.
        GenericRecord r = new GenericData.Record(avro);
        int i = 0;
        r.put(i++, row.key());
        for (Object v : row.typed()) {
            if (v instanceof BigDecimal d) {
                Schema fixed = avro.getFields().get(i).schema().getTypes().get(1);
                v = DECIMALS.toFixed(d, fixed, fixed.getLogicalType());
            } else if (v instanceof byte[] b) {
                v = ByteBuffer.wrap(b);
            }
            r.put(i++, v);
        }
        r.put(i++, row.op());
        r.put(i++, ChronoUnit.MICROS.between(java.time.Instant.EPOCH, row.eventTime()));
        r.put(i++, row.sequence());
        r.put(i++, row.ttlDelete());
        r.put(i++, row.item());
        r.put(i++, row.itemTypes());
        r.put(i++, row.oldItem());
        r.put(i, row.partition());
        return r;
    }
}
