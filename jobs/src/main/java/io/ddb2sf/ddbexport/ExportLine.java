package io.ddb2sf.ddbexport;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One line of an export data file. A full export line is {@code {"Item": {...}}}; an incremental export line is
 * {@code {"Metadata": {"WriteTimestampMicros": ...}, "Keys": {...}, "NewImage": {...}, "OldImage": {...}}}, with
 * NewImage absent for an item deleted in the window and OldImage absent for an item that did not exist before it (or
 * always, with the NEW_IMAGE view) ("DynamoDB table export output format", Incremental export output,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
 *
 * @param item                 a full export's item; null for incremental lines
 * @param keys                 an incremental line's key attributes; null for full lines
 * @param newImage             the item at the end of the window, or null when it was deleted
 * @param oldImage             the item at the start of the window, or null when it did not exist or the view is NEW_IMAGE
 * @param writeTimestampMicros when the item's last write in the window happened, microseconds since the epoch
 */
public record ExportLine(
        Map<String, AttributeValue> item,
        Map<String, AttributeValue> keys,
        Map<String, AttributeValue> newImage,
        Map<String, AttributeValue> oldImage,
        long writeTimestampMicros) {

    public static ExportLine full(Map<String, AttributeValue> item) {
        return new ExportLine(item, null, null, null, 0);
    }

    public static ExportLine change(Map<String, AttributeValue> keys, Map<String, AttributeValue> newImage,
                                    Map<String, AttributeValue> oldImage, long writeTimestampMicros) {
        return new ExportLine(null, keys, newImage, oldImage, writeTimestampMicros);
    }
}
