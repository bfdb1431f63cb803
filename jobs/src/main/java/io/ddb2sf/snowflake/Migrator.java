package io.ddb2sf.snowflake;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.stage.StageStore;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Applies {@code sql/V<NNN>__<description>.sql} in order, once each, and records them; a recorded file whose
 * content changed is an error, because applied migrations are never edited.
 */
public final class Migrator {
    private static final Pattern NAME = Pattern.compile("V(\\d{3})__([A-Za-z0-9_]+)\\.sql");

    public record Migration(int version, String script, String sql) {
        String checksum() {
            return StageStore.sha256(sql.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final List<Migration> migrations;

    public Migrator(List<Migration> migrations) {
        this.migrations = List.copyOf(migrations);
    }

    /** The migrations shipped in the jar's {@code sql/} folder. */
    public static Migrator fromClasspath() {
        try {
            URI uri = Migrator.class.getResource("/sql/templates").toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                    return new Migrator(read(fs.getPath("/sql")));
                }
            }
            return new Migrator(read(Path.of(uri).getParent()));
        } catch (IOException | URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot list the sql/ migrations in the build", e);
        }
    }

    private static List<Migration> read(Path dir) throws IOException {
        List<Migration> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (m.matches()) {
                    found.add(new Migration(Integer.parseInt(m.group(1)), f.getFileName().toString(), Files.readString(f)));
                }
            }
        }
        found.sort((a, b) -> Integer.compare(a.version(), b.version()));
        for (int i = 0; i < found.size(); i++) {
            if (found.get(i).version() != i + 1) {
                throw new IllegalStateException("sql/ migrations must be numbered V001, V002, ... without gaps; found "
                        + found.stream().map(Migration::script).toList());
            }
        }
        return found;
    }

    /** Applies what is missing; returns the scripts applied now. */
    public List<String> migrate(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(SqlTemplate.load("create_schema_history").render());
        }
        Map<Integer, String> applied = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SqlTemplate.load("schema_history_list").render())) {
            while (rs.next()) {
                applied.put(rs.getInt(1), rs.getString(3));
            }
        }
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
            try (Statement s = c.createStatement()) {
                for (String statement : statements(m.sql())) {
                    s.execute(statement);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("schema_history_record").render())) {
                ps.setInt(1, m.version());
                ps.setString(2, m.script());
                ps.setString(3, m.checksum());
                ps.executeUpdate();
            }
            now.add(m.script());
        }
        return now;
    }

    /** Statements of a migration file: separated by a semicolon at the end of a line; comment-only parts skipped. */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        for (String part : sql.split(";\\s*(\\r?\\n|$)")) {
            String code = part.lines().filter(l -> !l.strip().startsWith("--")).reduce("", (a, b) -> a + b + "\n").strip();
            if (!code.isEmpty()) {
                out.add(part.strip());
            }
        }
        return out;
    }
}
