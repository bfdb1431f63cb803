package io.ddb2sf.snowflake;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The only values a SQL template can be filled with: quoted identifiers, quoted string literals, and type names
 * from ddb2sf's own short list. Everything else is a bind parameter.
 */
public final class Sql {
    private static final Pattern TYPE = Pattern.compile("(VARCHAR|BINARY|BOOLEAN|NUMBER\\(38,\\d{1,2}\\))");

    private Sql() {}

    /** Something a template may contain. */
    public sealed interface Fragment permits Ident, Literal, Type, LiteralList, Name, Expr {
        String sql();
    }

    /** A double-quoted identifier: any characters, embedded quotes doubled, so it is never read as SQL. */
    public record Ident(String name) implements Fragment {
        public String sql() {
            return '"' + name.replace("\"", "\"\"") + '"';
        }
    }

    /** A single-quoted string literal, for the few places Snowflake takes no bind parameter (URLs, FILES=). */
    public record Literal(String value) implements Fragment {
        public String sql() {
            return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
        }
    }

    public record LiteralList(List<String> values) implements Fragment {
        public String sql() {
            return values.stream().map(v -> new Literal(v).sql()).collect(Collectors.joining(", "));
        }
    }

    public record Type(String name) implements Fragment {
        public Type {
            if (!TYPE.matcher(name).matches()) {
                throw new IllegalArgumentException("not a column type ddb2sf uses: " + name);
            }
        }

        public String sql() {
            return name;
        }
    }

    /** An unquoted identifier of upper-case letters, digits and underscores (for the few places, like a transaction's
     * NAME, where ddb2sf makes up the name itself). */
    public record Name(String name) implements Fragment {
        private static final Pattern NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,254}");

        public Name {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not an unquoted upper-case identifier: " + name);
            }
        }

        public String sql() {
            return name;
        }
    }

    /**
     * An expression rendered from a template of {@code sql/templates/} (such as a typed column's value from _ITEM), to
     * fill another template with. Only this package makes one, from a rendered {@link SqlTemplate}.
     */
    record Expr(String sql) implements Fragment {}

    public static Ident ident(String name) {
        return new Ident(name);
    }

    public static Literal literal(String value) {
        return new Literal(value);
    }
}
