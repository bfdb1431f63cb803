package io.ddb2sf.backfill;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.dynamodb.RetryPolicy;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Reads parallel-Scan segments page by page within a shared {@link ReadBudget}: each page waits for its turn, asks for
 * as many items as half a second of the budget pays for (learned from the previous page's cost per item), pays what
 * DynamoDB reports it consumed, and is retried under {@link RetryPolicy#SCAN_PAGE} while DynamoDB throttles (a
 * throttled page is never skipped). The backfill and verify read the source only through it, with a client that
 * leaves throttling to this retry (Wiring).
 */
public final class SegmentScan {
    private final DynamoDbClient dynamodb;
    private final String table;
    private final int totalSegments;
    private final int workers;
    private final ReadBudget budget;
    private final ReadBudget.Sleeper sleeper;
    private final String rerunHint;
    private final AtomicLong throttled = new AtomicLong();
    private final DoubleAdder consumed = new DoubleAdder();

    /** Called with every page, in order; {@code next} is where the segment goes on, null after its last page. */
    @FunctionalInterface
    public interface PageHandler {
        void page(List<Map<String, AttributeValue>> items, Map<String, AttributeValue> next, double cost) throws IOException;
    }

    /**
     * @param workers   how many segments read at once through this scan's budget (each page's share of it)
     * @param rerunHint what an error tells the user to do after a failed page, e.g. "rerun with the same --backfill to resume"
     */
    public SegmentScan(DynamoDbClient dynamodb, String table, int totalSegments, int workers, ReadBudget budget,
                       ReadBudget.Sleeper sleeper, String rerunHint) {
        this.dynamodb = dynamodb;
        this.table = table;
        this.totalSegments = totalSegments;
        this.workers = workers;
        this.budget = budget;
        this.sleeper = sleeper;
        this.rerunHint = rerunHint;
    }

    /** Reads one segment from {@code startKey} (its beginning when null) to its end, or until the handler throws. */
    public void scan(int segment, Map<String, AttributeValue> startKey, PageHandler handler)
            throws IOException, InterruptedException {
        Map<String, AttributeValue> from = startKey;
        double perItem = 0.5;
        do {
            budget.awaitTurn();
            ScanResponse page = page(segment, from, budget.pageLimit(perItem, workers));
            double cost = page.consumedCapacity() == null ? 0 : page.consumedCapacity().capacityUnits();
            budget.spend(cost);
            consumed.add(cost);
            if (page.count() > 0) {
                perItem = cost / page.count();
            }
            from = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
            handler.page(page.items(), from, cost);
        } while (from != null);
    }

    /** Pages DynamoDB throttled (each retried). */
    public long throttledPages() {
        return throttled.get();
    }

    /** Read units consumed so far by every segment of this scan. */
    public double consumedRcu() {
        return consumed.sum();
    }

    public double unitsPerSecond() {
        return budget.unitsPerSecond();
    }

    private ScanResponse page(int segment, Map<String, AttributeValue> startKey, int limit) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                return dynamodb.scan(b -> b.tableName(table).segment(segment).totalSegments(totalSegments)
                        .exclusiveStartKey(startKey).limit(limit).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
            } catch (SdkServiceException e) {
                boolean throttling = e.isThrottlingException() || e instanceof ProvisionedThroughputExceededException
                        || e instanceof RequestLimitExceededException;
                if (!throttling || !RetryPolicy.SCAN_PAGE.retriesAfter(attempt)) {
                    throw new JobException(ErrorCode.SOURCE_FAILED, "scan of " + table + " segment " + segment + " failed"
                            + (throttling ? " after " + RetryPolicy.SCAN_PAGE.attempts() + " throttled attempts" : "")
                            + ": " + JobException.firstLine(e)
                            + "; " + rerunHint + " (lower --rcu-budget if it was throttled)", e);
                }
                throttled.incrementAndGet();
                sleeper.sleepNanos(RetryPolicy.SCAN_PAGE.delay(attempt, ThreadLocalRandom.current().nextDouble()).toNanos());
            } catch (SdkException e) {
                throw new JobException(ErrorCode.SOURCE_FAILED, "scan of " + table + " segment " + segment + " failed: "
                        + JobException.firstLine(e) + "; " + rerunHint, e);
            }
        }
    }
}
