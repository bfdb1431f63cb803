package io.ddb2sf.snowflake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlTemplateTest {

    @Test
    void shouldQuoteIdentifiersSoNoNameIsReadAsSql() {
        assertThat(Sql.ident("ORDERS").sql()).isEqualTo("\"ORDERS\"");
        assertThat(Sql.ident("x\"; DROP TABLE t; --").sql()).isEqualTo("\"x\"\"; DROP TABLE t; --\"");
    }

    @Test
    void shouldEscapeLiterals() {
        assertThat(Sql.literal("it's \\ here").sql()).isEqualTo("'it''s \\\\ here'");
    }

    @Test
    void shouldRejectTypesDdb2sfDoesNotUse() {
        assertThat(new Sql.Type("NUMBER(38,2)").sql()).isEqualTo("NUMBER(38,2)");
        assertThatThrownBy(() -> new Sql.Type("VARCHAR); DROP TABLE x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRenderTheMergeWithEveryTypedColumn() {
        String sql = SqlTemplate.load("merge_partition").render(Map.of(
                "target", Sql.ident("T"),
                "landing", Sql.ident("T_CHANGES"),
                "tombstones", Sql.ident("T_TOMBSTONES"),
                "columns", List.of(Map.of("column", Sql.ident("PK"), "from_item", new Sql.Expr("(P)")),
                        Map.of("column", Sql.ident("A\"B"), "from_item", new Sql.Expr("(Q)")))));
        assertThat(sql).contains("MERGE INTO \"T\" t", "FROM \"T_CHANGES\" c", "LEFT JOIN \"T_TOMBSTONES\" d",
                        "\"PK\" = IFF(s.\"_ITEM\" IS NULL, t.\"PK\", COALESCE(s.\"PK\", (P))),",
                        "\"A\"\"B\" = IFF(s.\"_ITEM\" IS NULL, t.\"A\"\"B\", COALESCE(s.\"A\"\"B\", (Q))),",
                        "VALUES (s.\"_KEY\", COALESCE(s.\"PK\", (P)), COALESCE(s.\"A\"\"B\", (Q)), s.\"_ITEM\"")
                .doesNotContain("{{");
    }

    @Test
    void shouldRenderTheFullRefreshDeletesWithEveryTypedColumn() {
        String sql = SqlTemplate.load("insert_full_refresh_removes").render(Map.of(
                "target", Sql.ident("T"),
                "landing", Sql.ident("T_CHANGES"),
                "columns", List.of(Map.of("column", Sql.ident("PK")), Map.of("column", Sql.ident("A\"B")))));
        assertThat(sql).contains("INSERT INTO \"T_CHANGES\" (\"_KEY\", \"PK\", \"A\"\"B\", \"_OP\"",
                        "SELECT t.\"_KEY\", t.\"PK\", t.\"A\"\"B\", 'REMOVE'", "FROM \"T\" t")
                .doesNotContain("{{");
        assertThat(sql.chars().filter(ch -> ch == '?').count()).isEqualTo(6);
    }

    @Test
    void shouldRefuseAPlainStringInATemplate() {
        assertThatThrownBy(() -> SqlTemplate.load("delete_landing_partition").render(Map.of("landing", "T; DROP")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a SQL fragment");
    }

    @Test
    void shouldSplitMigrationsIntoStatements() {
        assertThat(Migrator.statements("-- comment\nCREATE TABLE a (x INT);\n\n-- only a comment;\nCREATE TABLE b (y INT);\n"))
                .containsExactly("-- comment\nCREATE TABLE a (x INT)", "CREATE TABLE b (y INT)");
    }

    @Test
    void shouldShipMigrationsNumberedWithoutGaps() {
        List<Migrator.Migration> shipped = Migrator.fromClasspath().migrations();
        assertThat(shipped).isNotEmpty();
        for (int i = 0; i < shipped.size(); i++) {
            assertThat(shipped.get(i).version()).isEqualTo(i + 1);
            assertThat(shipped.get(i).script()).startsWith(String.format("V%03d__", i + 1)).endsWith(".sql");
        }
    }

    @Test
    void shouldListEveryMigrationOfTheSqlFolderInMigrationsTxt() throws Exception {
        // The build ships the repo's sql/ folder; the jobs find its migrations through sql/migrations.txt.
        List<Migrator.Migration> inFolder = Migrator.read(Path.of("..", "sql"));
        assertThat(Migrator.fromClasspath().migrations())
                .as("sql/migrations.txt must list every V file of sql/, and only those")
                .containsExactlyElementsOf(inFolder);
    }

    @Test
    void shouldRefuseMigrationsWithAGapInTheirNumbers(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("V001__a.sql"), "CREATE TABLE IF NOT EXISTS a (x INT);\n");
        Files.writeString(dir.resolve("V003__c.sql"), "CREATE TABLE IF NOT EXISTS c (x INT);\n");
        assertThatThrownBy(() -> Migrator.read(dir)).hasMessageContaining("without gaps");
    }

    @Test
    void shouldRefuseAMigrationThatIsNotSafeToRunTwice(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("V001__a.sql"), "-- fine\nCREATE TABLE IF NOT EXISTS a (x INT);\n"
                + "CREATE OR REPLACE FILE FORMAT f TYPE = PARQUET;\nALTER TABLE a ADD COLUMN IF NOT EXISTS y INT;\n");
        assertThat(Migrator.read(dir)).hasSize(1);
        for (String unsafe : List.of("CREATE TABLE b (x INT)", "ALTER TABLE a ADD COLUMN z INT", "INSERT INTO a VALUES (1)",
                "DROP TABLE a")) {
            Files.writeString(dir.resolve("V002__b.sql"), "CREATE TABLE IF NOT EXISTS ok (x INT);\n" + unsafe + ";\n");
            assertThatThrownBy(() -> Migrator.read(dir)).as(unsafe).hasMessageContaining("V002__b.sql", "not safe to run twice");
        }
    }
}
