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
        int n = sequenceNumber.length();
        boolean digits = n > 0 && n <= 40;
        for (int i = 0; digits && i < n; i++) {
            char c = sequenceNumber.charAt(i);
            digits = c >= '0' && c <= '9';
        }
        if (!digits) {
            throw new IllegalArgumentException("stream sequence number is not 1 to 40 digits: " + sequenceNumber);
        }
        // A plain loop and one builder: this runs for every record.
        return new StringBuilder(40).repeat('0', 40 - n).append(sequenceNumber).toString();
    }
}
