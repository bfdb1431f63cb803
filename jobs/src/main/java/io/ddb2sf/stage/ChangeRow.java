package io.ddb2sf.stage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One change, as staged and landed (DESIGN: change row).
 *
 * @param key        the item's identity: its key attribute values, exact, as canonical text
 * @param typed      one value per typed column of the table (keys first), null when absent or not fitting
 * @param op         INSERT, MODIFY, REMOVE, or SNAPSHOT for backfill rows
 * @param eventTime  when the change happened at the source; with {@code sequence} the change's version
 * @param sequence   the stream sequence number, zero-padded to 40 digits so text order is number order
 * @param ttlDelete  a REMOVE done by DynamoDB's TTL, not by a user
 * @param item       the item as natural JSON: the new image, or for a REMOVE the deleted item
 * @param itemTypes  the DynamoDB types of the new image
 * @param oldItem    old image as natural JSON, when the table keeps it
 * @param partition  the partition the row was staged in
 */
public record ChangeRow(
        String key,
        List<Object> typed,
        String op,
        Instant eventTime,
        String sequence,
        boolean ttlDelete,
        String item,
        String itemTypes,
        String oldItem,
        String partition) {

    public ChangeRow {
        typed = Collections.unmodifiableList(new ArrayList<>(typed));
    }

    public static String paddedSequence(String sequenceNumber) {
        if (sequenceNumber.isEmpty() || sequenceNumber.length() > 40 || !sequenceNumber.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("stream sequence number is not 1 to 40 digits: " + sequenceNumber);
        }
        return "0".repeat(40 - sequenceNumber.length()) + sequenceNumber;
    }
}
