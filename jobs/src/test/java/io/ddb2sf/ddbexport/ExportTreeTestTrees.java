package io.ddb2sf.ddbexport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import io.ddb2sf.localstack.ExportTreeWriter;

/** Hand-made export trees: given data lines, with manifests that agree with them. */
final class ExportTreeTestTrees {
    private ExportTreeTestTrees() {}

    /** Replaces the one data file of a one-file tree by {@code lines}, keeping its manifests consistent. */
    static void replaceDataFile(Map<String, byte[]> tree, ExportTreeWriter.Target t, String lines) {
        String dataKey = tree.keySet().stream().filter(k -> k.contains("/data/")).findFirst().orElseThrow();
        byte[] gz = gzip(lines);
        long count = lines.lines().filter(l -> !l.isEmpty()).count();
        tree.put(dataKey, gz);
        tree.put(t.manifestFolder() + "/manifest-files.json", manifestLine(count, gz, dataKey).getBytes(StandardCharsets.UTF_8));
        String summaryKey = t.manifestFolder() + "/manifest-summary.json";
        String summary = new String(tree.get(summaryKey), StandardCharsets.UTF_8).replaceFirst("\"itemCount\":\\d+", "\"itemCount\":" + count);
        tree.put(summaryKey, summary.getBytes(StandardCharsets.UTF_8));
    }

    static String manifestLine(long count, byte[] gz, String dataKey) {
        byte[] md5 = md5(gz);
        return "{\"itemCount\":" + count + ",\"md5Checksum\":\"" + Base64.getEncoder().encodeToString(md5)
                + "\",\"etag\":\"" + java.util.HexFormat.of().formatHex(md5) + "\",\"dataFileS3Key\":\"" + dataKey + "\"}\n";
    }

    static byte[] gzip(String lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(lines.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] md5(byte[] b) {
        try {
            return MessageDigest.getInstance("MD5").digest(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
