package io.ddb2sf.it;

import io.ddb2sf.Json;
import io.ddb2sf.cli.Wiring;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.export.ExportSummary;
import io.ddb2sf.stage.HourPartition;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The ddb2sf side of bench/export-shards: one export-increment of an hour, in this process, with the table's stream
 * shown as is (SHARDS = 1: DynamoDB Local's one open shard) or through {@link FannedStream} (SHARDS &gt; 1: a closed
 * parent and its open child holding every change, the other shards open and idle). Prints the job's JSON summary.
 * It lives with the Streams-API views it uses.
 * Usage: ShardFanoutBench CONFIG TABLE START END SHARDS
 */
public final class ShardFanoutBench {
    private ShardFanoutBench() {}

    public static void main(String[] args) throws Exception {
        PipelineConfig config = new ConfigLoader(System.getenv()).load(Path.of(args[0]));
        String table = args[1];
        HourPartition p = new HourPartition(table, Instant.parse(args[2]), Instant.parse(args[3]));
        int shards = Integer.parseInt(args[4]);
        // Every change in the lineage: the parent takes the first one, its child the rest (the split's place does
        // not change the work); pages of 1,000 records, as the export asks for.
        UnaryOperator<DynamoDbStreamsClient> view = shards == 1 ? UnaryOperator.identity()
                : real -> new FannedStream(real, shards, 1, 1000);
        try (Wiring wiring = new Wiring(config, System.err, view)) {
            ExportSummary summary = wiring.exportJob(config.table(table)).run(p);
            System.out.println(Json.mapper().writeValueAsString(summary));
        }
        System.exit(0);
    }
}
