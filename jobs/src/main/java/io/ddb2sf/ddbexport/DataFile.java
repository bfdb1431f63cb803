package io.ddb2sf.ddbexport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.Json;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.stage.ChangeRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.services.dynamodb.model.ExportType;

/**
 * One gzipped data file of an export, as its {@code manifest-files.json} line describes it. Reading streams it line by
 * line (one item in memory at a time, whatever the file's size) and checks, at its end, that the stored bytes have
 * the manifest's MD5 ({@code md5Checksum}, base64) and that it held {@code itemCount} lines.
 *
 * <p>The check can only end the read: a caller stages what it was handed as provisional and keeps it only when
 * {@link #lines} or {@link #rows} returned normally (the backfill writes a file's rows to parts it commits after).
 *
 * @param key        the data file's key in the bucket
 * @param itemCount  the lines the manifest says it holds
 * @param md5Base64  the MD5 of the stored (gzipped) bytes, base64, as the manifest states it
 * @param type       full or incremental, which decides the shape of its lines
 * @param exportArn  the export it belongs to, for messages
 */
public record DataFile(String key, long itemCount, String md5Base64, ExportType type, String exportArn) {
    private static final ObjectMapper JSON = Json.mapper();

    /** Hands each line to {@code out}, in file order, then checks count and MD5; returns the number of lines. */
    public long lines(ExportSource source, Consumer<ExportLine> out) {
        InputStream raw = source.open(key).orElseThrow(() -> new JobException(ErrorCode.EXPORT_INCOMPLETE,
                "data file " + source.describe(key) + " of export " + exportArn + " is listed in its manifest but"
                        + " does not exist; the export tree was cut short or deleted: start a new export"));
        MessageDigest md5 = md5();
        long lines = 0;
        try (DigestInputStream digest = new DigestInputStream(raw, md5);
             BufferedReader reader = new BufferedReader(new InputStreamReader(gunzip(digest), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                lines++;
                out.accept(parse(line, lines, source));
            }
            digest.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw corrupt(source, "cannot be read as gzipped JSON lines after " + lines + " lines ("
                    + JobException.firstLine(e) + ")", e);
        }
        String actual = Base64.getEncoder().encodeToString(md5.digest());
        if (!actual.equals(md5Base64)) {
            throw corrupt(source, "has MD5 " + actual + " but its manifest says " + md5Base64, null);
        }
        if (lines != itemCount) {
            throw corrupt(source, "holds " + lines + " items but its manifest says " + itemCount, null);
        }
        return lines;
    }

    /** {@link #lines}, each converted to the change row it stages. */
    public long rows(ExportSource source, ExportRows convert, TypedValues.Counter misfits, Consumer<ChangeRow> out) {
        return lines(source, line -> out.accept(convert.of(line, misfits)));
    }

    /** An empty file (an empty partition) is empty, not gzip: DynamoDB writes zero bytes for it. */
    private static InputStream gunzip(InputStream in) throws IOException {
        java.io.PushbackInputStream p = new java.io.PushbackInputStream(in, 1);
        int first = p.read();
        if (first < 0) {
            return InputStream.nullInputStream();
        }
        p.unread(first);
        return new GZIPInputStream(p, 64 * 1024);
    }

    private ExportLine parse(String line, long lineNo, ExportSource source) {
        try {
            JsonNode j = JSON.readTree(line);
            if (type == ExportType.FULL_EXPORT) {
                return ExportLine.full(DynamoJson.item(j.get("Item")));
            }
            JsonNode newImage = j.get("NewImage");
            JsonNode oldImage = j.get("OldImage");
            return ExportLine.change(DynamoJson.item(j.get("Keys")),
                    newImage == null || newImage.isNull() ? null : DynamoJson.item(newImage),
                    oldImage == null || oldImage.isNull() ? null : DynamoJson.item(oldImage),
                    writeTimestampMicros(j.path("Metadata").get("WriteTimestampMicros")));
        } catch (IOException | IllegalArgumentException e) {
            throw corrupt(source, "line " + lineNo + " is not an export line (" + JobException.firstLine(e) + ")", e);
        }
    }

    /**
     * Exports write the timestamp as a DynamoDB number, {@code {"N": "1680109764000000"}}; a bare number or string is
     * taken too, as the guide's own sample prints it that way.
     */
    private static long writeTimestampMicros(JsonNode v) {
        if (v == null) {
            throw new IllegalArgumentException("Metadata.WriteTimestampMicros is missing");
        }
        JsonNode n = v.isObject() ? v.get("N") : v;
        if (n == null || !(n.isTextual() || n.isIntegralNumber())) {
            throw new IllegalArgumentException("Metadata.WriteTimestampMicros is not a number: " + v);
        }
        return n.isTextual() ? Long.parseLong(n.textValue()) : n.longValue();
    }

    private JobException corrupt(ExportSource source, String what, Exception cause) {
        return new JobException(ErrorCode.EXPORT_CORRUPT, "data file " + source.describe(key) + " of export " + exportArn
                + " " + what + "; nothing of it is kept: start a new export (or restore the file if it was altered)", cause);
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
