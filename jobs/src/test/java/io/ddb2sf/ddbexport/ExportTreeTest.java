package io.ddb2sf.ddbexport;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.ItemJson;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.localstack.ExportTreeWriter;
import io.ddb2sf.stage.ChangeRow;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;

class ExportTreeTest {
    static final String TABLE_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/orders";
    static final TableConfig TABLE = new TableConfig("orders", "ORDERS",
            List.of(new ColumnSpec("pk", "PK", ScalarType.S, 0), new ColumnSpec("sk", "SK", ScalarType.N, 0)),
            List.of(new ColumnSpec("price", "PRICE", ScalarType.N, 2), new ColumnSpec("blob", "BLOB", ScalarType.B, 0)),
            TableConfig.DeleteMode.HARD, true);
    static final Instant EXPORT_TIME = Instant.parse("2026-11-26T03:00:00Z");
    static final Instant FROM = Instant.parse("2026-11-26T02:00:00Z");
    static final Instant TO = Instant.parse("2026-11-26T03:00:00Z");
    static final ExportTreeWriter.Target TARGET = new ExportTreeWriter.Target(TABLE_ARN, "stage", "ddb2sf/orders/_exports",
            ExportTreeWriter.exportId(EXPORT_TIME, "t"));

    static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }

    static Map<String, AttributeValue> item(Object... kv) {
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (AttributeValue) kv[i + 1]);
        }
        return m;
    }

    /** Items with every attribute type, 38-digit and extreme numbers, binary, sets, nested maps, quoted names, one near 400 KB. */
    static List<Map<String, AttributeValue>> everyType() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        byte[] bin = new byte[256];
        for (int i = 0; i < bin.length; i++) {
            bin[i] = (byte) i;
        }
        items.add(item("pk", s("a\"b\\c\u00e9\u2603"), "sk", n("1"),
                "price", n("12345678901234567890123456789012345678"),
                "tiny", n("1E-130"), "huge", n("9.9999999999999999999999999999999999999E+125"), "neg", n("-0.000001"),
                "blob", AttributeValue.fromB(SdkBytes.fromByteArray(bin)),
                "flag", AttributeValue.fromBool(true), "nothing", AttributeValue.fromNul(true),
                "ss", AttributeValue.fromSs(List.of("x", "y\"z")), "ns", AttributeValue.fromNs(List.of("1", "2.5", "-3E+10")),
                "bs", AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(new byte[] {0}), SdkBytes.fromByteArray(bin))),
                "\"quoted\" name", s("v"), "we\"ird\\\"", s("\"\""),
                "nested", AttributeValue.fromM(item("m", AttributeValue.fromM(item("l", AttributeValue.fromL(List.of(
                        n("1"), s("two"), AttributeValue.fromL(List.of()), AttributeValue.fromM(Map.of()),
                        AttributeValue.fromNul(true)))))))));
        char[] big = new char[399_000];
        Arrays.fill(big, 'q');
        items.add(item("pk", s("big"), "sk", n("2"), "body", s(new String(big))));
        for (int i = 0; i < 200; i++) {
            items.add(item("pk", s("p" + i), "sk", n(Integer.toString(i)), "price", n(i + ".25")));
        }
        return items;
    }

    static Map<String, ChangeRow> rowsByKey(ExportSource source, ExportTree tree, ExportRows convert) {
        Map<String, ChangeRow> rows = new LinkedHashMap<>();
        TypedValues.Counter misfits = new TypedValues.Counter();
        for (DataFile f : tree.files()) {
            f.rows(source, convert, misfits, r -> assertThat(rows.put(r.key(), r)).as("one row per key").isNull());
        }
        return rows;
    }

    @Test
    void aFullExportGivesTheSnapshotRowAScanGivesForEveryItem() {
        List<Map<String, AttributeValue>> items = everyType();
        var source = new InMemoryExportSource(ExportTreeWriter.full(TARGET, EXPORT_TIME, items, List.of("pk", "sk"), 4));
        ExportTree tree = ExportTree.open(source, TARGET.manifestFolder(), ExportTree.Expected.full(TABLE_ARN));
        assertThat(tree.summary().itemCount()).isEqualTo(items.size());
        assertThat(tree.summary().exportTime()).contains(EXPORT_TIME);
        assertThat(tree.files()).hasSize(4);

        Instant version = Instant.parse("2026-11-26T02:59:00Z");
        Map<String, ChangeRow> rows = rowsByKey(source, tree, ExportRows.snapshot(TABLE, "orders/backfill=x", version));
        assertThat(rows).hasSize(items.size());
        TypedValues.Counter misfits = new TypedValues.Counter();
        for (Map<String, AttributeValue> it : items) {
            ChangeRow r = rows.get(TypedValues.keyText(TABLE.keys(), it));
            ItemJson.Documents docs = ItemJson.of(it);
            // What the scan backfill stages for the same item (BackfillJob.snapshotRow).
            ChangeRow scan = new ChangeRow(TypedValues.keyText(TABLE.keys(), it), TypedValues.of(TABLE.typedColumns(), it, misfits),
                    "SNAPSHOT", version, "0".repeat(40), false, docs.item(), docs.types(), null, "orders/backfill=x");
            assertThat(r.typed()).usingRecursiveComparison().isEqualTo(scan.typed());
            assertThat(r).usingRecursiveComparison().ignoringFields("typed").isEqualTo(scan);
        }
    }

    static List<ExportTreeWriter.Change> changes() {
        long t = FROM.plusSeconds(90).toEpochMilli() * 1000 + 123;
        return List.of(
                // inserted in the window
                new ExportTreeWriter.Change(item("pk", s("new"), "sk", n("1")), item("pk", s("new"), "sk", n("1"), "price", n("1.5")), null, t),
                // updated in the window
                new ExportTreeWriter.Change(item("pk", s("upd"), "sk", n("1")), item("pk", s("upd"), "sk", n("1"), "price", n("2")),
                        item("pk", s("upd"), "sk", n("1"), "price", n("1")), t + 1_000_000),
                // deleted in the window
                new ExportTreeWriter.Change(item("pk", s("del"), "sk", n("1")), null, item("pk", s("del"), "sk", n("1"), "price", n("3")),
                        t + 2_000_000));
    }

    @Test
    void anIncrementalExportWithBothImagesGivesInsertModifyAndRemove() {
        var source = new InMemoryExportSource(ExportTreeWriter.incremental(TARGET, FROM, TO, "NEW_AND_OLD_IMAGES", changes(), List.of("pk", "sk"), 2));
        ExportTree tree = ExportTree.open(source, TARGET.manifestFolder(),
                ExportTree.Expected.incremental(TABLE_ARN, ExportViewType.NEW_AND_OLD_IMAGES));
        assertThat(tree.summary().exportFrom()).contains(FROM);
        assertThat(tree.summary().exportTo()).contains(TO);
        Map<String, ChangeRow> rows = rowsByKey(source, tree,
                ExportRows.changes(TABLE, "orders/dt=x", ExportViewType.NEW_AND_OLD_IMAGES, Duration.ofSeconds(1)));
        ChangeRow ins = rows.get("[\"new\",\"1\"]");
        ChangeRow upd = rows.get("[\"upd\",\"1\"]");
        ChangeRow del = rows.get("[\"del\",\"1\"]");
        assertThat(ins.op()).isEqualTo("INSERT");
        assertThat(ins.item()).isEqualTo("{\"pk\":\"new\",\"price\":1.5,\"sk\":1}");
        assertThat(ins.oldItem()).isNull();
        assertThat(upd.op()).isEqualTo("MODIFY");
        assertThat(upd.item()).isEqualTo("{\"pk\":\"upd\",\"price\":2,\"sk\":1}");
        assertThat(upd.oldItem()).isEqualTo("{\"pk\":\"upd\",\"price\":1,\"sk\":1}");
        assertThat(del.op()).isEqualTo("REMOVE");
        assertThat(del.item()).as("a REMOVE carries the deleted item").isEqualTo("{\"pk\":\"del\",\"price\":3,\"sk\":1}");
        // version: the write time floored to the stream's unit (a second), above every stream sequence in it
        assertThat(ins.eventTime()).isEqualTo(FROM.plusSeconds(90));
        assertThat(upd.eventTime()).isEqualTo(FROM.plusSeconds(91));
        assertThat(ins.sequence()).isEqualTo("9".repeat(40)).isGreaterThan(ChangeRow.paddedSequence("9".repeat(39)));
        assertThat(rows.values()).allMatch(r -> !r.ttlDelete());
    }

    @Test
    void anIncrementalExportWithNewImagesOnlyCannotTellInsertsFromUpdates() {
        var source = new InMemoryExportSource(ExportTreeWriter.incremental(TARGET, FROM, TO, "NEW_IMAGE", changes(), List.of("pk", "sk"), 1));
        ExportTree tree = ExportTree.open(source, TARGET.manifestFolder(), ExportTree.Expected.incremental(TABLE_ARN, ExportViewType.NEW_IMAGE));
        Map<String, ChangeRow> rows = rowsByKey(source, tree,
                ExportRows.changes(TABLE, "orders/dt=x", ExportViewType.NEW_IMAGE, Duration.ofSeconds(1)));
        assertThat(rows.get("[\"new\",\"1\"]").op()).isEqualTo("MODIFY");
        assertThat(rows.get("[\"upd\",\"1\"]").op()).isEqualTo("MODIFY");
        assertThat(rows.get("[\"upd\",\"1\"]").oldItem()).isNull();
        ChangeRow del = rows.get("[\"del\",\"1\"]");
        assertThat(del.op()).isEqualTo("REMOVE");
        assertThat(del.item()).as("NEW_IMAGE deletes carry only the keys").isNull();
        assertThat(del.typed().subList(0, 2)).containsExactly("del", new java.math.BigDecimal("1"));
    }

    @Test
    void versionsFloorToTheStreamUnit() {
        ExportRows minute = ExportRows.changes(TABLE, "p", ExportViewType.NEW_AND_OLD_IMAGES, Duration.ofMinutes(1));
        assertThat(minute.version(Instant.parse("2026-11-26T02:59:59.999999Z").toEpochMilli() * 1000 + 999))
                .isEqualTo(Instant.parse("2026-11-26T02:59:00Z"));
        ExportRows second = ExportRows.changes(TABLE, "p", ExportViewType.NEW_AND_OLD_IMAGES, Duration.ofSeconds(1));
        assertThat(second.version(1680109764999999L)).isEqualTo(Instant.ofEpochSecond(1680109764L));
    }

    // ---- refusals: each a one-line error with its stable code ----

    static Map<String, byte[]> fullTree() {
        return ExportTreeWriter.full(TARGET, EXPORT_TIME, everyType().subList(2, 60), List.of("pk", "sk"), 3);
    }

    static String firstDataKey(Map<String, byte[]> tree) {
        return tree.keySet().stream().filter(k -> k.contains("/data/") && tree.get(k).length > 0).findFirst().orElseThrow();
    }

    static JobException readAll(Map<String, byte[]> tree, ExportTree.Expected expected) {
        var source = new InMemoryExportSource(tree);
        try {
            ExportTree t = ExportTree.open(source, TARGET.manifestFolder(), expected);
            rowsByKey(source, t, ExportRows.snapshot(TABLE, "p", EXPORT_TIME));
        } catch (JobException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e;
        }
        throw new AssertionError("the tree was accepted");
    }

    @Test
    void aDataFileWhoseBytesDifferFromItsMd5IsRefused() {
        Map<String, byte[]> tree = new LinkedHashMap<>(fullTree());
        String key = firstDataKey(tree);
        byte[] gz = tree.get(key).clone();
        gz[4] ^= 1; // the gzip header's mtime: still a valid gzip with the same lines, but other bytes
        tree.put(key, gz);
        JobException e = readAll(tree, ExportTree.Expected.full(TABLE_ARN));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_CORRUPT);
        assertThat(e.getMessage()).contains(key, "has MD5", "but its manifest says", "start a new export");
    }

    @Test
    void aDataFileWithAnotherItemCountThanItsManifestLineIsRefused() {
        Map<String, byte[]> tree = new LinkedHashMap<>(fullTree());
        String filesKey = TARGET.manifestFolder() + "/manifest-files.json";
        String files = new String(tree.get(filesKey), StandardCharsets.UTF_8);
        // move one item of count from the first file to the second: the total still agrees with the summary
        String[] lines = files.split("\n");
        lines[0] = bump(lines[0], -1);
        lines[1] = bump(lines[1], +1);
        tree.put(filesKey, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        JobException e = readAll(tree, ExportTree.Expected.full(TABLE_ARN));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_CORRUPT);
        assertThat(e.getMessage()).contains("items but its manifest says");
    }

    static String bump(String manifestLine, int by) {
        var m = java.util.regex.Pattern.compile("\"itemCount\":(\\d+)").matcher(manifestLine);
        assertThat(m.find()).isTrue();
        return m.replaceFirst("\"itemCount\":" + (Long.parseLong(m.group(1)) + by));
    }

    @Test
    void aSummaryWhoseCountDisagreesWithItsFilesIsRefusedBeforeAnyRowIsRead() {
        Map<String, byte[]> tree = new LinkedHashMap<>(fullTree());
        String filesKey = TARGET.manifestFolder() + "/manifest-files.json";
        String files = new String(tree.get(filesKey), StandardCharsets.UTF_8);
        tree.put(filesKey, (bump(files.split("\n")[0], 1) + "\n" + files.substring(files.indexOf('\n') + 1)).getBytes(StandardCharsets.UTF_8));
        JobException e = assertThrowsOnOpen(tree, ExportTree.Expected.full(TABLE_ARN));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_CORRUPT);
        assertThat(e.getMessage()).contains("its summary counts 58 items but", "lists 59");
    }

    @Test
    void aTruncatedDataFileIsRefused() {
        Map<String, byte[]> tree = new LinkedHashMap<>(fullTree());
        String key = firstDataKey(tree);
        tree.put(key, Arrays.copyOf(tree.get(key), tree.get(key).length / 2));
        JobException e = readAll(tree, ExportTree.Expected.full(TABLE_ARN));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_CORRUPT);
        assertThat(e.getMessage()).contains(key, "cannot be read as gzipped JSON lines");
    }

    @Test
    void aMissingDataFileIsAnIncompleteExport() {
        Map<String, byte[]> tree = new LinkedHashMap<>(fullTree());
        String key = firstDataKey(tree);
        tree.remove(key);
        JobException e = readAll(tree, ExportTree.Expected.full(TABLE_ARN));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_INCOMPLETE);
        assertThat(e.getMessage()).contains(key, "does not exist");
    }

    @Test
    void anExportWithoutItsSummaryIsNotCompleteYet() {
        Map<String, byte[]> tree = new LinkedHashMap<>(fullTree());
        tree.remove(TARGET.manifestFolder() + "/manifest-summary.json");
        JobException e = assertThrowsOnOpen(tree, ExportTree.Expected.full(TABLE_ARN));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_INCOMPLETE);
        assertThat(e.getMessage()).contains("no export summary", "COMPLETED");
    }

    @Test
    void anExportOfAnotherTableIsRefused() {
        JobException e = assertThrowsOnOpen(fullTree(), ExportTree.Expected.full("arn:aws:dynamodb:us-east-1:000000000000:table/other"));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_MISMATCH);
        assertThat(e.getMessage()).contains("is of table " + TABLE_ARN + ", not arn:aws:dynamodb:us-east-1:000000000000:table/other");
    }

    @Test
    void anExportOfAnotherTypeOrViewIsRefused() {
        JobException type = assertThrowsOnOpen(fullTree(), ExportTree.Expected.incremental(TABLE_ARN, ExportViewType.NEW_AND_OLD_IMAGES));
        assertThat(type.code()).isEqualTo(ErrorCode.EXPORT_MISMATCH);
        assertThat(type.getMessage()).contains("is a FULL_EXPORT, not a INCREMENTAL_EXPORT");
        var newOnly = ExportTreeWriter.incremental(TARGET, FROM, TO, "NEW_IMAGE", changes(), List.of("pk", "sk"), 1);
        JobException view = assertThrowsOnOpen(newOnly, ExportTree.Expected.incremental(TABLE_ARN, ExportViewType.NEW_AND_OLD_IMAGES));
        assertThat(view.getMessage()).contains("has view NEW_IMAGE, not NEW_AND_OLD_IMAGES");
    }

    @Test
    void anIncrementalExportOfAnotherWindowIsRefused() {
        var tree = ExportTreeWriter.incremental(TARGET, FROM, TO, "NEW_AND_OLD_IMAGES", changes(), List.of("pk", "sk"), 1);
        var source = new InMemoryExportSource(tree);
        ExportTree.open(source, TARGET.manifestFolder(), ExportTree.Expected.incremental(TABLE_ARN, ExportViewType.NEW_AND_OLD_IMAGES, FROM, TO));
        JobException e = assertThrowsOnOpen(tree, ExportTree.Expected.incremental(TABLE_ARN, ExportViewType.NEW_AND_OLD_IMAGES,
                TO, TO.plusSeconds(3600)));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_MISMATCH);
        assertThat(e.getMessage()).contains("covers [" + FROM + ", " + TO + "), not [" + TO + ", " + TO.plusSeconds(3600) + ")");
    }

    @Test
    void aLineThatIsNotDynamoDbJsonIsRefusedWithItsLineNumber() {
        Map<String, byte[]> tree = new LinkedHashMap<>(ExportTreeWriter.full(TARGET, EXPORT_TIME,
                List.of(item("pk", s("a"), "sk", n("1"))), List.of("pk", "sk"), 1));
        ExportTreeTestTrees.replaceDataFile(tree, TARGET, "{\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"X\":\"1\"}}}\n");
        JobException e = readAll(tree, ExportTree.Expected.full(TABLE_ARN));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPORT_CORRUPT);
        assertThat(e.getMessage()).contains("line 1 is not an export line", "unknown DynamoDB JSON type 'X'");
    }

    static JobException assertThrowsOnOpen(Map<String, byte[]> tree, ExportTree.Expected expected) {
        var source = new InMemoryExportSource(tree);
        try {
            ExportTree.open(source, TARGET.manifestFolder(), expected);
        } catch (JobException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
            return e;
        }
        throw new AssertionError("the tree was opened");
    }
}
