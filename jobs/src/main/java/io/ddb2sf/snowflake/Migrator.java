package io.ddb2sf.snowflake;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.stage.StageStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Applies {@code sql/V<NNN>__<description>.sql} in order and records each attempt, with a success flag, in
 * {@code DDB2SF_SCHEMA_HISTORY}; a recorded file whose content changed is an error, because applied migrations are
 * never edited.
 *
 * <p>Concurrent runs are safe without a lock, which Snowflake does not offer across DDL (every DDL statement commits
 * the open transaction: https://docs.snowflake.com/en/sql-reference/transactions#ddl): every statement of a V file
 * must be idempotent ({@code CREATE ... IF NOT EXISTS}, {@code CREATE OR REPLACE}, {@code ALTER ... IF [NOT]
 * EXISTS}), which {@link #read} enforces, so two runs that both apply a file reach the same schema, and the history
 * is read as a set (a version recorded twice with the same checksum is one version). {@code ddb2sf migrate} runs
 * them on its own (the DAGs run it before copy-load); copy-load, merge-apply and prune run them too and then find
 * nothing left to do.
 */
public final class Migrator {
    private static final Pattern NAME = Pattern.compile("V(\\d{3})__([A-Za-z0-9_]+)\\.sql");
    private static final Pattern IDEMPOTENT = Pattern.compile(
            "(?is)\\s*(CREATE\\s+OR\\s+REPLACE\\b.*|CREATE\\s+(\\w+\\s+){1,3}IF\\s+NOT\\s+EXISTS\\b.*"
                    + "|ALTER\\s+\\w+\\s+(IF\\s+EXISTS\\s+)?\\S+\\s+(ADD|DROP)\\s+(COLUMN\\s+)?IF\\s+(NOT\\s+)?EXISTS\\b.*)");

    public record Migration(int version, String script, String sql) {
        String checksum() {
            return StageStore.sha256(sql.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final List<Migration> migrations;

    public Migrator(List<Migration> migrations) {
        this.migrations = List.copyOf(migrations);
    }

    public List<Migration> migrations() {
        return migrations;
    }

    /**
     * The migrations shipped in the build's {@code sql/} folder, as {@code sql/migrations.txt} lists them: a resource
     * folder cannot be listed in a jar without indexing all of the jar's entries, which in the fat jar (78,000 of
     * them) cost a short job more CPU than all its migration checks.
     */
    public static Migrator fromClasspath() {
        try {
            List<Migration> found = new ArrayList<>();
            for (String script : resource("migrations.txt").lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
                found.add(migration(script, resource(script)));
            }
            return new Migrator(checked(found));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the sql/ migrations in the build: " + e.getMessage(), e);
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Migrator.class.getResourceAsStream("/sql/" + name)) {
            if (in == null) {
                throw new IOException("sql/" + name + " is not in the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The V files of a folder (sql/ itself in the tests that check migrations.txt lists them all). */
    static List<Migration> read(Path dir) throws IOException {
        List<Migration> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (NAME.matcher(name).matches()) {
                    found.add(migration(name, Files.readString(f)));
                }
            }
        }
        return checked(found);
    }

    private static Migration migration(String script, String sql) {
        Matcher m = NAME.matcher(script);
        if (!m.matches()) {
            throw new IllegalStateException("sql/" + script + " is not named V<NNN>__<description>.sql");
        }
        return new Migration(Integer.parseInt(m.group(1)), script, sql);
    }

    private static List<Migration> checked(List<Migration> found) {
        found.sort((a, b) -> Integer.compare(a.version(), b.version()));
        for (int i = 0; i < found.size(); i++) {
            if (found.get(i).version() != i + 1) {
                throw new IllegalStateException("sql/ migrations must be numbered V001, V002, ... without gaps; found "
                        + found.stream().map(Migration::script).toList());
            }
        }
        found.forEach(Migrator::requireIdempotent);
        return found;
    }

    /** Concurrent runs rely on it (see the class comment). */
    static void requireIdempotent(Migration m) {
        for (String statement : statements(m.sql())) {
            String code = withoutComments(statement);
            if (!IDEMPOTENT.matcher(code).matches()) {
                throw new IllegalStateException("sql/" + m.script() + " has a statement that is not safe to run twice: "
                        + code.lines().findFirst().orElse("") + " (use CREATE ... IF NOT EXISTS, CREATE OR REPLACE or"
                        + " ALTER ... IF [NOT] EXISTS)");
            }
        }
    }

    /** Applies what is missing; returns the scripts applied now. */
    public List<String> migrate(Connection c) throws SQLException {
        Map<Integer, String> applied = applied(c);
        List<String> now = new ArrayList<>();
        for (Migration m : migrations) {
            String checksum = applied.get(m.version());
            if (checksum != null) {
                if (!checksum.equals(m.checksum())) {
                    throw new JobException(ErrorCode.MIGRATION_EDITED, "sql/" + m.script() + " differs from the version"
                            + " applied to this schema; applied migrations are never edited: restore it and add a new V file");
                }
                continue;
            }
            List<String> statements = statements(m.sql());
            for (int i = 0; i < statements.size(); i++) {
                try (Statement s = c.createStatement()) {
                    s.execute(statements.get(i));
                } catch (SQLException e) {
                    String error = "statement " + (i + 1) + " of " + statements.size() + ": " + JobException.firstLine(e);
                    record(c, m, false, error);
                    throw new JobException(ErrorCode.MIGRATION_FAILED, "sql/" + m.script() + " failed at " + error
                            + "; fix the cause (rights, a hand-made object in the way), then rerun ddb2sf migrate: every"
                            + " statement is safe to run again", e);
                }
            }
            record(c, m, true, null);
            now.add(m.script());
        }
        return now;
    }

    /**
     * Versions with a successful attempt, and their checksum. Every copy-load, merge-apply and prune starts here, and
     * almost always finds every migration recorded: then the history's one SELECT is all it sends. Otherwise (no
     * history table yet, one without the SUCCESS column, or a migration to apply, which records its attempt in the
     * ERROR column too) it creates or upgrades the history table first and reads it again.
     */
    private Map<Integer, String> applied(Connection c) throws SQLException {
        SQLException firstRead = null;
        try {
            Map<Integer, String> applied = list(c);
            if (migrations.stream().allMatch(m -> applied.containsKey(m.version()))) {
                return applied;
            }
        } catch (SQLException noTableOrAnOldOne) {
            // created or upgraded below; an error that is not about the history table comes back from there
            firstRead = noTableOrAnOldOne;
        }
        try (Statement s = c.createStatement()) {
            s.execute(SqlTemplate.load("create_schema_history").render());
            for (String statement : statements(SqlTemplate.load("upgrade_schema_history").render())) {
                s.execute(statement);
            }
            return list(c);
        } catch (SQLException e) {
            if (firstRead != null) {
                e.addSuppressed(firstRead);
            }
            throw e;
        }
    }

    private static Map<Integer, String> list(Connection c) throws SQLException {
        Map<Integer, String> applied = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SqlTemplate.load("schema_history_list").render())) {
            while (rs.next()) {
                if (rs.getBoolean(4)) {
                    String before = applied.putIfAbsent(rs.getInt(1), rs.getString(3));
                    if (before != null && !before.equals(rs.getString(3))) {
                        throw new JobException(ErrorCode.MIGRATION_EDITED, "DDB2SF_SCHEMA_HISTORY records two contents for"
                                + " sql/" + rs.getString(2) + "; two ddb2sf versions migrated this schema: run one version");
                    }
                }
            }
        }
        return applied;
    }

    private static void record(Connection c, Migration m, boolean success, String error) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("schema_history_record").render())) {
            ps.setInt(1, m.version());
            ps.setString(2, m.script());
            ps.setString(3, m.checksum());
            ps.setBoolean(4, success);
            if (error == null) {
                ps.setNull(5, Types.VARCHAR);
            } else {
                ps.setString(5, error);
            }
            ps.executeUpdate();
        }
    }

    /** Statements of a migration file: separated by a semicolon at the end of a line; comment-only parts skipped. */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        for (String part : sql.split(";\\s*(\\r?\\n|$)")) {
            if (!withoutComments(part).isEmpty()) {
                out.add(part.strip());
            }
        }
        return out;
    }

    private static String withoutComments(String sql) {
        return sql.lines().filter(l -> !l.strip().startsWith("--")).reduce("", (a, b) -> a + b + "\n").strip();
    }
}
