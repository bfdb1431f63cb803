package io.ddb2sf.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.ddb2sf.Json;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.status.StatusReport;
import io.ddb2sf.status.StatusText;
import io.ddb2sf.status.TableStatus;
import io.ddb2sf.status.Thresholds;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"For each configured table: the stream checkpoint's age and the hours left before the stream's"
                + " 24-hour retention could make a gap, the newest hour exported, loaded and merged, hours exported but"
                + " not merged, backfills in progress, and the analytics table's lag. Reads only.",
                "Exit codes: 0 every table healthy; 3 a table is at risk (checkpoint older than --max-checkpoint-age,"
                        + " or none); 4 a table is late (an hour not merged --max-unmerged-age after it ended), none at risk;"
                        + " 2 bad usage or config; 1 status itself failed."})
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "<file>", defaultValue = "${env:DDB2SF_CONFIG:-ddb2sf.yaml}",
            description = "Config file, YAML or JSON (default: $DDB2SF_CONFIG, else ddb2sf.yaml).")
    Path config;

    @Option(names = "--table", paramLabel = "<name>", description = "Only this table (default: every configured table).")
    String table;

    @Option(names = "--json", description = "Print one JSON document instead of a table.")
    boolean json;

    @Option(names = "--max-checkpoint-age", paramLabel = "<duration>", defaultValue = "12h", converter = DurationConverter.class,
            description = "A checkpoint older than this puts the table at risk, exit 3 (default: ${DEFAULT-VALUE}; e.g. 12h, 90m).")
    Duration maxCheckpointAge;

    @Option(names = "--max-unmerged-age", paramLabel = "<duration>", defaultValue = "3h", converter = DurationConverter.class,
            description = "An exported hour not merged this long after it ended makes the table late, exit 4 (default: ${DEFAULT-VALUE}).")
    Duration maxUnmergedAge;

    @Option(names = "--lookback", paramLabel = "<duration>", defaultValue = "48h", converter = DurationConverter.class,
            description = "How far back to look for hours exported but not merged (default: ${DEFAULT-VALUE}).")
    Duration lookback;

    @Override
    public Integer call() throws JsonProcessingException {
        PipelineConfig cfg = new ConfigLoader(System.getenv()).load(config);
        List<String> tables = table == null ? cfg.tables().stream().map(TableConfig::name).toList()
                : List.of(cfg.table(table).name());
        Thresholds limits = new Thresholds(maxCheckpointAge, maxUnmergedAge, lookback);
        StatusReport report;
        try (Wiring wiring = new Wiring(cfg, System.err)) {
            report = wiring.statusJob(tables).run(limits);
        }
        if (json) {
            System.out.println(Json.mapper().writeValueAsString(report));
        } else {
            StatusText.print(report, System.out);
        }
        // One line per problem on stderr, with its code, for log-based alerting.
        PrintStream err = System.err;
        for (TableStatus t : report.tables()) {
            t.health().code().ifPresent(code -> t.problems().forEach(p -> err.println("ddb2sf: " + code.code() + ": " + p)));
        }
        return report.exitCode();
    }

    /** 12h, 90m, 30s, 2d, or ISO-8601 (PT12H). */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SHORT = Pattern.compile("(\\d+)([smhd])");

        @Override
        public Duration convert(String value) {
            Matcher m = SHORT.matcher(value.trim());
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            try {
                return Duration.parse(value);
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 12h, 90m or PT12H");
            }
        }
    }
}
