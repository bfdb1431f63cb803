package io.ddb2sf.ddbexport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.ExportType;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;

/**
 * A completed DynamoDB export in S3, checked against its manifests before any row is read: the summary must be of the
 * expected table, type and view, in DynamoDB JSON, and its item count must equal the sum of the data files' counts in
 * {@code manifest-files.json}. Each {@link DataFile} then checks its own bytes and count as it is read, so a job can
 * deal the files over pods and resume file by file.
 *
 * <p>Layout ("DynamoDB table export output format",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html):
 * {@code <export-prefix>/AWSDynamoDB/<ExportId>/manifest-summary.json}, {@code .../manifest-files.json} (one JSON
 * object per line: itemCount, md5Checksum, etag, dataFileS3Key), an empty {@code _started}, and gzipped data files
 * {@code .../data/<name>.json.gz}, at least one per table partition, empty partitions giving empty files.
 */
public final class ExportTree {
    private static final ObjectMapper JSON = Json.mapper();

    private final ManifestSummary summary;
    private final List<DataFile> files;

    private ExportTree(ManifestSummary summary, List<DataFile> files) {
        this.summary = summary;
        this.files = List.copyOf(files);
    }

    /**
     * What the caller asked DynamoDB for; a tree that differs is refused.
     *
     * @param view the incremental export's view type; null for a full export
     * @param from an incremental export's window start, or null when any window will do
     * @param to   an incremental export's window end, or null when any window will do
     */
    public record Expected(String tableArn, ExportType type, ExportViewType view, Instant from, Instant to) {
        public static Expected full(String tableArn) {
            return new Expected(tableArn, ExportType.FULL_EXPORT, null, null, null);
        }

        public static Expected incremental(String tableArn, ExportViewType view) {
            return new Expected(tableArn, ExportType.INCREMENTAL_EXPORT, view, null, null);
        }

        /** An incremental export of exactly [from, to): an adopted export of another window is refused. */
        public static Expected incremental(String tableArn, ExportViewType view, Instant from, Instant to) {
            return new Expected(tableArn, ExportType.INCREMENTAL_EXPORT, view, from, to);
        }
    }

    /** The folder of an export's manifests: {@code <export-prefix>/AWSDynamoDB/<ExportId>}, from its ARN's last part. */
    public static String manifestFolder(String exportPrefix, String exportArn) {
        String id = exportArn.substring(exportArn.lastIndexOf('/') + 1);
        return (exportPrefix.isEmpty() ? "" : exportPrefix + "/") + "AWSDynamoDB/" + id;
    }

    /**
     * Reads and checks the manifests under {@code manifestFolder} ({@link #manifestFolder}). Throws a one-line
     * {@link JobException} for an export that is not there or not complete, of another table, type or view, or whose
     * manifests disagree.
     */
    public static ExportTree open(ExportSource source, String manifestFolder, Expected expected) {
        String summaryKey = manifestFolder + "/manifest-summary.json";
        byte[] summaryBytes = source.read(summaryKey).orElseThrow(() -> new JobException(ErrorCode.EXPORT_INCOMPLETE,
                "no export summary at " + source.describe(summaryKey) + ": DynamoDB writes it when the export has"
                        + " completed; wait until DescribeExport says COMPLETED, or start a new export if it failed"));
        ManifestSummary summary = parseSummary(source, summaryKey, summaryBytes);
        check(source, summaryKey, summary, expected);
        String filesKey = resolve(summary.s3Prefix(), summary.manifestFilesKey());
        byte[] filesBytes = source.read(filesKey).orElseThrow(() -> new JobException(ErrorCode.EXPORT_INCOMPLETE,
                "export " + summary.exportArn() + " lists its data files in " + source.describe(filesKey)
                        + ", which does not exist; the export was cut short or deleted: start a new export"));
        List<DataFile> files = parseFiles(source, filesKey, filesBytes, summary);
        long listed = files.stream().mapToLong(DataFile::itemCount).sum();
        if (listed != summary.itemCount()) {
            throw new JobException(ErrorCode.EXPORT_CORRUPT, "export " + summary.exportArn() + ": its summary counts "
                    + summary.itemCount() + " items but " + source.describe(filesKey) + " lists " + listed
                    + "; the export tree was altered: start a new export");
        }
        return new ExportTree(summary, files);
    }

    public ManifestSummary summary() {
        return summary;
    }

    /** The data files in manifest order; each is read and checked on its own. */
    public List<DataFile> files() {
        return files;
    }

    private static void check(ExportSource source, String key, ManifestSummary s, Expected expected) {
        if (!s.tableArn().equals(expected.tableArn())) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "export " + s.exportArn() + " at " + source.describe(key)
                    + " is of table " + s.tableArn() + ", not " + expected.tableArn()
                    + "; pass the export of this table (or its export prefix)");
        }
        if (s.type() != expected.type()) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "export " + s.exportArn() + " is a " + s.type()
                    + ", not a " + expected.type() + "; pass an export of the expected type");
        }
        if (expected.view() != null && !s.view().equals(Optional.of(expected.view()))) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "incremental export " + s.exportArn() + " has view "
                    + s.view().map(Enum::name).orElse("(none)") + ", not " + expected.view()
                    + "; export the window again with ExportViewType " + expected.view());
        }
        if (expected.from() != null && (!s.exportFrom().equals(Optional.of(expected.from()))
                || !s.exportTo().equals(Optional.of(expected.to())))) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "incremental export " + s.exportArn() + " covers ["
                    + s.exportFrom().map(Instant::toString).orElse("?") + ", " + s.exportTo().map(Instant::toString).orElse("?")
                    + "), not [" + expected.from() + ", " + expected.to() + "); pass the export of that window, or let"
                    + " ddb2sf start one");
        }
        if (!"DYNAMODB_JSON".equals(s.outputFormat())) {
            throw new JobException(ErrorCode.EXPORT_MISMATCH, "export " + s.exportArn() + " is in " + s.outputFormat()
                    + "; ddb2sf reads DYNAMODB_JSON exports: export again with ExportFormat DYNAMODB_JSON");
        }
    }

    private static ManifestSummary parseSummary(ExportSource source, String key, byte[] bytes) {
        try {
            JsonNode j = JSON.readTree(bytes);
            // A full export's summary carries no exportType (the documented sample has none); incremental ones do.
            String type = j.path("exportType").asText("FULL_EXPORT");
            String view = j.path("outputView").asText(null);
            return new ManifestSummary(
                    required(j, "exportArn"), required(j, "tableArn"),
                    ExportType.fromValue(type),
                    Optional.ofNullable(view).map(ExportViewType::fromValue),
                    instant(j, "exportTime"), instant(j, "exportFromTime"), instant(j, "exportToTime"),
                    j.path("s3Prefix").isTextual() ? j.get("s3Prefix").textValue() : "",
                    required(j, "manifestFilesS3Key"),
                    j.path("itemCount").asLong(-1),
                    j.path("outputFormat").asText("DYNAMODB_JSON"));
        } catch (IOException | IllegalArgumentException e) {
            throw new JobException(ErrorCode.EXPORT_CORRUPT, "cannot read the export summary " + source.describe(key)
                    + ": " + JobException.firstLine(e) + "; start a new export", e);
        }
    }

    private static List<DataFile> parseFiles(ExportSource source, String key, byte[] bytes, ManifestSummary s) {
        List<DataFile> files = new ArrayList<>();
        int lineNo = 0;
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode j = JSON.readTree(line);
                files.add(new DataFile(resolve(s.s3Prefix(), required(j, "dataFileS3Key")),
                        j.path("itemCount").asLong(-1), required(j, "md5Checksum"), s.type(), s.exportArn()));
            } catch (IOException | IllegalArgumentException e) {
                throw new JobException(ErrorCode.EXPORT_CORRUPT, "cannot read line " + lineNo + " of "
                        + source.describe(key) + ": " + JobException.firstLine(e) + "; start a new export", e);
            }
        }
        return files;
    }

    /**
     * The bucket key of a key named in a manifest. The guide's sample names keys from {@code AWSDynamoDB/} while its
     * export prefix is {@code 2020-Nov}; a key already under the prefix is taken as it is.
     */
    static String resolve(String s3Prefix, String key) {
        if (s3Prefix.isEmpty() || key.startsWith(s3Prefix + "/")) {
            return key;
        }
        return s3Prefix + "/" + key;
    }

    private static String required(JsonNode j, String field) {
        JsonNode v = j.get(field);
        if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
            throw new IllegalArgumentException("'" + field + "' is missing");
        }
        return v.textValue();
    }

    private static Optional<Instant> instant(JsonNode j, String field) {
        JsonNode v = j.get(field);
        return v == null || !v.isTextual() ? Optional.empty() : Optional.of(Instant.parse(v.textValue()));
    }
}
