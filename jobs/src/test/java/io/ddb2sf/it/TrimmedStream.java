package io.ddb2sf.it;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorResponse;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The real stream of DynamoDB Local after its records aged out: every record present when the view is first used is
 * trimmed, as DynamoDB trims records after 24 hours (too long to wait for in a test). TRIM_HORIZON then starts after
 * them, and a position inside them raises TrimmedDataAccessException, as the real service does.
 */
final class TrimmedStream extends StreamView {
    private Map<String, String> lastTrimmed;
    int trimmedRecords;

    TrimmedStream(DynamoDbStreamsClient real) {
        super(real);
    }

    @Override
    public DescribeStreamResponse describeStream(DescribeStreamRequest request) {
        trim(request.streamArn());
        return real.describeStream(request);
    }

    @Override
    public GetShardIteratorResponse getShardIterator(GetShardIteratorRequest request) {
        trim(request.streamArn());
        String last = lastTrimmed.get(request.shardId());
        if (last == null) {
            return real.getShardIterator(request);
        }
        if (request.shardIteratorType() == ShardIteratorType.TRIM_HORIZON) {
            return real.getShardIterator(request.toBuilder().shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER)
                    .sequenceNumber(last).build());
        }
        if (new BigInteger(request.sequenceNumber()).compareTo(new BigInteger(last)) < 0) {
            throw TrimmedDataAccessException.builder().message("records after " + request.sequenceNumber()
                    + " are beyond the trim horizon").build();
        }
        return real.getShardIterator(request);
    }

    /** Notes the last record of every shard as it is now, once per view. */
    private void trim(String streamArn) {
        if (lastTrimmed != null) {
            return;
        }
        lastTrimmed = new HashMap<>();
        for (Shard shard : real.describeStream(b -> b.streamArn(streamArn)).streamDescription().shards()) {
            String iterator = real.getShardIterator(b -> b.streamArn(streamArn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            int empty = 0;
            while (iterator != null && empty < 2) {
                String it = iterator;
                GetRecordsResponse page = real.getRecords(b -> b.shardIterator(it));
                for (var r : page.records()) {
                    lastTrimmed.put(shard.shardId(), r.dynamodb().sequenceNumber());
                    trimmedRecords++;
                }
                empty = page.records().isEmpty() ? empty + 1 : 0;
                iterator = page.nextShardIterator();
            }
        }
    }
}
