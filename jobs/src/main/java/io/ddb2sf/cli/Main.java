package io.ddb2sf.cli;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "ddb2sf", mixinStandardHelpOptions = true, version = "ddb2sf 0.1.0",
        description = "Keeps Snowflake tables in sync with DynamoDB tables, one hourly partition at a time.")
public final class Main implements Runnable {
    /** The subcommands, in the order the help lists them. */
    static final List<Class<?>> COMMANDS = List.of(MigrateCommand.class, ExportCommand.class, ValidateCommand.class,
            LoadCommand.class, MergeCommand.class, SyncCommand.class, BackfillCommand.class, StatusCommand.class,
            VerifyCommand.class, PruneCommand.class, WarmupCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a job: migrate, export-increment,"
                + " stage-validate, copy-load, merge-apply, sync, backfill, status, verify or prune");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the CLI and maps every outcome to DESIGN's exit codes: 0 ok, 2 bad usage or config, 1 anything else; the
     * findings of status (3, 4) and verify (5) as ErrorCode lists them.
     */
    public static int execute(String... args) {
        CommandLine cli = commandLine(args);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e));
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("ddb2sf: " + e.getMessage() + " (see ddb2sf " + e.getCommandLine().getCommandName() + " --help)");
            return 2;
        });
        return cli.execute(args);
    }

    /**
     * The CLI with the subcommand {@code args} name, or with all of them when they name none (help, version, a
     * mistake): picocli builds a subcommand's model from its annotations by reflection when it is added, a cost
     * every short job paid for all eleven.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        String named = args.length > 0 ? args[0] : "";
        boolean one = COMMANDS.stream().anyMatch(c -> name(c).equals(named));
        for (Class<?> c : COMMANDS) {
            if (!one || name(c).equals(named)) {
                cli.addSubcommand(c);
            }
        }
        return cli;
    }

    private static String name(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }

    private static int report(Exception e) {
        if (e instanceof JobException je) {
            System.err.println("ddb2sf: error " + je.code().code() + ": " + je.getMessage());
            return je.code().exitCode();
        }
        e.printStackTrace(System.err);
        System.err.println("ddb2sf: error " + ErrorCode.INTERNAL.code() + ": unexpected " + e
                + " (a bug: report it with the stack trace above; a rerun of the partition is safe)");
        return ErrorCode.INTERNAL.exitCode();
    }
}
