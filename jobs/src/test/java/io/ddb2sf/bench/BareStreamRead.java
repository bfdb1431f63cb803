package io.ddb2sf.bench;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The bare baseline of bench/export-cpu: a GetRecords loop that only reads. It reads the table's stream from each
 * shard's trim horizon, pages of 1,000 as the export asks for, until it has read COUNT records (the export's change
 * count) or a shard gives an empty page, and prints the number read. It converts, writes and uploads nothing.
 * Usage: BareStreamRead DYNAMODB_ENDPOINT TABLE COUNT
 */
public final class BareStreamRead {
    private BareStreamRead() {}

    public static void main(String[] args) {
        URI endpoint = URI.create(args[0]);
        String table = args[1];
        long count = Long.parseLong(args[2]);
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        long read = 0;
        try (DynamoDbClient ddb = DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(creds).build();
             DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                     .credentialsProvider(creds).build()) {
            String arn = ddb.describeTable(b -> b.tableName(table)).table().latestStreamArn();
            for (var shard : streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards()) {
                String it = streams.getShardIterator(b -> b.streamArn(arn).shardId(shard.shardId())
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                while (it != null && read < count) {
                    String current = it;
                    GetRecordsResponse page = streams.getRecords(b -> b.shardIterator(current).limit(1000));
                    read += page.records().size();
                    it = page.records().isEmpty() ? null : page.nextShardIterator();
                }
            }
        }
        System.out.println(read);
    }
}
