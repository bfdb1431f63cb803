package io.ddb2sf.ddbexport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.localstack.ExportTreeWriter;
import io.ddb2sf.stage.ChangeRow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;

/**
 * The developer guide's own samples ("DynamoDB table export output format",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html; resources/ddbexport) read
 * by the reader, and the generator's output held against them: same field names, same line shapes.
 */
class ExportFormatGoldenTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final TableConfig PRODUCTS = new TableConfig("ProductCatalog", "PRODUCT_CATALOG",
            List.of(new ColumnSpec("Id", "ID", ScalarType.N, 0)), List.of(new ColumnSpec("Price", "PRICE", ScalarType.N, 2)),
            TableConfig.DeleteMode.HARD, false);
    static final TableConfig CUSTOMERS = new TableConfig("Customers", "CUSTOMERS",
            List.of(new ColumnSpec("PK", "PK", ScalarType.S, 0)), List.of(), TableConfig.DeleteMode.HARD, true);
    static final String GUIDE_TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/ProductCatalog";

    static String resource(String name) {
        try (InputStream in = ExportFormatGoldenTest.class.getResourceAsStream("/ddbexport/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Set<String> fields(JsonNode n) {
        Set<String> out = new TreeSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static List<String> orderedFields(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** The guide's summary as the export's manifest, over one data file holding {@code lines}. */
    static Map<String, byte[]> guideTree(String lines, String summaryOverrides) {
        String summary = resource("guide-manifest-summary-full.json");
        JsonNode s = json(summary);
        String prefix = s.get("s3Prefix").textValue();
        String filesKey = s.get("manifestFilesS3Key").textValue();
        String dataKey = json(resource("guide-manifest-files.jsonl")).get("dataFileS3Key").textValue();
        byte[] gz = ExportTreeTestTrees.gzip(lines);
        long count = lines.lines().count();
        Map<String, byte[]> tree = new LinkedHashMap<>();
        String folder = ExportTree.manifestFolder(prefix, s.get("exportArn").textValue());
        summary = summary.replace("\"itemCount\": 8", "\"itemCount\": " + count) + summaryOverrides;
        tree.put(folder + "/manifest-summary.json", summary.getBytes(StandardCharsets.UTF_8));
        tree.put(prefix + "/" + filesKey, ExportTreeTestTrees.manifestLine(count, gz, dataKey).getBytes(StandardCharsets.UTF_8));
        tree.put(prefix + "/" + dataKey, gz);
        return tree;
    }

    @Test
    void theGuidesFullExportSampleReadsAsSnapshotRows() {
        Map<String, byte[]> tree = guideTree(resource("guide-data-full.jsonl"), "");
        var source = new InMemoryExportSource(tree);
        ExportTree t = ExportTree.open(source, "2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4", ExportTree.Expected.full(GUIDE_TABLE_ARN));
        assertThat(t.summary().exportArn()).endsWith("/export/01234567890123-a1b2c3d4");
        assertThat(t.summary().exportTime()).contains(Instant.parse("2020-11-04T07:28:34.028Z"));
        assertThat(t.files()).singleElement().satisfies(f -> assertThat(f.key())
                .isEqualTo("2020-Nov/AWSDynamoDB/01345678901234-abc12345/data/asdl123dasas.json.gz"));
        List<ChangeRow> rows = new ArrayList<>();
        t.files().get(0).rows(source, ExportRows.snapshot(PRODUCTS, "ProductCatalog/backfill=20201104T072800Z",
                Instant.parse("2020-11-04T07:28:00Z")), new TypedValues.Counter(), rows::add);
        assertThat(rows).extracting(ChangeRow::key).containsExactly("[\"103\"]", "[\"104\"]", "[\"105\"]");
        assertThat(rows.get(0).op()).isEqualTo("SNAPSHOT");
        assertThat(rows.get(0).typed()).containsExactly(new java.math.BigDecimal("103"), new java.math.BigDecimal("2000.00"));
        assertThat(rows.get(0).item()).isEqualTo("{\"Authors\":[\"Author1\",\"Author2\"],\"Dimensions\":\"8.5 x 11.0 x 1.5\","
                + "\"ISBN\":\"333-3333333333\",\"Id\":103,\"InPublication\":false,\"PageCount\":600,\"Price\":2000,"
                + "\"ProductCategory\":\"Book\",\"Title\":\"Book 103 Title\"}");
        assertThat(rows.get(0).itemTypes()).contains("\"Authors\":\"SS\"", "\"InPublication\":\"BOOL\"");
    }

    @Test
    void theGuidesIncrementalSamplesGiveInsertModifyRemove() {
        String incremental = ",\"exportType\":\"INCREMENTAL_EXPORT\",\"outputView\":\"%s\"}";
        for (var view : List.of(ExportViewType.NEW_AND_OLD_IMAGES, ExportViewType.NEW_IMAGE)) {
            String file = view == ExportViewType.NEW_IMAGE ? "guide-data-incremental-new.jsonl" : "guide-data-incremental-new-and-old.jsonl";
            Map<String, byte[]> tree = guideTree(resource(file), "");
            String summaryKey = tree.keySet().iterator().next();
            String summary = new String(tree.get(summaryKey), StandardCharsets.UTF_8).trim();
            summary = summary.substring(0, summary.length() - 1) + String.format(incremental, view);
            tree.put(summaryKey, summary.getBytes(StandardCharsets.UTF_8));
            var source = new InMemoryExportSource(tree);
            ExportTree t = ExportTree.open(source, "2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4",
                    ExportTree.Expected.incremental(GUIDE_TABLE_ARN, view));
            Map<String, ChangeRow> rows = new HashMap<>();
            t.files().get(0).rows(source, ExportRows.changes(CUSTOMERS, "Customers/dt=x", view, Duration.ofSeconds(1)),
                    new TypedValues.Counter(), r -> rows.put(r.key(), r));
            boolean both = view == ExportViewType.NEW_AND_OLD_IMAGES;
            assertThat(rows.get("[\"CUST#100\"]").op()).isEqualTo(both ? "INSERT" : "MODIFY");
            assertThat(rows.get("[\"CUST#200\"]").op()).isEqualTo("MODIFY");
            assertThat(rows.get("[\"CUST#200\"]").item()).isEqualTo("{\"FirstName\":\"Mary\",\"LastName\":\"Smith\",\"PK\":\"CUST#200\"}");
            assertThat(rows.get("[\"CUST#200\"]").oldItem()).isEqualTo(both ? "{\"FirstName\":\"Mary\",\"LastName\":\"Grace\",\"PK\":\"CUST#200\"}" : null);
            ChangeRow del = rows.get("[\"CUST#300\"]");
            assertThat(del.op()).isEqualTo("REMOVE");
            assertThat(del.item()).isEqualTo(both ? "{\"FirstName\":\"Jose\",\"LastName\":\"Hernandez\",\"PK\":\"CUST#300\"}" : null);
            assertThat(del.eventTime()).isEqualTo(Instant.ofEpochSecond(1680109764L));
            assertThat(del.sequence()).isEqualTo(ExportRows.EXPORT_SEQUENCE);
        }
    }

    static final ExportTreeWriter.Target TARGET = new ExportTreeWriter.Target(GUIDE_TABLE_ARN, "ddb-productcatalog-export",
            "2020-Nov", "01234567890123-a1b2c3d4");

    static List<Map<String, AttributeValue>> guideItems() {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        resource("guide-data-full.jsonl").lines().forEach(l -> items.add(DynamoJson.item(json(l).get("Item"))));
        return items;
    }

    @Test
    void theGeneratorsFullExportHasTheGuidesFieldsAndItsLinesByteForByte() {
        Map<String, byte[]> tree = ExportTreeWriter.full(TARGET, Instant.parse("2020-11-04T07:28:34.028Z"), guideItems(), List.of("Id"), 1);
        JsonNode guideSummary = json(resource("guide-manifest-summary-full.json"));
        JsonNode summary = json(new String(tree.get(TARGET.manifestFolder() + "/manifest-summary.json"), StandardCharsets.UTF_8));
        assertThat(orderedFields(summary)).isEqualTo(orderedFields(guideSummary));
        assertThat(summary.get("exportArn").textValue()).isEqualTo(guideSummary.get("exportArn").textValue());
        assertThat(summary.get("exportTime").textValue()).isEqualTo(guideSummary.get("exportTime").textValue());
        assertThat(summary.get("outputFormat").textValue()).isEqualTo("DYNAMODB_JSON");
        assertThat(tree).containsKeys(TARGET.manifestFolder() + "/_started", TARGET.manifestFolder() + "/manifest-summary.checksum",
                TARGET.manifestFolder() + "/manifest-files.checksum");

        String filesLine = new String(tree.get(TARGET.manifestFolder() + "/manifest-files.json"), StandardCharsets.UTF_8).trim();
        assertThat(orderedFields(json(filesLine))).isEqualTo(orderedFields(json(resource("guide-manifest-files.jsonl"))));
        String dataKey = json(filesLine).get("dataFileS3Key").textValue();
        assertThat(dataKey).matches("2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/data/[a-z0-9]{26}\\.json\\.gz");
        assertThat(json(filesLine).get("md5Checksum").textValue()).matches("[A-Za-z0-9+/]{22}==");

        String lines = gunzip(tree.get(dataKey));
        assertThat(lines).isEqualTo(resource("guide-data-full.jsonl"));
    }

    @Test
    void theGeneratorsIncrementalLinesHaveTheGuidesShapes() {
        for (String view : List.of("NEW_AND_OLD_IMAGES", "NEW_IMAGE")) {
            String file = view.equals("NEW_IMAGE") ? "guide-data-incremental-new.jsonl" : "guide-data-incremental-new-and-old.jsonl";
            List<ExportTreeWriter.Change> changes = new ArrayList<>();
            // the guide's lines back into changes; NEW_IMAGE lines come from the NEW_AND_OLD_IMAGES ones minus OldImage
            resource("guide-data-incremental-new-and-old.jsonl").lines().map(ExportFormatGoldenTest::json).forEach(j -> changes.add(
                    new ExportTreeWriter.Change(DynamoJson.item(j.get("Keys")),
                            j.has("NewImage") ? DynamoJson.item(j.get("NewImage")) : null,
                            j.has("OldImage") ? DynamoJson.item(j.get("OldImage")) : null,
                            Long.parseLong(j.get("Metadata").get("WriteTimestampMicros").get("N").textValue()))));
            Map<String, byte[]> tree = ExportTreeWriter.incremental(TARGET, Instant.parse("2023-03-29T16:00:00Z"),
                    Instant.parse("2023-03-29T17:00:00Z"), view, changes, List.of("PK"), 1);
            JsonNode summary = json(new String(tree.get(TARGET.manifestFolder() + "/manifest-summary.json"), StandardCharsets.UTF_8));
            Set<String> expected = new TreeSet<>(fields(json(resource("guide-manifest-summary-full.json"))));
            expected.remove("exportTime");
            expected.addAll(List.of("exportFromTime", "exportToTime", "outputView", "exportType"));
            assertThat(fields(summary)).isEqualTo(expected);
            assertThat(summary.get("exportType").textValue()).isEqualTo("INCREMENTAL_EXPORT");
            assertThat(summary.get("outputView").textValue()).isEqualTo(view);

            String filesLine = new String(tree.get(TARGET.manifestFolder() + "/manifest-files.json"), StandardCharsets.UTF_8).trim();
            List<JsonNode> generated = gunzip(tree.get(json(filesLine).get("dataFileS3Key").textValue())).lines().map(ExportFormatGoldenTest::json).toList();
            List<JsonNode> guide = resource(file).lines().map(ExportFormatGoldenTest::json).toList();
            assertThat(generated).isEqualTo(guide);
        }
    }

    static String gunzip(byte[] gz) {
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

}
