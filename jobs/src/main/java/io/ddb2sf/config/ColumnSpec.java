package io.ddb2sf.config;

/**
 * A DynamoDB attribute that also lands as a typed Snowflake column (every key attribute is one).
 *
 * @param attribute the attribute name in DynamoDB, any characters
 * @param column    the Snowflake column name, a plain identifier
 * @param type      the DynamoDB scalar type the column holds
 * @param scale     digits after the point for N columns (NUMBER(38, scale))
 */
public record ColumnSpec(String attribute, String column, ScalarType type, int scale) {

    public enum ScalarType { S, N, B, BOOL }

    /** The Snowflake type; a value that does not fit it leaves the column NULL and keeps its exact text in _ITEM. */
    public String sqlType() {
        return switch (type) {
            case S -> "VARCHAR";
            case N -> "NUMBER(38," + scale + ")";
            case B -> "BINARY";
            case BOOL -> "BOOLEAN";
        };
    }
}
