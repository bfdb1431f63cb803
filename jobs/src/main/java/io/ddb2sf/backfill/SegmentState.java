package io.ddb2sf.backfill;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.PartFormat;
import java.util.List;
import java.util.Map;

/**
 * How far one scan segment of a backfill has got: written after each of its parts is durable, so a killed
 * backfill resumes after the last page whose rows are in a part, and never writes an item twice.
 *
 * @param lastEvaluatedKey where the scan resumes (attribute to {"S"|"N"|"B": value}), null at the start
 * @param parts            the segment's parts so far
 * @param items            rows in those parts
 * @param done             the segment was scanned to its end
 * @param partFormat       the {@link PartFormat} version of its parts; absent in states written before part formats,
 *                         whose parts are format 1. A resumed segment keeps it for the parts it adds.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SegmentState(int segment, int totalSegments, Map<String, Map<String, String>> lastEvaluatedKey,
                           List<Manifest.FileEntry> parts, long items, double consumedRcu, boolean done,
                           Integer partFormat) {

    public SegmentState {
        parts = List.copyOf(parts);
    }

    static SegmentState start(int segment, int totalSegments) {
        return new SegmentState(segment, totalSegments, null, List.of(), 0, 0, false, PartFormat.CURRENT.version());
    }

    /** The format of this segment's parts, and of any it adds. */
    PartFormat format() {
        return partFormat == null ? PartFormat.V1 : PartFormat.of(partFormat);
    }
}
