package io.ddb2sf.localstack;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local (with Streams) in server mode on a loopback port until the process is signalled.
 *
 * <p>Server mode, not the embedded client: embedded mode reports stream timestamps 1000x too large.
 */
public final class LocalDynamoDb {
    private LocalDynamoDb() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: LocalDynamoDb PORT");
            System.exit(2);
        }
        DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(
                new String[] {"-inMemory", "-port", args[0], "-disableTelemetry"});
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop();
            } catch (Exception e) {
                System.err.println("DynamoDB Local did not stop cleanly: " + e);
            }
        }));
        System.err.println("DynamoDB Local listening on 127.0.0.1:" + args[0]);
        // stop() leaves a non-daemon thread behind, so the process only ends on a signal.
        Thread.currentThread().join();
    }
}
