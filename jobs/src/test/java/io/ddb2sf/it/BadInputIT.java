package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad usage and bad config: one clear line naming the problem and the fix, exit code 2, nothing touched. */
class BadInputIT {
    static final String START = "2026-11-24T10:00:00Z";
    static final String END = "2026-11-24T11:00:00Z";

    final LocalStack stack = LocalStack.fromEnvironment();

    @Test
    void shouldExitTwoOnAWindowThatIsNotOneHour() throws Exception {
        Cli cli = new Cli(stack.writeConfig("it/bad", "IT_BAD", Fixtures.tableYaml("t_bad", "hard")), stack.environment());
        Cli.Result r = cli.run("export-increment", "t_bad", END, START);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.error()).contains("DDB2SF-0002", "is not after start");
        assertThat(cli.run("copy-load", "t_bad", START, "2026-11-24T10:30:00Z").error()).contains("one whole UTC hour");
        assertThat(cli.run("copy-load", "t_bad", "yesterday", END).exitCode()).isEqualTo(2);
    }

    @Test
    void shouldExitTwoOnAMissingOrMalformedConfig() throws Exception {
        Cli missing = new Cli(Path.of("/nonexistent/ddb2sf.yaml"), stack.environment());
        Cli.Result r = missing.run("stage-validate", "t", START, END);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.error()).contains("DDB2SF-0001", "/nonexistent/ddb2sf.yaml", "--config");

        Path broken = Files.createTempFile("ddb2sf-it-", ".yaml");
        Files.writeString(broken, "aws: {region: us-east-1}\nstage: {}\nsnowflake: {user: u}\ntables: []\n");
        Cli.Result b = new Cli(broken, stack.environment()).run("copy-load", "t", START, END);
        assertThat(b.exitCode()).isEqualTo(2);
        assertThat(b.error()).contains("stage.bucket is required", "snowflake.database is required", "at least one table");
        assertThat(b.stdout()).isEmpty();
    }

    @Test
    void shouldExitTwoWhenThePrivateKeyFileIsMissingOrUnreadable() throws Exception {
        Path unreadable = Files.createTempFile("ddb2sf-it-key-", ".p8");
        unreadable.toFile().setReadable(false, false);
        for (String key : new String[] {"/nonexistent/rsa_key.p8", unreadable.toString()}) {
            Path config = Files.createTempFile("ddb2sf-it-", ".yaml");
            Files.writeString(config, """
                    aws: {region: us-east-1}
                    stage: {bucket: b}
                    snowflake: {account: xy12345, user: U, database: D, schema: S, privateKeyFile: %s}
                    tables: [{name: t, keys: [{attribute: pk, type: S}]}]
                    """.formatted(key));
            Cli.Result r = new Cli(config, stack.environment()).run("merge-apply", "t", START, END);
            if (key.equals(unreadable.toString()) && Files.isReadable(unreadable)) {
                continue; // root reads every file: only the missing key can be shown here
            }
            assertThat(r.exitCode()).as(r.stderr()).isEqualTo(2);
            assertThat(r.error()).contains("DDB2SF-0001", "snowflake.privateKeyFile " + key, "mount the key secret there");
        }
    }

    @Test
    void shouldNameTheConfiguredTablesForAnUnknownTable() throws Exception {
        Cli cli = new Cli(stack.writeConfig("it/bad", "IT_BAD", Fixtures.tableYaml("t_known", "hard")), stack.environment());
        Cli.Result r = cli.run("merge-apply", "t_unknown", START, END);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.error()).contains("'t_unknown' is not in the config", "t_known");
    }

    @Test
    void shouldExitTwoWhenTheConfiguredKeysAreNotTheTablesKeySchema() throws Exception {
        String table = "it_keys_" + LocalStack.uniqueSuffix();
        try (var ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, table);
        }
        String yaml = Fixtures.tableYaml(table, "hard").replace("{attribute: sk, type: N}", "{attribute: sk, type: S}");
        Cli cli = new Cli(stack.writeConfig("it/keys", "IT_KEYS", yaml), stack.environment());
        Cli.Result r = cli.run("export-increment", table, START, END);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.error()).contains("DDB2SF-0003", "'sk'", "type N in DynamoDB but S in the config");

        String wrongName = Fixtures.tableYaml(table, "hard").replace("{attribute: sk, type: N}", "{attribute: created, type: N}");
        Cli.Result w = new Cli(stack.writeConfig("it/keys", "IT_KEYS", wrongName), stack.environment())
                .run("export-increment", table, START, END);
        assertThat(w.exitCode()).isEqualTo(2);
        assertThat(w.error()).contains("[pk, created]", "[pk, sk]");
    }

    @Test
    void shouldExitTwoOnUnknownOptions() {
        Cli cli = new Cli(Path.of("unused.yaml"), stack.environment());
        Cli.Result r = cli.exec(List.of("copy-load", "--table", "x", "--start", START, "--end", END, "--tabel", "y"));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.error()).contains("Unknown option", "--tabel", "--help");
        Cli.Result none = cli.exec(List.of("merge-apply"));
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.error()).contains("Missing required option", "--table");
        Cli.Result both = cli.exec(List.of("copy-load", "--table", "x", "--start", START, "--end", END,
                "--backfill", "20261124T101500Z", "--config", "unused.yaml"));
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.error()).contains("DDB2SF-0004", "either --start/--end or --backfill");
        Cli.Result exportBackfill = cli.exec(List.of("export-increment", "--table", "x", "--backfill", "20261124T101500Z"));
        assertThat(exportBackfill.exitCode()).isEqualTo(2);
        Cli.Result badSegments = cli.exec(List.of("backfill", "--table", "x", "--total-segments", "4", "--segment", "4"));
        assertThat(badSegments.exitCode()).isEqualTo(2);
        assertThat(badSegments.error()).contains("--segment must list distinct segments from 0 to 3");
    }
}
