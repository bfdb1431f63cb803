package io.ddb2sf.status;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** The readable form of a {@link StatusReport}: one row per table, then the details that need a look. */
public final class StatusText {
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd HH'h'").withZone(ZoneOffset.UTC);
    private static final String[] HEADER = {"TABLE", "HEALTH", "CHECKPOINT", "AGE", "HOURS LEFT", "EXPORTED", "VALIDATED",
            "LOADED", "MERGED", "UNMERGED", "BACKFILLS", "LAG"};

    private StatusText() {}

    public static void print(StatusReport report, PrintStream out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (TableStatus t : report.tables()) {
            TableStatus.CheckpointStatus c = t.checkpoint();
            rows.add(new String[] {t.table(), t.health().name(),
                    c == null ? "none" : c.windowEnd().toString(),
                    c == null ? "-" : String.format("%.1f h", c.ageHours()),
                    c == null ? "-" : String.format("%.1f h", c.hoursLeft()),
                    hour(t.newestExported()), t.newestValidated(), hour(t.newestLoaded()), hour(t.newestMerged()),
                    String.valueOf(t.unmerged().size()), String.valueOf(t.backfills().size()),
                    t.lagHours() == null ? "unknown" : String.format("%.1f h", t.lagHours())});
        }
        int[] width = new int[HEADER.length];
        rows.forEach(r -> {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        });
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == 0 ? "" : "  ").append(String.format("%-" + width[i] + "s", r[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        for (TableStatus t : report.tables()) {
            if (t.problems().isEmpty() && t.unmerged().isEmpty() && t.backfills().isEmpty()) {
                continue;
            }
            out.println();
            out.println(t.table() + ":");
            t.problems().forEach(p -> out.println("  " + t.health().name() + ": " + p));
            t.unmerged().forEach(u -> out.printf("  unmerged %s  %s, ended %.1f h ago%n", u.partition(),
                    switch (u.state()) {
                case "loaded" -> "loaded, not merged";
                case "manifest-changed" -> "manifest changed since it was loaded, to be loaded again";
                default -> "exported, not loaded";
            }, u.ageHours()));
            t.backfills().forEach(b -> out.printf("  backfill %s  %s, %d of %s segments done, %,d items%n", b.backfillId(),
                    b.state(), b.segmentsDone(), b.totalSegments() == 0 ? "?" : String.valueOf(b.totalSegments()), b.items()));
        }
        out.printf("%nstatus at %s: %s (exit %d); checkpoint at risk after %.1f h, hours late after %.1f h, lookback %.1f h%n",
                report.now(), report.health(), report.exitCode(), report.maxCheckpointAgeHours(),
                report.maxUnmergedAgeHours(), report.lookbackHours());
    }

    private static String hour(Instant start) {
        return start == null ? "-" : HOUR.format(start);
    }
}
