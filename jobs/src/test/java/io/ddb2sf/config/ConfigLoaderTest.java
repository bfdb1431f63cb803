package io.ddb2sf.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private static final String VALID = """
            aws: {region: eu-west-1}
            stage: {bucket: b}
            snowflake: {account: xy1, user: U, password: p, database: D, schema: S}
            tables:
              - name: orders
                keys: [{attribute: id, type: S}]
                columns: [{attribute: total, type: N, scale: 2}, {attribute: "gift wrap?", column: GIFT_WRAP, type: BOOL}]
                deletes: soft
            """;

    @Test
    void shouldReadAValidConfig() throws Exception {
        PipelineConfig c = load(VALID, Map.of());
        TableConfig t = c.table("orders");
        assertThat(t.targetTable()).isEqualTo("ORDERS");
        assertThat(t.landingTable()).isEqualTo("ORDERS_CHANGES");
        assertThat(t.deleteMode()).isEqualTo(TableConfig.DeleteMode.SOFT);
        assertThat(t.typedColumns()).extracting(ColumnSpec::column).containsExactly("ID", "TOTAL", "GIFT_WRAP");
        assertThat(c.snowflake().stageUrl()).isEqualTo("s3://b/ddb2sf/");
        assertThat(c.stage().partTargetBytes()).isEqualTo(160L * 1024 * 1024);
    }

    @Test
    void shouldReadAutomaticColumns() throws Exception {
        String columns = "columns: [{attribute: total, type: N, scale: 2}, {attribute: \"gift wrap?\", column: GIFT_WRAP, type: BOOL}]";
        assertThat(load(VALID, Map.of()).table("orders").auto()).isNull();
        TableConfig auto = load(VALID.replace(columns, "columns: auto"), Map.of()).table("orders");
        assertThat(auto.auto()).isEqualTo(AutoColumns.all());
        assertThat(auto.columns()).isEmpty();
        TableConfig some = load(VALID.replace(columns, "columns: {auto: true, include: [a, b], exclude: [b], limit: 5}"),
                Map.of()).table("orders");
        assertThat(some.auto()).isEqualTo(new AutoColumns(java.util.Set.of("a", "b"), java.util.Set.of("b"), 5));
        assertThat(some.auto().admits("a")).isTrue();
        assertThat(some.auto().admits("b")).isFalse();
        assertThat(some.auto().admits("c")).isFalse();
        assertThatThrownBy(() -> load(VALID.replace(columns, "columns: automatic"), Map.of())).isInstanceOf(JobException.class)
                .hasMessageContaining("tables[0].columns must be a list of columns or 'auto', not 'automatic'");
        assertThatThrownBy(() -> load(VALID.replace(columns, "columns: {auto: true, limit: 0}"), Map.of()))
                .isInstanceOf(JobException.class).hasMessageContaining("tables[0].columns.limit must be from 1 to 1000");
    }

    @Test
    void shouldTakeAwssSecondAsTheStreamTimestampPrecisionUnlessTold() throws Exception {
        assertThat(load(VALID, Map.of()).aws().streamTimestampPrecision()).isEqualTo(java.time.Duration.ofSeconds(1));
        String local = VALID.replace("aws: {region: eu-west-1}", "aws: {region: eu-west-1, streamTimestampPrecision: PT1M}");
        assertThat(load(local, Map.of()).aws().streamTimestampPrecision()).isEqualTo(java.time.Duration.ofMinutes(1));
        String bad = VALID.replace("aws: {region: eu-west-1}", "aws: {region: eu-west-1, streamTimestampPrecision: second}");
        assertThatThrownBy(() -> load(bad, Map.of())).isInstanceOf(JobException.class)
                .hasMessageContaining("aws.streamTimestampPrecision 'second' must be a duration");
    }

    @Test
    void shouldKeepLandingRowsThirtyDaysUnlessTold() throws Exception {
        assertThat(load(VALID, Map.of()).table("orders").landingRetention()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(load(VALID, Map.of()).table("orders").tombstoneTable()).isEqualTo("ORDERS_TOMBSTONES");
        String week = VALID.replace("deletes: soft", "deletes: soft\n    landingRetention: P7D");
        assertThat(load(week, Map.of()).table("orders").landingRetention()).isEqualTo(java.time.Duration.ofDays(7));
        String zero = VALID.replace("deletes: soft", "deletes: soft\n    landingRetention: PT0S");
        assertThat(load(zero, Map.of()).table("orders").landingRetention()).isZero();
        for (String bad : new String[] {"30", "-P1D", "P3651D"}) {
            String yaml = VALID.replace("deletes: soft", "deletes: soft\n    landingRetention: \"" + bad + "\"");
            assertThatThrownBy(() -> load(yaml, Map.of())).isInstanceOf(JobException.class)
                    .hasMessageContaining("tables[0].landingRetention '" + bad + "' must be a duration from PT0S to P3650D");
        }
    }

    @Test
    void shouldLetTheEnvironmentOverrideSecretsAndEndpoints() throws Exception {
        PipelineConfig c = load(VALID, Map.of("DDB2SF_SNOWFLAKE_USER", "FROM_ENV", "DDB2SF_S3_ENDPOINT", "http://127.0.0.1:9000"));
        assertThat(c.snowflake().user()).isEqualTo("FROM_ENV");
        assertThat(c.aws().s3Endpoint()).hasValueSatisfying(u -> assertThat(u.getPort()).isEqualTo(9000));
    }

    @Test
    void shouldTakeTheStageBucketsOwnerOnlyAsAQuotedTwelveDigitAccountId() throws Exception {
        assertThat(load(VALID, Map.of()).stage().bucketOwner()).isEmpty();
        String owned = VALID.replace("stage: {bucket: b}", "stage: {bucket: b, bucketOwner: '012345678901'}");
        assertThat(load(owned, Map.of()).stage().bucketOwner()).contains("012345678901");
        for (String bad : new String[] {"12345678901", "'1234567890123'", "'acct-1'"}) {
            assertThatThrownBy(() -> load(VALID.replace("stage: {bucket: b}", "stage: {bucket: b, bucketOwner: " + bad + "}"), Map.of()))
                    .isInstanceOf(JobException.class)
                    .hasMessageContaining("stage.bucketOwner must be the bucket owner's 12-digit AWS account id, quoted");
        }
    }

    @Test
    void shouldWaitTenSecondsAtAnIdleOpenShardUnlessTheConfigSaysOtherwise() throws Exception {
        assertThat(load(VALID, Map.of()).stream().openShardIdleWait()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(load(VALID + "stream: {openShardIdleWait: PT2S}\n", Map.of()).stream().openShardIdleWait())
                .isEqualTo(java.time.Duration.ofSeconds(2));
        for (String bad : new String[] {"PT0.5S", "PT6M", "10s"}) {
            assertThatThrownBy(() -> load(VALID + "stream: {openShardIdleWait: " + bad + ", idle: 1}\n", Map.of()))
                    .isInstanceOf(JobException.class)
                    .hasMessageContaining("stream.openShardIdleWait '" + bad + "' must be a duration from PT1S to PT5M")
                    .hasMessageContaining("unknown field stream.idle");
        }
    }

    @Test
    void shouldReportEveryBadFieldInOneMessage() {
        String bad = """
                aws: {regoin: eu-west-1}
                stage: {bucket: b, partTargetMb: lots}
                snowflake: {account: xy1, user: U, database: D, schema: S, privateKeyFile: /nonexistent/key.p8}
                tables:
                  - name: orders
                    keys: [{attribute: "odd name", type: X}]
                    deletes: sometimes
                """;
        assertThatThrownBy(() -> load(bad, Map.of()))
                .isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).code()).isEqualTo(ErrorCode.CONFIG_INVALID))
                .hasMessageContaining("unknown field aws.regoin")
                .hasMessageContaining("aws.region is required")
                .hasMessageContaining("stage.partTargetMb must be a whole number")
                .hasMessageContaining("/nonexistent/key.p8 does not exist")
                .hasMessageContaining("must be one of S, N, B")
                .hasMessageContaining("give it a column: name")
                .hasMessageContaining("deletes must be hard or soft");
    }

    @Test
    void shouldRefuseTwoTablesThatMapToTheSameSnowflakeTable() {
        String clash = """
                aws: {region: eu-west-1}
                stage: {bucket: b}
                snowflake: {account: xy1, user: U, password: p, database: D, schema: S}
                tables:
                  - {name: orders-v2, keys: [{attribute: id, type: S}]}
                  - {name: orders.v2, keys: [{attribute: id, type: S}]}
                  - {name: carts, targetTable: ITEMS, keys: [{attribute: id, type: S}]}
                  - {name: items_changes, keys: [{attribute: id, type: S}]}
                  - {name: legacy, targetTable: orders_v2, keys: [{attribute: id, type: S}], deletes: never}
                """;
        assertThatThrownBy(() -> load(clash, Map.of()))
                .isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).code()).isEqualTo(ErrorCode.CONFIG_INVALID))
                .hasMessageContaining("tables 'orders-v2' and 'orders.v2' both map to the Snowflake table ORDERS_V2;"
                        + " give one of them another targetTable")
                .hasMessageContaining("tables 'carts' and 'items_changes' both map to the Snowflake table ITEMS_CHANGES")
                .hasMessageContaining("tables 'orders-v2' and 'legacy' both map to the Snowflake table orders_v2")
                .hasMessageContaining("tables[4].deletes must be hard or soft");
    }

    @Test
    void shouldAcceptTablesWhoseNamesDifferOnlyInCharactersThatStayDistinct() throws Exception {
        String distinct = """
                aws: {region: eu-west-1}
                stage: {bucket: b}
                snowflake: {account: xy1, user: U, password: p, database: D, schema: S}
                tables:
                  - {name: orders-v2, keys: [{attribute: id, type: S}]}
                  - {name: orders.v2, targetTable: ORDERS_V2_DOTTED, keys: [{attribute: id, type: S}]}
                """;
        assertThat(load(distinct, Map.of()).tables()).extracting(TableConfig::targetTable)
                .containsExactly("ORDERS_V2", "ORDERS_V2_DOTTED");
    }

    @Test
    void shouldNameTheConfiguredTablesWhenAskedForAnother() throws Exception {
        PipelineConfig c = load(VALID, Map.of());
        assertThatThrownBy(() -> c.table("nope")).hasMessageContaining("[orders]");
    }

    @Test
    void shouldRejectMalformedYaml() {
        assertThatThrownBy(() -> load("aws: [unclosed", Map.of())).hasMessageContaining("is not valid YAML/JSON");
    }

    @Test
    void shouldReportOnlyItsOwnErrorsWhenOneLoaderLoadsTwice() throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of());
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "aws: {regoin: eu-west-1}\nstage: {}\nsnowflake: {}\ntables: []\n");
        assertThatThrownBy(() -> loader.load(bad)).hasMessageContaining("unknown field aws.regoin");
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, VALID);
        assertThat(loader.load(good).tables()).hasSize(1);
    }

    @Test
    void shouldRefuseAKeepOldImageThatIsNotABoolean() {
        String text = VALID.replace("deletes: soft", "deletes: soft\n    keepOldImage: sometimes");
        assertThat(text).contains("keepOldImage: sometimes");
        assertThatThrownBy(() -> load(text, Map.of())).hasMessageContaining("keepOldImage must be true or false, not 'sometimes'");
    }

    @Test
    void shouldReadTheChangeSourceOfEachTableStreamUnlessTold() throws Exception {
        assertThat(load(VALID, Map.of()).table("orders").source()).isEqualTo(TableConfig.ChangeSource.STREAM);
        String exports = VALID.replace("deletes: soft", "deletes: soft\n    source: incremental-export");
        assertThat(load(exports, Map.of()).table("orders").source()).isEqualTo(TableConfig.ChangeSource.INCREMENTAL_EXPORT);
        String stream = VALID.replace("deletes: soft", "deletes: soft\n    source: stream");
        assertThat(load(stream, Map.of()).table("orders").source()).isEqualTo(TableConfig.ChangeSource.STREAM);
        String bad = VALID.replace("deletes: soft", "deletes: soft\n    source: export");
        assertThatThrownBy(() -> load(bad, Map.of())).isInstanceOf(JobException.class)
                .hasMessageContaining("tables[0].source must be stream or incremental-export, not 'export'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    private PipelineConfig load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader(env).load(file);
    }
}
