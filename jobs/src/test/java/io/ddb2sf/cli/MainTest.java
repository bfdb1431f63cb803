package io.ddb2sf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A job's run builds the model of its own subcommand only; help and mistakes still see them all. */
class MainTest {
    @Test
    void shouldBuildOnlyTheNamedSubcommand() {
        assertThat(Main.commandLine("copy-load", "--table", "t").getSubcommands().keySet()).containsExactly("copy-load");
        assertThat(Main.commandLine("merge-apply").getSubcommands().keySet()).containsExactly("merge-apply");
    }

    @Test
    void shouldBuildEverySubcommandWhenNoneIsNamed() {
        assertThat(Main.commandLine().getSubcommands()).hasSize(Main.COMMANDS.size());
        assertThat(Main.commandLine("--help").getSubcommands().keySet()).startsWith("migrate", "export-increment")
                .contains("copy-load", "merge-apply", "warmup");
        assertThat(Main.commandLine("copy-lod").getSubcommands()).hasSize(Main.COMMANDS.size());
    }
}
