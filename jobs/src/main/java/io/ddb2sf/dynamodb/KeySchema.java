package io.ddb2sf.dynamodb;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.TableConfig;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** The configured keys must be the table's key schema, names and types, or nothing is exported. */
public final class KeySchema {
    private KeySchema() {}

    public static TableDescription describe(DynamoDbClient dynamodb, TableConfig table) {
        TableDescription d;
        try {
            d = dynamodb.describeTable(b -> b.tableName(table.name())).table();
        } catch (ResourceNotFoundException e) {
            throw new JobException(ErrorCode.CONFIG_INVALID, "DynamoDB table '" + table.name()
                    + "' does not exist in this account and region (check tables[].name and aws.region)", e);
        } catch (SdkException e) {
            throw new JobException(ErrorCode.SOURCE_FAILED, "cannot describe table " + table.name() + ": "
                    + JobException.firstLine(e) + " (check the endpoint, region and"
                    + " the role's dynamodb:DescribeTable right; then rerun)", e);
        }
        check(table, d);
        return d;
    }

    static void check(TableConfig table, TableDescription d) {
        Map<String, String> types = d.attributeDefinitions().stream()
                .collect(Collectors.toMap(AttributeDefinition::attributeName, AttributeDefinition::attributeTypeAsString));
        List<String> actual = d.keySchema().stream().map(KeySchemaElement::attributeName).toList();
        List<String> configured = table.keys().stream().map(ColumnSpec::attribute).toList();
        if (!actual.equals(configured)) {
            throw new JobException(ErrorCode.KEY_SCHEMA_MISMATCH, "tables[" + table.name() + "].keys lists " + configured
                    + " but the table's key schema is " + actual + " (partition key first); fix the config");
        }
        for (ColumnSpec k : table.keys()) {
            String type = types.get(k.attribute());
            if (!k.type().name().equals(type)) {
                throw new JobException(ErrorCode.KEY_SCHEMA_MISMATCH, "key attribute '" + k.attribute() + "' of "
                        + table.name() + " is type " + type + " in DynamoDB but " + k.type() + " in the config; fix the config");
            }
        }
    }
}
