package io.ddb2sf.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig.DeleteMode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the config file (YAML or JSON), lays the environment overrides over it and validates everything at once,
 * so a bad config is reported in one message naming every offending field.
 */
public final class ConfigLoader {
    /** Environment variables that override config fields: the ones Kubernetes secrets and the local stack set. */
    public static final Map<String, String> ENV_OVERRIDES = Map.ofEntries(
            Map.entry("DDB2SF_AWS_REGION", "aws.region"),
            Map.entry("DDB2SF_DYNAMODB_ENDPOINT", "aws.dynamodbEndpoint"),
            Map.entry("DDB2SF_S3_ENDPOINT", "aws.s3Endpoint"),
            Map.entry("DDB2SF_STAGE_BUCKET", "stage.bucket"),
            Map.entry("DDB2SF_SNOWFLAKE_URL", "snowflake.url"),
            Map.entry("DDB2SF_SNOWFLAKE_ACCOUNT", "snowflake.account"),
            Map.entry("DDB2SF_SNOWFLAKE_USER", "snowflake.user"),
            Map.entry("DDB2SF_SNOWFLAKE_PRIVATE_KEY_FILE", "snowflake.privateKeyFile"),
            Map.entry("DDB2SF_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "snowflake.privateKeyPassphrase"),
            Map.entry("DDB2SF_SNOWFLAKE_PASSWORD", "snowflake.password"),
            Map.entry("DDB2SF_SNOWFLAKE_ROLE", "snowflake.role"),
            Map.entry("DDB2SF_SNOWFLAKE_WAREHOUSE", "snowflake.warehouse"));

    private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_.-]{3,255}");
    private static final Set<String> RESERVED_COLUMNS = Set.of(
            "_KEY", "_OP", "_EVENT_TS", "_SEQ", "_TTL_DELETE", "_ITEM", "_ITEM_TYPES", "_OLD_ITEM", "_PARTITION",
            "_VERSION_TS", "_VERSION_SEQ", "_DELETED_AT");
    private static final long MB = 1024L * 1024L;
    /** The longest landing retention: ten years (prune never deletes a partition that is not merged, whatever it is). */
    static final Duration MAX_RETENTION = Duration.ofDays(3650);

    private final Map<String, String> env;
    private final List<String> errors = new ArrayList<>();

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public PipelineConfig load(Path file) {
        errors.clear(); // one loader may load several files; each load reports its own errors only
        if (!Files.isReadable(file)) {
            throw invalid("config file " + file + " does not exist or is not readable (pass --config or set DDB2SF_CONFIG)");
        }
        JsonNode root;
        try {
            ObjectMapper mapper = file.toString().endsWith(".json") ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
            root = mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw invalid("config file " + file + " is not valid YAML/JSON: " + JobException.firstLine(e));
        }
        return parse(root, file.toString());
    }

    PipelineConfig parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw invalid("config " + source + " must be a mapping with aws, stage, snowflake and tables");
        }
        ObjectNode tree = ((ObjectNode) root).deepCopy();
        applyEnv(tree);
        allowOnly(tree, "", "aws", "stage", "snowflake", "tables", "stream");

        JsonNode aws = object(tree, "aws");
        allowOnly(aws, "aws.", "region", "dynamodbEndpoint", "s3Endpoint", "maxAttempts", "streamTimestampPrecision");
        PipelineConfig.Aws awsConfig = new PipelineConfig.Aws(
                required(aws, "aws.region", "region"),
                uri(aws, "aws.dynamodbEndpoint"),
                uri(aws, "aws.s3Endpoint"),
                integer(aws, "aws.maxAttempts", 8, 1, 50),
                precision(aws, "aws.streamTimestampPrecision"));

        JsonNode stage = object(tree, "stage");
        allowOnly(stage, "stage.", "bucket", "prefix", "partTargetMb", "rowGroupMb", "bucketOwner");
        String bucket = required(stage, "stage.bucket", "bucket");
        String prefix = optional(stage, "prefix").orElse("ddb2sf").replaceAll("^/+|/+$", "");
        PipelineConfig.Stage stageConfig = new PipelineConfig.Stage(
                bucket, prefix,
                integer(stage, "stage.partTargetMb", 160, 1, 4096) * MB,
                integer(stage, "stage.rowGroupMb", 32, 1, 512) * MB,
                bucketOwner(stage));

        JsonNode sf = object(tree, "snowflake");
        allowOnly(sf, "snowflake.", "url", "account", "user", "privateKeyFile", "privateKeyPassphrase", "password",
                "role", "warehouse", "database", "schema", "stage", "storageIntegration");
        Optional<String> url = optional(sf, "url");
        Optional<String> account = optional(sf, "account");
        if (url.isEmpty() && account.isEmpty()) {
            errors.add("snowflake.account is required (or snowflake.url / DDB2SF_SNOWFLAKE_URL)");
        }
        Optional<Path> keyFile = optional(sf, "privateKeyFile").map(Path::of);
        Optional<String> password = optional(sf, "password");
        if (keyFile.isEmpty() && password.isEmpty()) {
            errors.add("snowflake.privateKeyFile is required for key-pair auth (or DDB2SF_SNOWFLAKE_PRIVATE_KEY_FILE)");
        }
        keyFile.filter(k -> !Files.isReadable(k)).ifPresent(k -> errors.add(
                "snowflake.privateKeyFile " + k + " does not exist or is not readable (mount the key secret there)"));
        PipelineConfig.Snowflake sfConfig = new PipelineConfig.Snowflake(
                url, account,
                required(sf, "snowflake.user", "user"),
                keyFile,
                optional(sf, "privateKeyPassphrase"),
                password,
                optional(sf, "role"),
                optional(sf, "warehouse"),
                required(sf, "snowflake.database", "database"),
                required(sf, "snowflake.schema", "schema"),
                optional(sf, "stage").orElse("DDB2SF_STAGE"),
                "s3://" + bucket + "/" + (prefix.isEmpty() ? "" : prefix + "/"),
                optional(sf, "storageIntegration"));

        JsonNode stream = tree.path("stream");
        if (!stream.isMissingNode() && !stream.isObject()) {
            errors.add("stream must be a mapping (or left out)");
        }
        allowOnly(stream, "stream.", "openShardIdleWait");
        PipelineConfig.Stream streamConfig = new PipelineConfig.Stream(openShardIdleWait(stream, "stream.openShardIdleWait"));

        List<TableConfig> tables = tables(tree.get("tables"));
        if (!errors.isEmpty()) {
            throw invalid("config " + source + " is invalid: " + String.join("; ", errors));
        }
        return new PipelineConfig(awsConfig, stageConfig, sfConfig, tables, streamConfig);
    }

    private List<TableConfig> tables(JsonNode node) {
        List<TableConfig> tables = new ArrayList<>();
        if (node == null || !node.isArray() || node.isEmpty()) {
            errors.add("tables must list at least one table");
            return tables;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            String at = "tables[" + i + "]";
            if (!t.isObject()) {
                errors.add(at + " must be a mapping");
                continue;
            }
            allowOnly(t, at + ".", "name", "targetTable", "keys", "columns", "deletes", "keepOldImage",
                    "landingRetention", "source");
            String name = required(t, at + ".name", "name");
            if (name.isEmpty()) {
                continue;
            }
            if (!TABLE_NAME.matcher(name).matches()) {
                errors.add(at + ".name '" + name + "' is not a DynamoDB table name");
            }
            if (!names.add(name)) {
                errors.add(at + ".name '" + name + "' is listed twice");
            }
            String target = optional(t, "targetTable").orElse(name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_"));
            if (!PLAIN_IDENTIFIER.matcher(target).matches()) {
                errors.add(at + ".targetTable '" + target + "' must be a plain identifier (letters, digits, _)");
            }
            List<ColumnSpec> keys = columns(t.get("keys"), at + ".keys", true);
            if (keys.isEmpty() || keys.size() > 2) {
                errors.add(at + ".keys must list the partition key and, if the table has one, the sort key");
            }
            AutoColumns auto = autoColumns(t.get("columns"), at + ".columns");
            List<ColumnSpec> columns = auto != null ? List.of() : columns(t.get("columns"), at + ".columns", false);
            Set<String> seen = new HashSet<>();
            for (ColumnSpec c : concat(keys, columns)) {
                if (!seen.add(c.column().toUpperCase(Locale.ROOT))) {
                    errors.add(at + ": column " + c.column() + " is defined twice");
                }
            }
            String deletes = optional(t, "deletes").orElse("hard").toUpperCase(Locale.ROOT);
            DeleteMode mode = DeleteMode.HARD;
            try {
                mode = DeleteMode.valueOf(deletes);
            } catch (IllegalArgumentException e) {
                errors.add(at + ".deletes must be hard or soft, not '" + deletes.toLowerCase(Locale.ROOT) + "'");
            }
            JsonNode keepOldNode = t.path("keepOldImage");
            if (!keepOldNode.isMissingNode() && !keepOldNode.isBoolean()) {
                errors.add(at + ".keepOldImage must be true or false, not '" + keepOldNode.asText() + "'");
            }
            boolean keepOld = keepOldNode.asBoolean(false);
            tables.add(new TableConfig(name, target, keys, columns, mode, keepOld, retention(t, at + ".landingRetention"),
                    source(t, at + ".source"), auto));
        }
        sharedSnowflakeTables(tables);
        return tables;
    }

    /**
     * Two tables writing one Snowflake table would merge each other's items and delete each other's rows: refuse
     * any analytics or landing table claimed twice ({@code orders-v2} and {@code orders.v2} both default to
     * ORDERS_V2; a targetTable X also collides with the landing table of a targetTable whose landing table is X).
     * Compared upper-cased: names that differ only in case are one table to anyone who queries them unquoted.
     */
    private void sharedSnowflakeTables(List<TableConfig> tables) {
        Map<String, String> owners = new java.util.LinkedHashMap<>();
        for (TableConfig t : tables) {
            for (String snowflakeTable : List.of(t.targetTable(), t.landingTable(), t.tombstoneTable())) {
                String owner = owners.putIfAbsent(snowflakeTable.toUpperCase(Locale.ROOT), t.name());
                if (owner != null && !owner.equals(t.name())) {
                    errors.add("tables '" + owner + "' and '" + t.name() + "' both map to the Snowflake table "
                            + snowflakeTable + "; give one of them another targetTable");
                }
            }
        }
    }

    /**
     * {@code columns: auto}, or {@code columns: {auto: true, include: [...], exclude: [...], limit: N}}; null when the
     * columns are a declared list (or absent).
     */
    private AutoColumns autoColumns(JsonNode node, String at) {
        if (node != null && node.isTextual()) {
            if (node.asText().equals("auto")) {
                return AutoColumns.all();
            }
            errors.add(at + " must be a list of columns or 'auto', not '" + node.asText() + "'");
            return null;
        }
        if (node == null || !node.isObject()) {
            return null;
        }
        allowOnly(node, at + ".", "auto", "include", "exclude", "limit");
        if (!node.path("auto").asBoolean(false)) {
            errors.add(at + ".auto must be true (or give columns as a list)");
        }
        return new AutoColumns(names(node.get("include"), at + ".include"), names(node.get("exclude"), at + ".exclude"),
                integer(node, at + ".limit", AutoColumns.DEFAULT_LIMIT, 1, 1000));
    }

    private Set<String> names(JsonNode node, String at) {
        Set<String> names = new HashSet<>();
        if (node == null || node.isNull()) {
            return names;
        }
        if (!node.isArray()) {
            errors.add(at + " must be a list of attribute names");
            return names;
        }
        node.forEach(n -> names.add(n.asText()));
        return names;
    }

    private List<ColumnSpec> columns(JsonNode node, String at, boolean keys) {
        List<ColumnSpec> specs = new ArrayList<>();
        if (node == null || node.isNull()) {
            return specs;
        }
        if (!node.isArray()) {
            errors.add(at + " must be a list");
            return specs;
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode c = node.get(i);
            String here = at + "[" + i + "]";
            allowOnly(c, here + ".", "attribute", "column", "type", "scale");
            String attribute = required(c, here + ".attribute", "attribute");
            String typeText = optional(c, "type").orElse("");
            ScalarType type = null;
            try {
                type = ScalarType.valueOf(typeText.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add(here + ".type must be one of S, N, B" + (keys ? "" : ", BOOL") + ", not '" + typeText + "'");
            }
            if (keys && type == ScalarType.BOOL) {
                errors.add(here + ".type BOOL cannot be a DynamoDB key type (use S, N or B)");
            }
            String defaultColumn = PLAIN_IDENTIFIER.matcher(attribute).matches() ? attribute.toUpperCase(Locale.ROOT) : null;
            String column = optional(c, "column").orElse(defaultColumn);
            if (column == null) {
                errors.add(here + ": attribute '" + attribute + "' is not a plain identifier; give it a column: name");
            } else if (!PLAIN_IDENTIFIER.matcher(column).matches()) {
                errors.add(here + ".column '" + column + "' must be a plain identifier (letters, digits, _)");
            } else if (RESERVED_COLUMNS.contains(column.toUpperCase(Locale.ROOT))) {
                errors.add(here + ".column '" + column + "' is reserved for ddb2sf; choose another name");
            }
            int scale = integer(c, here + ".scale", 0, 0, 37);
            if (type != null && column != null) {
                specs.add(new ColumnSpec(attribute, column.toUpperCase(Locale.ROOT), type, scale));
            }
        }
        return specs;
    }

    private void applyEnv(ObjectNode tree) {
        ENV_OVERRIDES.forEach((var, path) -> {
            String value = env.get(var);
            if (value == null || value.isBlank()) {
                return;
            }
            String[] parts = path.split("\\.");
            JsonNode parent = tree.get(parts[0]);
            if (parent == null || !parent.isObject()) {
                parent = tree.putObject(parts[0]);
            }
            ((ObjectNode) parent).put(parts[1], value);
        });
        if (!tree.path("aws").has("region") && env.containsKey("AWS_REGION")) {
            JsonNode aws = tree.get("aws");
            ObjectNode awsNode = aws instanceof ObjectNode o ? o : tree.putObject("aws");
            awsNode.put("region", env.get("AWS_REGION"));
        }
    }

    private JsonNode object(ObjectNode tree, String name) {
        JsonNode node = tree.get(name);
        if (node == null || !node.isObject()) {
            errors.add(name + " is required and must be a mapping");
            return JsonNodeFactory.instance.objectNode();
        }
        return node;
    }

    private void allowOnly(JsonNode node, String at, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!ok.contains(f)) {
                errors.add("unknown field " + at + f + " (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    private String required(JsonNode node, String at, String field) {
        Optional<String> v = optional(node, field);
        if (v.isEmpty()) {
            errors.add(at + " is required");
        }
        return v.orElse("");
    }

    /** An AWS account id is 12 digits; a quoted YAML value keeps its leading zeros, a bare number does not. */
    private Optional<String> bucketOwner(JsonNode stage) {
        JsonNode v = stage.get("bucketOwner");
        Optional<String> owner = optional(stage, "bucketOwner");
        if (owner.isPresent() && (!v.isTextual() || !owner.get().matches("\\d{12}"))) {
            errors.add("stage.bucketOwner must be the bucket owner's 12-digit AWS account id, quoted (e.g. '012345678901'),"
                    + " not " + v);
            return Optional.empty();
        }
        return owner;
    }

    private static Optional<String> optional(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.asText().isBlank() ? Optional.empty() : Optional.of(v.asText().trim());
    }

    private Optional<URI> uri(JsonNode node, String at) {
        Optional<String> v = optional(node, at.substring(at.indexOf('.') + 1));
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI u = URI.create(v.get());
            if (u.getScheme() == null || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return Optional.of(u);
        } catch (IllegalArgumentException e) {
            errors.add(at + " '" + v.get() + "' is not a URL like http://127.0.0.1:8000");
            return Optional.empty();
        }
    }

    private int integer(JsonNode node, String at, int fallback, int min, int max) {
        JsonNode v = node.get(at.substring(at.lastIndexOf('.') + 1));
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() && !v.asText().matches("\\d+")) {
            errors.add(at + " must be a whole number from " + min + " to " + max);
            return fallback;
        }
        int n = v.asInt();
        if (n < min || n > max) {
            errors.add(at + " must be from " + min + " to " + max + ", not " + n);
            return fallback;
        }
        return n;
    }

    /** An ISO-8601 duration from one millisecond to one hour; AWS's one second when absent. */
    private Duration precision(JsonNode node, String at) {
        Optional<String> v = optional(node, at.substring(at.lastIndexOf('.') + 1));
        if (v.isEmpty()) {
            return PipelineConfig.Aws.AWS_STREAM_TIMESTAMP_PRECISION;
        }
        try {
            Duration d = Duration.parse(v.get());
            if (d.toMillis() < 1 || d.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException();
            }
            return d;
        } catch (RuntimeException e) {
            errors.add(at + " '" + v.get() + "' must be a duration from PT0.001S to PT1H, like PT1S (AWS) or PT1M"
                    + " (DynamoDB Local)");
            return PipelineConfig.Aws.AWS_STREAM_TIMESTAMP_PRECISION;
        }
    }

    /** An ISO-8601 duration from one second to five minutes; ten seconds when absent. */
    private Duration openShardIdleWait(JsonNode node, String at) {
        Optional<String> v = node.isObject() ? optional(node, "openShardIdleWait") : Optional.empty();
        if (v.isEmpty()) {
            return PipelineConfig.Stream.DEFAULT_OPEN_SHARD_IDLE_WAIT;
        }
        try {
            Duration d = Duration.parse(v.get());
            if (d.compareTo(PipelineConfig.Stream.MIN_OPEN_SHARD_IDLE_WAIT) < 0
                    || d.compareTo(PipelineConfig.Stream.MAX_OPEN_SHARD_IDLE_WAIT) > 0) {
                throw new IllegalArgumentException();
            }
            return d;
        } catch (RuntimeException e) {
            errors.add(at + " '" + v.get() + "' must be a duration from PT1S to PT5M; keep the default PT10S against"
                    + " AWS (an open shard may serve empty pages before records further along it)");
            return PipelineConfig.Stream.DEFAULT_OPEN_SHARD_IDLE_WAIT;
        }
    }

    /**
     * An ISO-8601 duration from zero (prune right after the merge) to ten years; 30 days when absent. Any value is safe
     * for the analytics table, which never needs a merged partition's landing rows again (hard deletes live on in the
     * tombstones); it only decides which reruns need their rows reloaded from the stage.
     */
    private Duration retention(JsonNode node, String at) {
        Optional<String> v = optional(node, at.substring(at.lastIndexOf('.') + 1));
        if (v.isEmpty()) {
            return TableConfig.DEFAULT_LANDING_RETENTION;
        }
        try {
            Duration d = Duration.parse(v.get());
            if (d.isNegative() || d.compareTo(MAX_RETENTION) > 0) {
                throw new IllegalArgumentException();
            }
            return d;
        } catch (RuntimeException e) {
            errors.add(at + " '" + v.get() + "' must be a duration from PT0S to P3650D, like P30D (the default) or PT72H");
            return TableConfig.DEFAULT_LANDING_RETENTION;
        }
    }

    /** stream (the default) or incremental-export. */
    private TableConfig.ChangeSource source(JsonNode node, String at) {
        String v = optional(node, "source").orElse(TableConfig.ChangeSource.STREAM.configName());
        for (TableConfig.ChangeSource s : TableConfig.ChangeSource.values()) {
            if (s.configName().equals(v)) {
                return s;
            }
        }
        errors.add(at + " must be stream or incremental-export, not '" + v + "'");
        return TableConfig.ChangeSource.STREAM;
    }

    private static List<ColumnSpec> concat(List<ColumnSpec> a, List<ColumnSpec> b) {
        List<ColumnSpec> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static JobException invalid(String message) {
        return new JobException(ErrorCode.CONFIG_INVALID, message);
    }
}
