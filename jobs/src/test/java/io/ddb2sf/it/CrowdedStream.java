package io.ddb2sf.it;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The real stream of DynamoDB Local, refusing the chosen GetRecords calls as DynamoDB Streams does when more than two
 * processes read a shard at once (LimitExceededException, status 400: "More than 2 processes are reading from the
 * same streams shard at the same time", API reference). DynamoDB Local has no such limit.
 */
final class CrowdedStream extends StreamView {
    private final Set<Integer> refuseCalls;
    private final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();

    CrowdedStream(DynamoDbStreamsClient real, Set<Integer> refuseCalls) {
        super(real);
        this.refuseCalls = refuseCalls;
    }

    @Override
    public GetRecordsResponse getRecords(GetRecordsRequest request) {
        if (refuseCalls.contains(calls.incrementAndGet())) {
            refused.incrementAndGet();
            throw LimitExceededException.builder().statusCode(400).message("Too many operations for a given subscriber").build();
        }
        return real.getRecords(request);
    }
}
