package io.ddb2sf.config;

import java.util.Set;

/**
 * {@code columns: auto}: the table's top-level attributes become typed columns as the export sees them. The columns
 * themselves live in the stage, in one versioned record per table (stage/ColumnsRecord), not in the config.
 *
 * @param include only these attributes may become columns (empty: any attribute)
 * @param exclude these attributes never become columns
 * @param limit   at most this many automatic columns; attributes seen after that stay in _ITEM only
 */
public record AutoColumns(Set<String> include, Set<String> exclude, int limit) {

    public static final int DEFAULT_LIMIT = 200;

    public AutoColumns {
        include = Set.copyOf(include);
        exclude = Set.copyOf(exclude);
    }

    public static AutoColumns all() {
        return new AutoColumns(Set.of(), Set.of(), DEFAULT_LIMIT);
    }

    public boolean admits(String attribute) {
        return !exclude.contains(attribute) && (include.isEmpty() || include.contains(attribute));
    }
}
