package io.ddb2sf.localstack;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * Creates the demo table {@code demo_orders} (Streams on, NEW_AND_OLD_IMAGES) in DynamoDB Local and writes a mix
 * of inserts, updates and deletes with every attribute type.
 *
 * <p>Usage: DemoSeed ENDPOINT [ORDERS]
 */
public final class DemoSeed {
    private DemoSeed() {}

    public static void main(String[] args) {
        String endpoint = args[0];
        int orders = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        try (DynamoDbClient ddb = DynamoDbClient.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build()) {
            try {
                ddb.deleteTable(b -> b.tableName("demo_orders"));
            } catch (ResourceNotFoundException fresh) {
                // first run
            }
            ddb.createTable(b -> b.tableName("demo_orders")
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(a -> a.attributeName("order_id").attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName("order_id").keyType("HASH"))
                    .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
            Random random = new Random(42);
            String[] statuses = {"NEW", "PAID", "SHIPPED"};
            for (int i = 0; i < orders; i++) {
                Map<String, AttributeValue> item = new HashMap<>();
                item.put("order_id", s(String.format("ord-%05d", i)));
                item.put("amount", n(String.format("%d.%02d", random.nextInt(500), random.nextInt(100))));
                item.put("status", s(statuses[0]));
                item.put("customer", AttributeValue.fromM(Map.of(
                        "name", s(i % 7 == 0 ? "Zoë Ørsted" : "Customer " + i),
                        "vip", AttributeValue.fromBool(i % 5 == 0),
                        "address", AttributeValue.fromM(Map.of("city", s("Lyon"), "zip", s("69001"))))));
                item.put("lines", AttributeValue.fromL(List.of(
                        AttributeValue.fromM(Map.of("sku", s("SKU-" + i), "qty", n("2"))),
                        AttributeValue.fromM(Map.of("sku", s("SKU-X"), "qty", n("1"))))));
                item.put("tags", AttributeValue.fromSs(List.of("web", i % 2 == 0 ? "promo" : "full-price")));
                item.put("coupon_ids", AttributeValue.fromNs(List.of("101", String.valueOf(200 + i))));
                item.put("signature", AttributeValue.fromB(SdkBytes.fromUtf8String("sig-" + i)));
                item.put("note", i % 3 == 0 ? AttributeValue.fromNul(true) : s(""));
                item.put("ledger_total", n("12345678901234567890123456789012345678"));
                ddb.putItem(b -> b.tableName("demo_orders").item(item));
            }
            int updated = 0;
            int deleted = 0;
            for (int i = 0; i < orders; i += 3) {
                String id = String.format("ord-%05d", i);
                String status = statuses[1 + random.nextInt(2)];
                ddb.updateItem(b -> b.tableName("demo_orders").key(Map.of("order_id", s(id)))
                        .updateExpression("SET #s = :s ADD tags :t").expressionAttributeNames(Map.of("#s", "status"))
                        .expressionAttributeValues(Map.of(":s", s(status), ":t", AttributeValue.fromSs(List.of("updated")))));
                updated++;
            }
            for (int i = 1; i < orders; i += 10) {
                String id = String.format("ord-%05d", i);
                ddb.deleteItem(b -> b.tableName("demo_orders").key(Map.of("order_id", s(id))));
                deleted++;
            }
            System.err.printf("demo_orders: %d inserted, %d updated, %d deleted%n", orders, updated, deleted);
        }
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }
}
