package io.ddb2sf.it;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The real stream of DynamoDB Local, refusing the chosen GetRecords calls as DynamoDB Streams does when more than two
 * processes read a shard at once (LimitExceededException, status 400: "More than 2 processes are reading from the
 * same streams shard at the same time", API reference). DynamoDB Local has no such limit.
 */
final class CrowdedStream implements DynamoDbStreamsClient {
    private final DynamoDbStreamsClient real;
    private final Set<Integer> refuseCalls;
    private final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();

    CrowdedStream(DynamoDbStreamsClient real, Set<Integer> refuseCalls) {
        this.real = real;
        this.refuseCalls = refuseCalls;
    }

    @Override
    public DescribeStreamResponse describeStream(DescribeStreamRequest request) {
        return real.describeStream(request);
    }

    @Override
    public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
        return real.getShardIterator(request);
    }

    @Override
    public GetRecordsResponse getRecords(GetRecordsRequest request) {
        if (refuseCalls.contains(calls.incrementAndGet())) {
            refused.incrementAndGet();
            throw LimitExceededException.builder().statusCode(400).message("Too many operations for a given subscriber").build();
        }
        return real.getRecords(request);
    }

    @Override
    public String serviceName() {
        return real.serviceName();
    }

    @Override
    public void close() {
        // the real client belongs to the wiring
    }
}
