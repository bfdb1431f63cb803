package io.ddb2sf.snowflake;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named SQL file from {@code sql/templates/}, filled only with {@link Sql.Fragment}s:
 * {@code {{name}}} takes one fragment, {@code {{#each name}}...{{/each}}} repeats its body once per element of a
 * list of fragment maps.
 */
public final class SqlTemplate {
    private static final Pattern EACH = Pattern.compile("\\{\\{#each (\\w+)}}(.*?)\\{\\{/each}}", Pattern.DOTALL);
    private static final Pattern VAR = Pattern.compile("\\{\\{(\\w+)}}");

    private final String name;
    private final String text;

    private SqlTemplate(String name, String text) {
        this.name = name;
        this.text = text;
    }

    public static SqlTemplate load(String name) {
        String path = "/sql/templates/" + name + ".sql";
        try (InputStream in = SqlTemplate.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("SQL template " + path + " is missing from the build");
            }
            return new SqlTemplate(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read SQL template " + path, e);
        }
    }

    public String render() {
        return render(Map.of());
    }

    public String render(Map<String, ?> values) {
        Matcher each = EACH.matcher(text);
        StringBuilder expanded = new StringBuilder();
        while (each.find()) {
            StringBuilder body = new StringBuilder();
            for (Object element : list(values, each.group(1))) {
                @SuppressWarnings("unchecked")
                Map<String, ?> fields = (Map<String, ?>) element;
                body.append(fill(each.group(2), fields));
            }
            each.appendReplacement(expanded, Matcher.quoteReplacement(body.toString()));
        }
        each.appendTail(expanded);
        return fill(expanded.toString(), values);
    }

    private String fill(String s, Map<String, ?> values) {
        Matcher var = VAR.matcher(s);
        StringBuilder out = new StringBuilder();
        while (var.find()) {
            Object v = values.get(var.group(1));
            if (!(v instanceof Sql.Fragment f)) {
                throw new IllegalArgumentException("template " + name + ": {{" + var.group(1) + "}} needs a SQL fragment, got " + v);
            }
            var.appendReplacement(out, Matcher.quoteReplacement(f.sql()));
        }
        var.appendTail(out);
        return out.toString();
    }

    private List<?> list(Map<String, ?> values, String key) {
        if (!(values.get(key) instanceof List<?> l)) {
            throw new IllegalArgumentException("template " + name + ": {{#each " + key + "}} needs a list");
        }
        return l;
    }
}
