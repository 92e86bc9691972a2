package io.streamllm.cli;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The interactive side of the chat: JLine line editing with a history file, Ctrl-C at the prompt clears
 * the line, Ctrl-C during an answer stops it, Ctrl-D leaves.
 */
public final class TerminalLines implements ChatRepl.LineSource, ChatRepl.Cancellation, AutoCloseable {
    private final Terminal terminal;
    private final LineReader reader;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final PrintStream warnings;

    /**
     * @param historyFile where typed lines are kept between sessions (its directory is created; when that
     *                    fails, history lasts for this session only, with a warning)
     */
    public TerminalLines(Path historyFile, PrintStream warnings) {
        try {
            terminal = TerminalBuilder.builder().system(true).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LineReaderBuilder builder = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("streamllm")
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true); // "!" in a message is just text
        try {
            Files.createDirectories(historyFile.toAbsolutePath().getParent());
            builder.variable(LineReader.HISTORY_FILE, historyFile);
        } catch (IOException e) {
            warnings.println("streamllm: warning: cannot keep the chat history in " + historyFile + ": " + e.getMessage());
        }
        this.warnings = warnings;
        reader = builder.build();
        // Outside readLine (while an answer streams) Ctrl-C raises SIGINT: it stops the answer.
        // readLine installs its own handler (clearing the line) and puts this one back afterwards.
        terminal.handle(Terminal.Signal.INT, signal -> cancelled.set(true));
    }

    @Override
    public String readLine(String prompt) {
        try {
            return reader.readLine(prompt);
        } catch (UserInterruptException e) {
            return "";
        } catch (EndOfFileException e) {
            return null;
        }
    }

    /** Answers go to the terminal, in its encoding. */
    public PrintStream output() {
        return new PrintStream(terminal.output(), true, terminal.encoding());
    }

    @Override
    public boolean requested() {
        return cancelled.get();
    }

    @Override
    public void reset() {
        cancelled.set(false);
    }

    @Override
    public void close() {
        try {
            reader.getHistory().save();
        } catch (IOException e) {
            warnings.println("streamllm: warning: the chat history was not saved: " + e.getMessage());
        }
        try {
            terminal.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
