package io.ddb2sf.stage;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.config.AutoColumns;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.ItemJson;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ColumnsRecordTest {
    private static final TableConfig TABLE = new TableConfig("t", "T",
            List.of(new ColumnSpec("pk", "PK", ScalarType.S, 0)), List.of(), TableConfig.DeleteMode.HARD, false,
            TableConfig.DEFAULT_LANDING_RETENTION, TableConfig.ChangeSource.STREAM,
            new AutoColumns(Set.of(), Set.of("secret"), 7));

    @Test
    void shouldNameColumnsSafely() {
        Set<String> taken = new HashSet<>(Set.of("PK", "PRICE"));
        assertThat(ColumnsRecord.columnName("Price", taken)).isEqualTo("PRICE_2");
        assertThat(ColumnsRecord.columnName("order", taken)).isEqualTo("ORDER_");
        assertThat(ColumnsRecord.columnName("first name", taken)).isEqualTo("FIRST_NAME");
        assertThat(ColumnsRecord.columnName("2fa", taken)).isEqualTo("A_2FA");
        assertThat(ColumnsRecord.columnName("_ITEM", taken)).isEqualTo("A__ITEM");
        assertThat(ColumnsRecord.columnName("", taken)).isEqualTo("A_");
        assertThat(ColumnsRecord.columnName("pk", taken)).isEqualTo("PK_2");
        assertThat(ColumnsRecord.columnName("größe", taken)).isEqualTo("GR_SSE");
    }

    @Test
    void shouldResolveTheColumnsOfAnEarlierVersionAndAddOnlyNewOnesToAResolvedTable() {
        ColumnsRecord record = new ColumnsRecord(new JsonStore(new StageStore(new InMemoryS3(), "bucket"),
                io.ddb2sf.Json.mapper()), new StageKeys("p"), System.err);
        ColumnsRecord.Discovery first = new ColumnsRecord.Discovery();
        first.see(row(Map.of("pk", s("a"), "name", s("x"))));
        assertThat(record.propose(TABLE, first)).isEqualTo(1);
        TableConfig v1 = record.resolve(TABLE).table();
        ColumnsRecord.Discovery second = new ColumnsRecord.Discovery();
        second.see(row(Map.of("pk", s("b"), "size", n("2"))));
        assertThat(record.propose(TABLE, second)).isEqualTo(2);

        assertThat(record.resolveAt(TABLE, 0).table().columns()).isEmpty();
        assertThat(record.resolveAt(TABLE, 1).table().columns()).extracting(ColumnSpec::column).containsExactly("NAME");
        assertThat(record.resolveAt(TABLE, 2).table().columns()).extracting(ColumnSpec::column).containsExactly("NAME", "SIZE");
        assertThat(record.resolve(v1).table().columns()).as("a resolved table gains what was recorded since, once")
                .extracting(ColumnSpec::column).containsExactly("NAME", "SIZE");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> record.resolveAt(TABLE, 3))
                .hasMessageContaining("is at version 2 but a partition was written with version 3");
    }

    @Test
    void shouldAddSeenAttributesByFirstTypeWithinExcludeAndLimit() {
        ColumnsRecord.Discovery seen = new ColumnsRecord.Discovery();
        seen.see(row(Map.of("pk", s("a"), "price", n("1.5"), "Price", s("x"), "qty", n("3"), "secret", s("no"),
                "tags", AttributeValue.fromSs(List.of("a")), "gone", AttributeValue.fromNul(true))));
        seen.see(row(Map.of("pk", s("b"), "price", n("2.125"), "qty", s("three"), "blob",
                AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1})), "ok", AttributeValue.fromBool(true))));
        ColumnsRecord.Columns empty = new ColumnsRecord.Columns(1, "t", 0, List.of());
        ColumnsRecord.Columns v1 = ColumnsRecord.plus(TABLE, empty, seen);
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v1.columns()).extracting(c -> c.attribute() + " " + c.column() + " " + c.type() + " " + c.scale())
                .containsExactly("Price PRICE S 0", "blob BLOB B 0", "ok OK BOOL 0", "price PRICE_2 N 3", "qty QTY N 0");
        assertThat(ColumnsRecord.plus(TABLE, v1, seen)).as("nothing new: same record").isSameAs(v1);

        ColumnsRecord.Discovery later = new ColumnsRecord.Discovery();
        later.see(row(Map.of("pk", s("c"), "qty", s("x"), "a", s("1"), "b", s("2"), "c", s("3"))));
        ColumnsRecord.Columns v2 = ColumnsRecord.plus(TABLE, v1, later);
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.columns()).as("limit 7").hasSize(7).extracting(ColumnsRecord.Column::column)
                .endsWith("A", "B");
        assertThat(v2.columns().get(4)).isEqualTo(v1.columns().get(4));
    }

    private static ChangeRow row(Map<String, AttributeValue> item) {
        ItemJson.Documents d = ItemJson.of(item);
        return new ChangeRow("[\"x\"]", List.of(), "INSERT", Instant.EPOCH, "1".repeat(40), false, d.item(), d.types(),
                null, "p");
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }
}
