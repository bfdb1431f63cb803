package io.ddb2sf.export;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.ShardPosition;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.Shard;

/**
 * Where the stream starts again when a table goes back from {@code source: incremental-export} to the stream at the
 * hour H its incremental exports reached: every stream change from H on must be exported, none may be skipped.
 *
 * <p>DynamoDB Streams keeps records for up to 24 hours ("Change data capture for DynamoDB Streams",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html) and has no iterator by time:
 * GetShardIterator takes TRIM_HORIZON (the oldest untrimmed record), LATEST, AT_SEQUENCE_NUMBER or
 * AFTER_SEQUENCE_NUMBER (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html).
 * So each live shard is read from its trim horizon up to its first record stamped at or after H minus
 * {@link IncrementalExportSource#SWITCH_OVERLAP}, and placed after the last record before it; the export reads on
 * from there, so the overlap's changes come once from the last incremental export and once from the stream, which
 * the version rule makes harmless (a gap would not be).
 *
 * <p>That is only safe while the stream still holds every record since then: it must have existed already (its
 * CreationRequestDateTime), and the start must be younger than 23 hours (the 24 kept, less an hour for the run). If not,
 * the job stops with a STREAM_GAP naming the ways out instead of skipping ahead.
 */
final class StreamRestart {
    /** DynamoDB Streams keeps records 24 hours; an hour less leaves room for the run itself. */
    static final Duration STREAM_HOLDS = Duration.ofHours(23);

    private final StreamReader reader;
    private final Clock clock;
    private final PrintStream log;

    StreamRestart(StreamReader reader, Clock clock, PrintStream log) {
        this.reader = reader;
        this.clock = clock;
        this.log = log;
    }

    /** The positions from which partition {@code p} reads the stream, after incremental exports up to {@code reached}. */
    SortedMap<String, ShardPosition> positions(TableConfig table, String arn, HourPartition p, Instant reached) {
        Instant cut = reached.minus(IncrementalExportSource.SWITCH_OVERLAP);
        String ways = "keep source: incremental-export for " + table.name() + " while point-in-time recovery still holds the hours,"
                + " or backfill: " + ExportJob.backfillCommand(table);
        if (cut.isBefore(clock.instant().minus(STREAM_HOLDS))) {
            throw new JobException(ErrorCode.STREAM_GAP, "cannot switch " + table.name() + " back to its stream at " + reached
                    + ": the stream keeps changes 24 hours, so those from " + cut + " on may be trimmed already; " + ways);
        }
        Optional<Instant> created = reader.createdAt(arn);
        if (created.isPresent() && created.get().isAfter(cut)) {
            throw new JobException(ErrorCode.STREAM_GAP, "cannot switch " + table.name() + " back to its stream at " + reached
                    + ": stream " + arn + " was created at " + created.get() + ", so changes from " + cut
                    + " until then are not in it; " + ways);
        }
        List<Shard> shards = reader.shards(arn);
        Set<String> live = new HashSet<>();
        shards.forEach(s -> live.add(s.shardId()));
        SortedMap<String, ShardPosition> at = new TreeMap<>();
        for (Shard s : shards) {
            String ending = s.sequenceNumberRange() == null ? null : s.sequenceNumberRange().endingSequenceNumber();
            StreamReader.ShardRead before = reader.read(arn, s.shardId(), ending, null, StreamReader.Limit.before(cut), r -> { });
            String parent = s.parentShardId() != null && live.contains(s.parentShardId()) ? s.parentShardId() : null;
            at.put(s.shardId(), new ShardPosition(parent, before.lastSequence(), before.finished()));
        }
        log.printf("export %s: %s goes back to its stream after incremental exports up to %s; every shard starts after its"
                + " last record before %s%n", p, table.name(), reached, cut);
        return at;
    }
}
