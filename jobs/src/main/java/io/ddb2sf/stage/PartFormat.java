package io.ddb2sf.stage;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.util.Optional;
import org.apache.parquet.hadoop.ParquetWriter;

/**
 * How a partition's Parquet parts are encoded, recorded in its manifest as {@code formatVersion}. A rerun of an hour
 * writes with the format its manifest recorded, so it writes the same bytes whichever build staged the hour first;
 * new partitions take {@link #CURRENT}. Both formats hold the same rows and columns: Snowflake reads either.
 */
public enum PartFormat {
    /** Dictionary encoding on every column but the per-row unique ones ({@code _KEY}, {@code _SEQ}, the items). */
    V1(1),
    /**
     * Dictionary encoding only on {@code _OP} and {@code _PARTITION}, whose values repeat by construction. A typed
     * column's values may as well be unique per item, and {@code _ITEM_TYPES} repeats whole documents that snappy
     * compresses anyway: the dictionary hashed every such value for little size (bench/conversion: 1.51 times the
     * bare writer's CPU with it, 1.27 without, in one run; bench/README.md).
     */
    V2(2);

    public static final PartFormat CURRENT = V2;

    private final int version;

    PartFormat(int version) {
        this.version = version;
    }

    public int version() {
        return version;
    }

    /** The format a partition's parts are written in: its manifest's on a rerun, the current one for a new partition. */
    public static PartFormat of(Optional<Manifest> previous) {
        return previous.map(m -> of(m.formatVersion())).orElse(CURRENT);
    }

    /** The format a manifest's {@code formatVersion} names. */
    public static PartFormat of(int formatVersion) {
        for (PartFormat f : values()) {
            if (f.version == formatVersion) {
                return f;
            }
        }
        throw new JobException(ErrorCode.STAGE_INVALID, "the manifest has formatVersion " + formatVersion
                + ", which this ddb2sf does not know (it writes " + CURRENT.version + "): a newer ddb2sf staged the"
                + " partition; rerun it with that version's image");
    }

    /** The builder with this format's encodings. */
    public <B extends ParquetWriter.Builder<?, B>> B encodings(B builder) {
        return switch (this) {
            case V1 -> builder
                    .withDictionaryEncoding("_KEY", false)
                    .withDictionaryEncoding("_SEQ", false)
                    .withDictionaryEncoding("_ITEM", false)
                    .withDictionaryEncoding("_OLD_ITEM", false);
            case V2 -> builder
                    .withDictionaryEncoding(false)
                    .withDictionaryEncoding("_OP", true)
                    .withDictionaryEncoding("_PARTITION", true);
        };
    }
}
