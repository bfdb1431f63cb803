package io.ddb2sf.ddbexport;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.ItemJson;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.it.LocalStack;
import io.ddb2sf.localstack.ExportTreeGenerator;
import io.ddb2sf.localstack.ExportTreeWriter;
import io.ddb2sf.stage.ChangeRow;
import io.ddb2sf.stage.StageStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An export tree generated from a real DynamoDB Local table and its stream into the local S3, read back through the
 * stage bucket, equals the table: key by key against a consistent Scan.
 */
class ExportTreeIT {
    final LocalStack stack = LocalStack.fromEnvironment();
    final DynamoDbClient dynamodb = stack.dynamodb();
    final S3Client s3 = stack.s3();
    final String table = "export_tree_" + UUID.randomUUID().toString().substring(0, 8);
    final String prefix = "export-tree-it/" + table;
    final TableConfig config = new TableConfig(table, table.toUpperCase(),
            List.of(new ColumnSpec("pk", "PK", ScalarType.S, 0), new ColumnSpec("sk", "SK", ScalarType.N, 0)),
            List.of(new ColumnSpec("price", "PRICE", ScalarType.N, 2)), TableConfig.DeleteMode.HARD, true);

    @BeforeEach
    void createTable() {
        dynamodb.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S),
                        a -> a.attributeName("sk").attributeType(ScalarAttributeType.N))
                .keySchema(k -> k.attributeName("pk").keyType("HASH"), k -> k.attributeName("sk").keyType("RANGE"))
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
        for (Map<String, AttributeValue> item : ExportTreeTest.everyType()) {
            dynamodb.putItem(b -> b.tableName(table).item(item));
        }
        // updates, deletes, and an item inserted then deleted
        dynamodb.putItem(b -> b.tableName(table).item(ExportTreeTest.item("pk", ExportTreeTest.s("p1"), "sk", ExportTreeTest.n("1"),
                "price", ExportTreeTest.n("99.5"))));
        dynamodb.deleteItem(b -> b.tableName(table).key(ExportTreeTest.item("pk", ExportTreeTest.s("p2"), "sk", ExportTreeTest.n("2"))));
        dynamodb.putItem(b -> b.tableName(table).item(ExportTreeTest.item("pk", ExportTreeTest.s("gone"), "sk", ExportTreeTest.n("0"))));
        dynamodb.deleteItem(b -> b.tableName(table).key(ExportTreeTest.item("pk", ExportTreeTest.s("gone"), "sk", ExportTreeTest.n("0"))));
    }

    @AfterEach
    void dropTable() {
        dynamodb.deleteTable(b -> b.tableName(table));
        s3.listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(prefix)).contents()
                .forEach(o -> s3.deleteObject(b -> b.bucket(LocalStack.BUCKET).key(o.key())));
    }

    Map<String, String> scan() {
        Map<String, String> items = new HashMap<>();
        dynamodb.scanPaginator(b -> b.tableName(table).consistentRead(true)).items()
                .forEach(i -> items.put(TypedValues.keyText(config.keys(), i), ItemJson.of(i).item()));
        return items;
    }

    @Test
    void aFullExportTreeReadsBackAsTheTable() {
        ExportTreeGenerator generator = new ExportTreeGenerator(dynamodb, stack.streams(), s3);
        ExportTreeWriter.Target t = generator.full(table, LocalStack.BUCKET, prefix, Instant.now(), 4);
        ExportSource source = ExportSource.of(new StageStore(s3, LocalStack.BUCKET));
        ExportTree tree = ExportTree.open(source, ExportTree.manifestFolder(prefix, t.exportArn()), ExportTree.Expected.full(t.tableArn()));
        Map<String, String> rows = new HashMap<>();
        for (DataFile f : tree.files()) {
            f.rows(source, ExportRows.snapshot(config, table + "/backfill=x", Instant.now()), new TypedValues.Counter(),
                    r -> rows.put(r.key(), r.item()));
        }
        Map<String, String> scan = scan();
        assertThat(scan).hasSize(ExportTreeTest.everyType().size() - 1);
        assertThat(rows).isEqualTo(scan);
    }

    @Test
    void anIncrementalExportTreeOverTheTablesWholeHistoryRebuildsIt() {
        // DynamoDB Local stamps stream records to the minute, so the window spans the table's whole history: every
        // surviving item is an INSERT of its last image, the deleted ones give nothing.
        Instant from = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(5));
        Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(5));
        ExportTreeGenerator generator = new ExportTreeGenerator(dynamodb, stack.streams(), s3);
        for (ExportViewType view : List.of(ExportViewType.NEW_AND_OLD_IMAGES, ExportViewType.NEW_IMAGE)) {
            ExportTreeWriter.Target t = generator.incremental(table, LocalStack.BUCKET, prefix, from, to, view.toString(), 3);
            ExportSource source = ExportSource.of(new StageStore(s3, LocalStack.BUCKET));
            ExportTree tree = ExportTree.open(source, ExportTree.manifestFolder(prefix, t.exportArn()),
                    ExportTree.Expected.incremental(t.tableArn(), view));
            Map<String, ChangeRow> rows = new HashMap<>();
            for (DataFile f : tree.files()) {
                f.rows(source, ExportRows.changes(config, table + "/dt=x", view, Duration.ofMinutes(1)), new TypedValues.Counter(),
                        r -> rows.put(r.key(), r));
            }
            Map<String, String> items = new HashMap<>();
            rows.forEach((k, r) -> items.put(k, r.item()));
            assertThat(items).isEqualTo(scan());
            assertThat(rows.values()).extracting(ChangeRow::op).containsOnly(view == ExportViewType.NEW_AND_OLD_IMAGES ? "INSERT" : "MODIFY");
        }
    }
}
