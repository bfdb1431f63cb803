package io.ddb2sf.it;

import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * A view over the real Streams API of DynamoDB Local: every call goes through to it, and a subclass changes only what
 * the real service does differently (a split, an expired iterator, empty pages, a trim...).
 */
abstract class StreamView implements DynamoDbStreamsClient {
    protected final DynamoDbStreamsClient real;

    StreamView(DynamoDbStreamsClient real) {
        this.real = real;
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
