package io.ddb2sf.it;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The real stream of DynamoDB Local with each record stamped as AWS stamps it: ApproximateCreationDateTime rounded
 * down to the second (DynamoDB Streams API reference, StreamRecord), where DynamoDB Local rounds to the minute. The
 * test names each record's stamp from the times it recorded; a record it gives none is hidden, as a change made while
 * no stream ran never reaches one.
 */
final class RestampedStream extends StreamView {
    private final Function<Record, Optional<Instant>> stamp;

    RestampedStream(DynamoDbStreamsClient real, Function<Record, Optional<Instant>> stamp) {
        super(real);
        this.stamp = stamp;
    }

    @Override
    public GetRecordsResponse getRecords(GetRecordsRequest request) {
        GetRecordsResponse page = real.getRecords(request);
        List<Record> shown = page.records().stream()
                .flatMap(r -> stamp.apply(r).map(at -> r.toBuilder()
                        .dynamodb(r.dynamodb().toBuilder().approximateCreationDateTime(at).build()).build()).stream())
                .toList();
        return page.toBuilder().records(shown).build();
    }
}
