package io.ddb2sf.export;

import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.ItemJson;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.stage.ChangeRow;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.Record;

/** A stream record as the change row the export stages: the whole conversion, in one place for the export and its benchmark. */
public final class StreamChangeRows {
    private StreamChangeRows() {}

    public static ChangeRow of(TableConfig table, String partitionId, Record r, TypedValues.Counter misfits) {
        var change = r.dynamodb();
        Map<String, AttributeValue> keysOnly = change.keys();
        // A REMOVE carries the deleted item as its image, so soft-delete tables keep the item's last state.
        Map<String, AttributeValue> image = change.hasNewImage() ? change.newImage()
                : change.hasOldImage() ? change.oldImage() : null;
        String op = r.eventNameAsString();
        ItemJson.Documents item = image == null ? null : ItemJson.of(image);
        String oldItem = table.keepOldImage() && change.hasOldImage() ? ItemJson.of(change.oldImage()).item() : null;
        return new ChangeRow(
                TypedValues.keyText(table.keys(), keysOnly),
                TypedValues.of(table.typedColumns(), image == null ? keysOnly : image, misfits),
                op, change.approximateCreationDateTime(), ChangeRow.paddedSequence(change.sequenceNumber()), isTtl(r),
                item == null ? null : item.item(), item == null ? null : item.types(), oldItem, partitionId);
    }

    /** A REMOVE done by DynamoDB's TTL rather than by a user: the service is its identity. */
    public static boolean isTtl(Record r) {
        Identity who = r.userIdentity();
        return "REMOVE".equals(r.eventNameAsString()) && who != null && "Service".equals(who.type())
                && "dynamodb.amazonaws.com".equals(who.principalId());
    }
}
