package io.ddb2sf.dynamodb;

import java.time.Duration;

/**
 * How one kind of DynamoDB call is retried by ddb2sf itself, where the SDK does not (or must not) retry it. Every
 * other failure is retried by the SDK's STANDARD mode (throttling the SDK recognises, 5xx, I/O; up to
 * {@code aws.maxAttempts}), then fails the job, whose rerun resumes where it stopped.
 *
 * <p>The wait is full jitter over an exponentially growing ceiling, {@code random * min(cap, base * 2^retry)}: the
 * SDKs' standard-mode formula (AWS SDKs and Tools Reference Guide, "Retry behavior", feature-retry-behavior.html).
 *
 * @param attempts calls in all, the first included: a call is made at most this many times
 */
public record RetryPolicy(String what, Duration base, Duration cap, int attempts) {
    /**
     * A throttled Scan page (ProvisionedThroughputExceeded, RequestLimitExceeded, ThrottlingException) of a backfill or
     * verify. The scan's client makes one attempt per call (Wiring), so these 12 are all the calls a throttled page
     * makes: the budget, not the SDK, decides how hard the table is read. 100 ms doubling to 20 s: about two minutes
     * of waiting in all before the job fails and its rerun resumes the segment.
     */
    public static final RetryPolicy SCAN_PAGE = new RetryPolicy("throttled scan page", Duration.ofMillis(100),
            Duration.ofSeconds(20), 12);

    /**
     * A GetRecords refused with LimitExceededException: "more than 2 processes are reading from the same streams shard
     * at the same time" (DynamoDB Streams API reference). The SDK does not retry it (its code is not among the SDK's
     * throttling or retryable codes, and it comes with status 400). Base 1 s and cap 20 s are the SDKs' throttling
     * constants (SdkDefaultRetrySetting); ten attempts wait under two minutes in all, well within an iterator's 15.
     */
    public static final RetryPolicy SHARD_READERS = new RetryPolicy("read refused for a third reader",
            Duration.ofSeconds(1), Duration.ofSeconds(20), 10);

    /** The wait before retry number {@code retry} (0 for the first), for a random draw in [0, 1). */
    public Duration delay(int retry, double random) {
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(retry, 20));
        return Duration.ofMillis((long) (random * ceiling));
    }

    /** True while call number {@code attempt} (0 for the first) may be followed by another. */
    public boolean retriesAfter(int attempt) {
        return attempt + 1 < attempts;
    }
}
