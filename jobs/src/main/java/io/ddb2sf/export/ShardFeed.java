package io.ddb2sf.export;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.stage.ChangeRow;
import io.ddb2sf.stage.ShardPosition;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * One shard's change rows on their way from its reader thread to the export's writer, in the shard's order: a
 * bounded queue, then {@link #END}, then the position to record for the shard (or the read's failure).
 */
final class ShardFeed {
    /**
     * One GetRecords page (the reader asks for 1,000 records): a reader converts and fetches at most one page ahead
     * of the writer, so memory stays bounded by the pool size times a page, whatever the shard holds.
     */
    static final int CAPACITY = 1000;

    /** A converted change and what the summary counts of it. */
    record Row(ChangeRow row, String sequence, String op, boolean ttl, boolean late) {}

    /** Put after the shard's last row, whether its read succeeded or failed. */
    static final Row END = new Row(null, null, null, false, false);

    private final BlockingQueue<Row> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final CompletableFuture<ShardPosition> done = new CompletableFuture<>();
    private final TypedValues.Counter misfits = new TypedValues.Counter();

    /** Runs the shard's read (on a reader thread), records its outcome, and ends the feed. */
    void run(Supplier<ShardPosition> read) {
        try {
            done.complete(read.get());
        } catch (Throwable t) {
            done.completeExceptionally(t);
        } finally {
            try {
                queue.put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the export failed elsewhere and stopped the readers
            }
        }
    }

    /** Hands a row to the writer; waits while the writer is a page behind. */
    void put(Row row) {
        try {
            queue.put(row);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted();
        }
    }

    /** The next row, or {@link #END}. */
    Row take() {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted();
        }
    }

    /** Waits until the shard's read ended and returns the position to record for it, or throws its failure. */
    ShardPosition position() {
        try {
            return done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Counts the values that did not fit their typed column; used by the reader thread only. */
    TypedValues.Counter misfitCounter() {
        return misfits;
    }

    /** The misfits counted; read after {@link #position()}, which orders it after the reader's last count. */
    long misfits() {
        return misfits.count();
    }

    private static JobException interrupted() {
        return new JobException(ErrorCode.SOURCE_FAILED, "interrupted while exporting a shard; rerun the partition");
    }
}
