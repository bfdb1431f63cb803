package io.ddb2sf.ddbexport;

import static io.ddb2sf.ddbexport.ExportTreeTest.item;
import static io.ddb2sf.ddbexport.ExportTreeTest.n;
import static io.ddb2sf.ddbexport.ExportTreeTest.s;
import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.localstack.ExportTreeGenerator;
import io.ddb2sf.localstack.ExportTreeWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;

/** How the generator folds a stream into an incremental export's lines: per item, its last change in the window. */
class ExportTreeGeneratorTest {
    static final Instant FROM = Instant.parse("2026-11-26T02:00:00Z");
    static final Instant TO = Instant.parse("2026-11-26T03:00:00Z");
    final List<Record> records = new ArrayList<>();
    long seq = 100;

    void record(OperationType op, Instant at, String pk, Map<String, AttributeValue> oldImage, Map<String, AttributeValue> newImage) {
        records.add(Record.builder().eventName(op).dynamodb(d -> d.keys(item("pk", s(pk))).oldImage(oldImage).newImage(newImage)
                .approximateCreationDateTime(at).sequenceNumber(Long.toString(seq++))).build());
    }

    @Test
    void eachItemGivesItsStateAtTheWindowsEndAndAtItsStart() {
        Instant before = FROM.minusSeconds(60);
        Instant in = FROM.plusSeconds(60);
        record(OperationType.INSERT, before, "upd", null, item("pk", s("upd"), "v", n("1")));
        record(OperationType.MODIFY, in, "upd", item("pk", s("upd"), "v", n("1")), item("pk", s("upd"), "v", n("2")));
        record(OperationType.MODIFY, in.plusSeconds(5), "upd", item("pk", s("upd"), "v", n("2")), item("pk", s("upd"), "v", n("3")));
        record(OperationType.INSERT, before, "del", null, item("pk", s("del"), "v", n("1")));
        record(OperationType.REMOVE, in, "del", item("pk", s("del"), "v", n("1")), null);
        record(OperationType.INSERT, in, "new", null, item("pk", s("new"), "v", n("1")));
        record(OperationType.INSERT, in, "flash", null, item("pk", s("flash")));
        record(OperationType.REMOVE, in, "flash", item("pk", s("flash")), null);
        record(OperationType.INSERT, TO, "later", null, item("pk", s("later")));
        record(OperationType.REMOVE, in, "back", item("pk", s("back"), "v", n("1")), null);
        record(OperationType.INSERT, in.plusSeconds(1), "back", null, item("pk", s("back"), "v", n("2")));

        List<ExportTreeWriter.Change> changes = ExportTreeGenerator.lastChanges(records, List.of("pk"), FROM, TO);
        assertThat(changes).extracting(c -> c.keys().get("pk").s()).containsExactly("upd", "del", "new", "back");
        ExportTreeWriter.Change upd = changes.get(0);
        assertThat(upd.oldImage()).isEqualTo(item("pk", s("upd"), "v", n("1")));
        assertThat(upd.newImage()).isEqualTo(item("pk", s("upd"), "v", n("3")));
        assertThat(upd.writeTimestampMicros()).isEqualTo(in.plusSeconds(5).toEpochMilli() * 1000);
        assertThat(changes.get(1).newImage()).isNull();
        assertThat(changes.get(1).oldImage()).isEqualTo(item("pk", s("del"), "v", n("1")));
        assertThat(changes.get(2).oldImage()).isNull();
        ExportTreeWriter.Change back = changes.get(3);
        assertThat(back.oldImage()).as("deleted and put back: a MODIFY from its old state").isEqualTo(item("pk", s("back"), "v", n("1")));
        assertThat(back.newImage()).isEqualTo(item("pk", s("back"), "v", n("2")));
    }
}
