package io.streamllm.cli;

import io.streamllm.api.CacheFullException;
import io.streamllm.api.StreamllmException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** The streamllm command line. */
@Command(name = "streamllm", mixinStandardHelpOptions = true, version = "streamllm 0.1.0",
        description = "Runs open LLMs on the JVM and lets them stream forever (StreamingLLM attention sinks).",
        subcommands = {GenerateCommand.class, ChatCommand.class, TokenizeCommand.class, SynthCommand.class, BenchCommand.class,
                PerplexityCommand.class, AblationCommand.class, AttentionCommand.class, StreamEvalCommand.class, StreamCommand.class, ServeCommand.class, LoadTestCommand.class, ModelsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (OutOfMemoryError e) {
            System.err.println("streamllm: out of memory; give the JVM more heap with STREAMLLM_JAVA_OPTS=-Xmx<size>");
            code = 1;
        }
        System.exit(code);
    }

    /** Runs the command line and returns the exit code; errors are printed as one line on stderr. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::reportError);
        cli.setParameterExceptionHandler(Main::reportUsageError);
        return cli.execute(args);
    }

    /** A mistyped command line: the one line that says what is wrong, and where help is (not the whole usage). */
    private static int reportUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("streamllm: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static int reportError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof CacheFullException) {
            // The API speaks of the heap; on the command line, the launcher's variable sets it.
            err.println("streamllm: " + e.getMessage() + " (STREAMLLM_JAVA_OPTS=-Xmx<size> sets the heap)");
        } else if (e instanceof StreamllmException || e instanceof IllegalArgumentException || e instanceof UncheckedIOException) {
            err.println("streamllm: " + e.getMessage());
        } else {
            err.println("streamllm: internal error: " + e);
            if (System.getenv("STREAMLLM_DEBUG") != null) {
                e.printStackTrace(err);
            } else {
                err.println("streamllm: (set STREAMLLM_DEBUG=1 to see the stack trace)");
            }
        }
        err.flush();
        return 1;
    }
}
