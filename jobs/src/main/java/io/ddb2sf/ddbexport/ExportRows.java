package io.ddb2sf.ddbexport;

import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.ItemJson;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.stage.ChangeRow;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;

/**
 * Export lines as the change rows the stage holds, built with the same {@link ItemJson} and {@link TypedValues} as
 * the scan backfill and the stream export, so an item gives the same row whichever way it arrived.
 *
 * <p>Versions (ordered by {@code (_EVENT_TS, _SEQ)} in merge_partition.sql):
 * <ul>
 *   <li>a full export line is a SNAPSHOT row at the version the caller computes for the snapshot (as for a scan:
 *       a time floored to the stream's timestamp precision) with sequence zero, so a stream change stamped in the
 *       same unit wins over it;</li>
 *   <li>an incremental line is the item's last change in the window: {@code _EVENT_TS} is its WriteTimestampMicros
 *       floored to the stream's timestamp precision (the scale stream rows are stamped on) and {@code _SEQ} is forty
 *       nines, above every stream sequence number. Export windows are whole seconds (ExportFromTime/ExportToTime
 *       count seconds), so a unit of one second lies in one window, and within its window the line is the item's
 *       latest write: it must win over every stream row of the same unit, which is either the same write or an
 *       earlier one. Across units the time decides, as between stream rows.</li>
 * </ul>
 */
public final class ExportRows {
    /** Above every stream sequence number (those are at most 40 digits and never all nines). */
    public static final String EXPORT_SEQUENCE = "9".repeat(40);
    private static final String SNAPSHOT_SEQUENCE = "0".repeat(40);

    private final TableConfig table;
    private final String partitionId;
    private final Instant snapshotVersion;
    private final ExportViewType view;
    private final long unitMicros;

    private ExportRows(TableConfig table, String partitionId, Instant snapshotVersion, ExportViewType view, Duration precision) {
        this.table = table;
        this.partitionId = partitionId;
        this.snapshotVersion = snapshotVersion;
        this.view = view;
        this.unitMicros = precision == null ? 1 : Math.max(1, precision.toNanos() / 1000);
    }

    /** Rows of a full export, each a SNAPSHOT at {@code version} (the backfill partition's version). */
    public static ExportRows snapshot(TableConfig table, String partitionId, Instant version) {
        return new ExportRows(table, partitionId, version, null, null);
    }

    /** Rows of an incremental export of the given view, versioned by write time floored to the stream's precision. */
    public static ExportRows changes(TableConfig table, String partitionId, ExportViewType view, Duration streamTimestampPrecision) {
        return new ExportRows(table, partitionId, null, view, streamTimestampPrecision);
    }

    public ChangeRow of(ExportLine line, TypedValues.Counter misfits) {
        if (line.item() != null) {
            if (snapshotVersion == null) {
                throw new IllegalArgumentException("a full export line handed to the converter of an incremental export");
            }
            ItemJson.Documents docs = ItemJson.of(line.item());
            return new ChangeRow(TypedValues.keyText(table.keys(), line.item()),
                    TypedValues.of(table.typedColumns(), line.item(), misfits), "SNAPSHOT", snapshotVersion,
                    SNAPSHOT_SEQUENCE, false, docs.item(), docs.types(), null, partitionId);
        }
        if (view == null) {
            throw new IllegalArgumentException("an incremental export line handed to the converter of a full export");
        }
        return change(line, misfits);
    }

    /**
     * REMOVE when the window ends without the item (no NewImage); INSERT when it starts without it (no OldImage),
     * which only the NEW_AND_OLD_IMAGES view can tell; with NEW_IMAGE every surviving item is a MODIFY, an upsert to
     * the merge either way. A REMOVE carries the old image as its item when there is one, as a stream REMOVE does, so
     * soft-delete tables keep the item's last state. DynamoDB's TTL deletes are not marked in an export: they arrive
     * as plain REMOVEs.
     */
    private ChangeRow change(ExportLine line, TypedValues.Counter misfits) {
        Map<String, AttributeValue> image = line.newImage() != null ? line.newImage() : line.oldImage();
        String op = line.newImage() == null ? "REMOVE"
                : line.oldImage() == null && view == ExportViewType.NEW_AND_OLD_IMAGES ? "INSERT" : "MODIFY";
        ItemJson.Documents item = image == null ? null : ItemJson.of(image);
        String oldItem = table.keepOldImage() && line.oldImage() != null ? ItemJson.of(line.oldImage()).item() : null;
        return new ChangeRow(TypedValues.keyText(table.keys(), line.keys()),
                TypedValues.of(table.typedColumns(), image == null ? line.keys() : image, misfits),
                op, version(line.writeTimestampMicros()), EXPORT_SEQUENCE, false,
                item == null ? null : item.item(), item == null ? null : item.types(), oldItem, partitionId);
    }

    /** The write time floored to the stream's timestamp unit. */
    Instant version(long writeTimestampMicros) {
        long floored = Math.floorDiv(writeTimestampMicros, unitMicros) * unitMicros;
        return Instant.ofEpochSecond(Math.floorDiv(floored, 1_000_000L), Math.floorMod(floored, 1_000_000L) * 1000L);
    }
}
