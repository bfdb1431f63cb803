package io.ddb2sf.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;

/** What a user would look at: the source table, the analytics table, the landing table, the stage. */
public final class Snapshots {
    private Snapshots() {}

    /** Every item of the DynamoDB table, by "pk|sk". */
    public static Map<String, Object> source(DynamoDbClient ddb, String table) {
        Map<String, Object> items = new TreeMap<>();
        ddb.scanPaginator(b -> b.tableName(table).consistentRead(true)).items()
                .forEach(i -> items.put(key(i), Items.canonical(i)));
        return items;
    }

    /** Every live row of the analytics table, by "pk|sk", as the DynamoDB item it stands for. */
    public static Map<String, Object> target(Connection c, String targetTable) throws SQLException {
        Map<String, Object> rows = new TreeMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT \"_KEY\", \"_ITEM\", \"_ITEM_TYPES\" FROM \"" + targetTable
                     + "\" WHERE \"_DELETED_AT\" IS NULL")) {
            while (rs.next()) {
                JsonNode key = parse(rs.getString(1));
                rows.put(key.get(0).asText() + "|" + new BigDecimal(key.get(1).asText()).stripTrailingZeros().toPlainString(),
                        Items.fromWarehouse(rs.getString(2), rs.getString(3)));
            }
        }
        return rows;
    }

    /** Rows of any query as text, for comparing a table before and after a rerun. */
    public static Map<String, String> rows(Connection c, String sql) throws SQLException {
        Map<String, String> rows = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            int row = 0;
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    b.append(rs.getString(i)).append('\u0001');
                }
                rows.put(String.format("%08d", row++), b.toString());
            }
        }
        return rows;
    }

    public static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** sha-256 of every object under a prefix. */
    public static Map<String, String> stage(S3Client s3, String bucket, String prefix) throws Exception {
        Map<String, String> objects = new TreeMap<>();
        for (var o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(o.key())).asByteArray();
            objects.put(o.key(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        }
        return objects;
    }

    /** A short account of how two item maps differ ("" when equal), so a failure names the attribute, not 400 KB. */
    public static String diff(Map<String, Object> expected, Map<String, Object> actual) {
        StringBuilder out = new StringBuilder();
        for (String k : expected.keySet()) {
            if (!actual.containsKey(k)) {
                out.append("missing in Snowflake: ").append(k).append('\n');
            } else if (!expected.get(k).equals(actual.get(k))) {
                Object e = expected.get(k);
                Object a = actual.get(k);
                if (e instanceof Map<?, ?> em && a instanceof Map<?, ?> am) {
                    for (Object attr : em.keySet()) {
                        if (!java.util.Objects.equals(em.get(attr), am.get(attr))) {
                            out.append(k).append('.').append(attr).append(": expected ").append(cut(em.get(attr)))
                                    .append(" but was ").append(cut(am.get(attr))).append('\n');
                        }
                    }
                    for (Object attr : am.keySet()) {
                        if (!em.containsKey(attr)) {
                            out.append(k).append('.').append(attr).append(": unexpected ").append(cut(am.get(attr))).append('\n');
                        }
                    }
                } else {
                    out.append(k).append(": expected ").append(cut(e)).append(" but was ").append(cut(a)).append('\n');
                }
            }
        }
        for (String k : actual.keySet()) {
            if (!expected.containsKey(k)) {
                out.append("extra in Snowflake: ").append(k).append('\n');
            }
        }
        return out.toString();
    }

    private static String cut(Object o) {
        String s = String.valueOf(o);
        return s.length() > 200 ? s.substring(0, 200) + "...(" + s.length() + " chars)" : s;
    }

    public static String key(Map<String, AttributeValue> item) {
        return item.get("pk").s() + "|" + new BigDecimal(item.get("sk").n()).stripTrailingZeros().toPlainString();
    }

    private static JsonNode parse(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
