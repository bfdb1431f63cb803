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
    public String partitionPrefix(Partition p) {
        return prefix + p.id() + "/";
    }

    public String manifest(Partition p) {
        return partitionPrefix(p) + "_manifest.json";
    }

    public String part(Partition p, int index, String firstPosition) {
        String key = partitionPrefix(p) + String.format("part-%05d-%s.parquet", index, firstPosition);
        parsePart(p, key).orElseThrow(() -> new IllegalArgumentException("bad part position " + firstPosition));
        return key;
    }

    /** Where a backfill keeps each segment's scan position, read by the backfill and by status. */
    public String segmentStates(Partition p) {
        return partitionPrefix(p) + "_segments/";
    }

    public String segmentState(Partition p, int segment) {
        return segmentStates(p) + String.format("segment-%04d.json", segment);
    }

    /**
     * Where a backfill from a DynamoDB export, or an hour exported by an incremental export, records which export it
     * converts, so no rerun starts a second one.
     */
    public String exportState(Partition p) {
        return partitionPrefix(p) + "_export.json";
    }

    /** The columns record version a backfill of a {@code columns: auto} table writes all its parts with. */
    public String backfillColumns(Partition p) {
        return partitionPrefix(p) + "_columns_version.json";
    }

    /** The record of a {@code columns: auto} table's automatic columns (stage/ColumnsRecord). */
    public String columnsRecord(String table) {
        return prefix + table + "/_columns.json";
    }

    /** Where a table's backfill exports are written by DynamoDB (an export adds AWSDynamoDB/<ExportId>/ below it). */
    public String backfillExports(String table) {
        return prefix + table + "/_exports/backfill";
    }

    /** Where a table's incremental exports (source: incremental-export) are written by DynamoDB. */
    public String incrementalExports(String table) {
        return prefix + table + "/_exports/incremental";
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
    public Optional<PartName> parsePart(Partition p, String key) {
        String folder = partitionPrefix(p);
        if (!key.startsWith(folder)) {
            return Optional.empty();
        }
        Matcher m = PART.matcher(key.substring(folder.length()));
        return m.matches() ? Optional.of(new PartName(Integer.parseInt(m.group(1)), m.group(2))) : Optional.empty();
    }

    public record PartName(int index, String firstPosition) {}

    /**
     * Where a table's hourly partitions begin. Their folders ({@code dt=YYYY-MM-DD/hour=HH/}) sort by time, so a
     * listing can start after a given hour.
     */
    public String hoursPrefix(String table) {
        return prefix + table + "/dt=";
    }

    /** Where a table's backfill folders begin. */
    public String backfillsPrefix(String table) {
        return prefix + table + "/backfill=";
    }

    /** The partition whose manifest this key is, if it is exactly the key {@link #manifest} builds for it. */
    public Optional<Partition> parseManifest(String key) {
        String suffix = "/_manifest.json";
        if (!key.startsWith(prefix) || !key.endsWith(suffix)) {
            return Optional.empty();
        }
        return parseId(key.substring(prefix.length(), key.length() - suffix.length())).filter(p -> manifest(p).equals(key));
    }

    /** The partition of a folder key ({@link #partitionPrefix}, e.g. from a delimited listing). */
    public Optional<Partition> parseFolder(String key) {
        if (!key.startsWith(prefix) || !key.endsWith("/")) {
            return Optional.empty();
        }
        return parseId(key.substring(prefix.length(), key.length() - 1)).filter(p -> partitionPrefix(p).equals(key));
    }

    /** The partition named by {@link Partition#id()} (as the ledger stores it), if it is one. */
    public static Optional<Partition> parseId(String id) {
        Matcher m = PARTITION_ID.matcher(id);
        if (!m.matches()) {
            return Optional.empty();
        }
        Partition p;
        try {
            p = m.group(4) != null
                    ? BackfillPartition.parse(m.group(1), m.group(4))
                    : hour(m.group(1), java.time.LocalDate.parse(m.group(2)), Integer.parseInt(m.group(3)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        return p.id().equals(id) ? Optional.of(p) : Optional.empty();
    }

    private static HourPartition hour(String table, java.time.LocalDate day, int hour) {
        java.time.Instant start = day.atStartOfDay(java.time.ZoneOffset.UTC).toInstant().plus(java.time.Duration.ofHours(hour));
        return new HourPartition(table, start, start.plus(java.time.Duration.ofHours(1)));
    }

    private static final Pattern PARTITION_ID =
            Pattern.compile("([^/]+)/(?:dt=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})|backfill=(\\d{8}T\\d{6}Z))");
}
