package io.ddb2sf.stage;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that builds and parses stage object keys. Every key is a function of the table, the window and the
 * source position, so a rerun of a partition writes the same keys:
 * {@code <prefix>/<table>/dt=YYYY-MM-DD/hour=HH/part-00000-<first sequence number>.parquet}.
 */
public final class StageKeys {
    private static final Pattern PART = Pattern.compile("part-(\\d{5})-(\\d{1,40})\\.parquet");

    private final String prefix;

    public StageKeys(String prefix) {
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
    }

    /** The folder of a partition, ending with a slash. */
    public String partitionPrefix(StagePartition p) {
        return prefix + p.id() + "/";
    }

    public String manifest(StagePartition p) {
        return partitionPrefix(p) + "_manifest.json";
    }

    public String part(StagePartition p, int index, String firstPosition) {
        String key = partitionPrefix(p) + String.format("part-%05d-%s.parquet", index, firstPosition);
        parsePart(p, key).orElseThrow(() -> new IllegalArgumentException("bad part position " + firstPosition));
        return key;
    }

    public String checkpoint(String table) {
        return prefix + table + "/_checkpoint.json";
    }

    /** The key relative to the stage URL (the Snowflake stage points at the prefix). */
    public String relativeToStage(String key) {
        if (!key.startsWith(prefix)) {
            throw new JobException(ErrorCode.STAGE_INVALID, "object " + key + " is outside the stage prefix " + prefix);
        }
        return key.substring(prefix.length());
    }

    /** A part's index and first position, if the key is a part of that partition and nothing else. */
    public Optional<PartName> parsePart(StagePartition p, String key) {
        String folder = partitionPrefix(p);
        if (!key.startsWith(folder)) {
            return Optional.empty();
        }
        Matcher m = PART.matcher(key.substring(folder.length()));
        return m.matches() ? Optional.of(new PartName(Integer.parseInt(m.group(1)), m.group(2))) : Optional.empty();
    }

    public record PartName(int index, String firstPosition) {}
}
