package io.ddb2sf.it;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The real stream of DynamoDB Local, whose iterators expire after the chosen GetRecords calls, as a real iterator
 * does after 15 minutes (too long to wait for in a test).
 */
final class ExpiringStream extends StreamView {
    private final Set<Integer> expireOnCalls;
    private final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger expired = new AtomicInteger();

    ExpiringStream(DynamoDbStreamsClient real, Set<Integer> expireOnCalls) {
        super(real);
        this.expireOnCalls = expireOnCalls;
    }

    @Override
    public GetRecordsResponse getRecords(GetRecordsRequest request) {
        if (expireOnCalls.contains(calls.incrementAndGet())) {
            expired.incrementAndGet();
            throw ExpiredIteratorException.builder().message("Iterator expired. The iterator was created at time ...").build();
        }
        return real.getRecords(request);
    }
}
