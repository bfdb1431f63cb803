package io.ddb2sf.localstack;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Lays out a DynamoDB export tree as the developer guide documents it ("DynamoDB table export output format",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html), as objects in memory:
 *
 * <pre>
 * export-prefix/AWSDynamoDB/ExportId/_started                 (empty)
 * export-prefix/AWSDynamoDB/ExportId/manifest-summary.json    (+ .checksum)
 * export-prefix/AWSDynamoDB/ExportId/manifest-files.json      (+ .checksum; one line per data file:
 *                                                              itemCount, md5Checksum, etag, dataFileS3Key)
 * export-prefix/AWSDynamoDB/ExportId/data/NAME.json.gz        (gzipped DynamoDB JSON, one item per line;
 *                                                              an empty partition gives an empty file)
 * </pre>
 *
 * A full export line is {@code {"Item": {...}}}; an incremental line is {@code {"Metadata": {"WriteTimestampMicros":
 * {"N": "..."}}, "Keys": {...}, "NewImage": {...}, "OldImage": {...}}}. Items are dealt over the data files by a hash
 * of their keys, as DynamoDB writes one file per partition's keyspace. The same input gives the same bytes.
 */
public final class ExportTreeWriter {
    private static final JsonFactory JSON = new JsonFactory();

    private ExportTreeWriter() {}

    /** One item's last change in an incremental window; a null image is left out of the line. */
    public record Change(Map<String, AttributeValue> keys, Map<String, AttributeValue> newImage,
                         Map<String, AttributeValue> oldImage, long writeTimestampMicros) {}

    /** Where an export goes and what it is of. */
    public record Target(String tableArn, String bucket, String exportPrefix, String exportId) {
        public String exportArn() {
            return tableArn + "/export/" + exportId;
        }

        public String manifestFolder() {
            return (exportPrefix.isEmpty() ? "" : exportPrefix + "/") + "AWSDynamoDB/" + exportId;
        }
    }

    /** A documented-looking export id: 14 digits of milliseconds, a dash, 8 hex digits. */
    public static String exportId(Instant at, String salt) {
        String hex = HexFormat.of().formatHex(md5(salt.getBytes(StandardCharsets.UTF_8))).substring(0, 8);
        return String.format("%014d-%s", at.toEpochMilli(), hex);
    }

    public static Map<String, byte[]> full(Target t, Instant exportTime, List<Map<String, AttributeValue>> items,
                                           List<String> keyNames, int files) {
        List<List<String>> lines = deal(files, items.size(), i -> hashKey(items.get(i), keyNames),
                i -> line(g -> {
                    g.writeFieldName("Item");
                    writeItem(g, items.get(i));
                }));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("version", "2020-06-30");
        summary.put("exportArn", t.exportArn());
        summary.put("startTime", iso(exportTime));
        summary.put("endTime", iso(exportTime.plusSeconds(300)));
        summary.put("tableArn", t.tableArn());
        summary.put("tableId", tableId(t.tableArn()));
        summary.put("exportTime", iso(exportTime));
        return tree(t, summary, lines, Map.of("outputFormat", "DYNAMODB_JSON"));
    }

    /**
     * @param view NEW_AND_OLD_IMAGES or NEW_IMAGE; with NEW_IMAGE no line has an OldImage
     */
    public static Map<String, byte[]> incremental(Target t, Instant from, Instant to, String view, List<Change> changes,
                                                  List<String> keyNames, int files) {
        boolean oldImages = "NEW_AND_OLD_IMAGES".equals(view);
        List<List<String>> lines = deal(files, changes.size(), i -> hashKey(changes.get(i).keys(), keyNames), i -> {
            Change c = changes.get(i);
            return line(g -> {
                g.writeFieldName("Metadata");
                g.writeStartObject();
                g.writeFieldName("WriteTimestampMicros");
                g.writeStartObject();
                g.writeStringField("N", Long.toString(c.writeTimestampMicros()));
                g.writeEndObject();
                g.writeEndObject();
                g.writeFieldName("Keys");
                writeItem(g, c.keys());
                if (c.newImage() != null) {
                    g.writeFieldName("NewImage");
                    writeItem(g, c.newImage());
                }
                if (oldImages && c.oldImage() != null) {
                    g.writeFieldName("OldImage");
                    writeItem(g, c.oldImage());
                }
            });
        });
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("version", "2023-08-01");
        summary.put("exportArn", t.exportArn());
        summary.put("startTime", iso(to));
        summary.put("endTime", iso(to.plusSeconds(300)));
        summary.put("tableArn", t.tableArn());
        summary.put("tableId", tableId(t.tableArn()));
        summary.put("exportFromTime", iso(from));
        summary.put("exportToTime", iso(to));
        Map<String, Object> tail = new LinkedHashMap<>();
        tail.put("outputFormat", "DYNAMODB_JSON");
        tail.put("outputView", view);
        tail.put("exportType", "INCREMENTAL_EXPORT");
        return tree(t, summary, lines, tail);
    }

    private static Map<String, byte[]> tree(Target t, Map<String, Object> summaryHead, List<List<String>> lines,
                                            Map<String, Object> summaryTail) {
        String folder = t.manifestFolder();
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put(folder + "/_started", new byte[0]);
        StringBuilder manifestFiles = new StringBuilder();
        long items = 0;
        long billed = 0;
        for (int f = 0; f < lines.size(); f++) {
            List<String> fileLines = lines.get(f);
            String key = folder + "/data/" + fileName(t.exportId(), f) + ".json.gz";
            StringBuilder text = new StringBuilder();
            fileLines.forEach(l -> text.append(l).append('\n'));
            byte[] raw = text.toString().getBytes(StandardCharsets.UTF_8);
            byte[] gz = fileLines.isEmpty() ? new byte[0] : gzip(raw);
            out.put(key, gz);
            byte[] md5 = md5(gz);
            manifestFiles.append(object(g -> {
                g.writeNumberField("itemCount", fileLines.size());
                g.writeStringField("md5Checksum", Base64.getEncoder().encodeToString(md5));
                g.writeStringField("etag", HexFormat.of().formatHex(md5));
                g.writeStringField("dataFileS3Key", key);
            })).append('\n');
            items += fileLines.size();
            billed += raw.length;
        }
        byte[] filesBytes = manifestFiles.toString().getBytes(StandardCharsets.UTF_8);
        long itemCount = items;
        long billedSize = billed;
        byte[] summary = object(g -> {
            summaryHead.forEach((k, v) -> field(g, k, v));
            field(g, "s3Bucket", t.bucket());
            field(g, "s3Prefix", t.exportPrefix().isEmpty() ? null : t.exportPrefix());
            field(g, "s3SseAlgorithm", "AES256");
            field(g, "s3SseKmsKeyId", null);
            field(g, "manifestFilesS3Key", folder + "/manifest-files.json");
            field(g, "billedSizeBytes", billedSize);
            field(g, "itemCount", itemCount);
            summaryTail.forEach((k, v) -> field(g, k, v));
        }).getBytes(StandardCharsets.UTF_8);
        out.put(folder + "/manifest-files.json", filesBytes);
        out.put(folder + "/manifest-files.checksum", HexFormat.of().formatHex(md5(filesBytes)).getBytes(StandardCharsets.UTF_8));
        out.put(folder + "/manifest-summary.json", summary);
        out.put(folder + "/manifest-summary.checksum", HexFormat.of().formatHex(md5(summary)).getBytes(StandardCharsets.UTF_8));
        return out;
    }

    /** DynamoDB JSON of one item: every value an object with its one type key, numbers and binary as strings. */
    public static void writeItem(JsonGenerator g, Map<String, AttributeValue> item) throws IOException {
        g.writeStartObject();
        for (var e : item.entrySet()) {
            g.writeFieldName(e.getKey());
            writeValue(g, e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeValue(JsonGenerator g, AttributeValue v) throws IOException {
        g.writeStartObject();
        switch (v.type()) {
            case S -> g.writeStringField("S", v.s());
            case N -> g.writeStringField("N", v.n());
            case B -> g.writeStringField("B", base64(v.b()));
            case BOOL -> g.writeBooleanField("BOOL", v.bool());
            case NUL -> g.writeBooleanField("NULL", true);
            case SS -> stringArray(g, "SS", v.ss());
            case NS -> stringArray(g, "NS", v.ns());
            case BS -> stringArray(g, "BS", v.bs().stream().map(ExportTreeWriter::base64).toList());
            case M -> {
                g.writeFieldName("M");
                writeItem(g, v.m());
            }
            case L -> {
                g.writeFieldName("L");
                g.writeStartArray();
                for (AttributeValue e : v.l()) {
                    writeValue(g, e);
                }
                g.writeEndArray();
            }
            default -> throw new IllegalArgumentException("unknown attribute type in " + v);
        }
        g.writeEndObject();
    }

    private static void stringArray(JsonGenerator g, String type, List<String> values) throws IOException {
        g.writeFieldName(type);
        g.writeStartArray();
        for (String s : values) {
            g.writeString(s);
        }
        g.writeEndArray();
    }

    private static String base64(SdkBytes b) {
        return Base64.getEncoder().encodeToString(b.asByteArrayUnsafe());
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String line(Body body) {
        return object(body);
    }

    private static String object(Body body) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void field(JsonGenerator g, String name, Object v) {
        try {
            if (v == null) {
                g.writeNullField(name);
            } else if (v instanceof Number n) {
                g.writeNumberField(name, n.longValue());
            } else {
                g.writeStringField(name, v.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<List<String>> deal(int files, int n, java.util.function.IntUnaryOperator hash,
                                           java.util.function.IntFunction<String> line) {
        List<List<String>> out = new ArrayList<>();
        for (int f = 0; f < files; f++) {
            out.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            out.get(Math.floorMod(hash.applyAsInt(i), files)).add(line.apply(i));
        }
        return out;
    }

    private static int hashKey(Map<String, AttributeValue> item, List<String> keyNames) {
        StringBuilder k = new StringBuilder();
        for (String name : keyNames) {
            k.append(item.get(name)).append('\u0000');
        }
        byte[] h = md5(k.toString().getBytes(StandardCharsets.UTF_8));
        return ((h[0] & 0xff) << 8) | (h[1] & 0xff);
    }

    /** 26 lowercase letters and digits, like the names DynamoDB gives its data files, derived from the export id. */
    private static String fileName(String exportId, int index) {
        byte[] h = md5((exportId + "/" + index).getBytes(StandardCharsets.UTF_8));
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 26; i++) {
            s.append(alphabet.charAt((h[i % h.length] + i * 7) & 31));
        }
        return s.toString();
    }

    private static String tableId(String tableArn) {
        String h = HexFormat.of().formatHex(md5(tableArn.getBytes(StandardCharsets.UTF_8)));
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-" + h.substring(20, 32);
    }

    private static String iso(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString().replaceFirst("(\\d\\d:\\d\\d:\\d\\d)Z$", "$1.000Z");
    }

    private static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] md5(byte[] b) {
        try {
            return MessageDigest.getInstance("MD5").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
