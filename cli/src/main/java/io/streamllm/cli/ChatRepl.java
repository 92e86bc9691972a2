package io.streamllm.cli;

import io.streamllm.api.Conversation;
import io.streamllm.chat.ChatSession;
import io.streamllm.api.StopReason;
import io.streamllm.api.StreamllmException;

import java.io.PrintStream;

/**
 * The chat's read-answer loop: each line is a user message, answered as it is generated; lines starting
 * with "/" are commands. Ends at the end of input or {@code /quit}.
 */
public final class ChatRepl {
    /** Shown before each user message; in piped mode it is printed with the message, so it also marks where answers start. */
    public static final String PROMPT = "> ";

    static final String HELP = """
            Type a message and press Enter; the answer streams as it is generated. Ctrl-C stops an answer
            (what was said so far stays in the conversation), Ctrl-D or /quit leaves.
              /stats         the cache (sinks + window, positions), tokens seen and evicted, the last turn
              /reset         start a new conversation (same system prompt)
              /system TEXT   start a new conversation with this system prompt (/system alone shows it)
              /help          this text
              /quit          leave""";

    /** Where lines come from: a terminal with line editing, or a pipe. */
    public interface LineSource {
        /** The next line, "" when Ctrl-C cleared it, null at the end of input. */
        String readLine(String prompt);
    }

    /** Ctrl-C during an answer. */
    public interface Cancellation {
        boolean requested();

        void reset();
    }

    private final ChatSession chat;
    private final LineSource lines;
    private final PrintStream out;
    private final PrintStream err;
    private final Cancellation cancellation;
    private final boolean echo;

    /**
     * @param echo print the prompt and each line read (piped input, which no terminal shows)
     */
    public ChatRepl(ChatSession chat, LineSource lines, PrintStream out, PrintStream err, Cancellation cancellation,
                    boolean echo) {
        this.chat = chat;
        this.lines = lines;
        this.out = out;
        this.err = err;
        this.cancellation = cancellation;
        this.echo = echo;
    }

    public void run() {
        for (String line; (line = lines.readLine(PROMPT)) != null; ) {
            if (echo) {
                out.println(PROMPT + line);
            }
            String text = line.strip();
            if (text.isEmpty()) {
                continue;
            }
            if (text.startsWith("/")) {
                if (!command(text)) {
                    break;
                }
            } else {
                answer(text);
            }
            out.flush();
        }
        out.flush();
    }

    private void answer(String text) {
        cancellation.reset();
        AnswerPrinter printer = new AnswerPrinter(out);
        try {
            Conversation.Turn turn = chat.send(text, printer, cancellation::requested);
            out.println();
            if (turn.generation().stopReason() == StopReason.CANCELLED) {
                err.println("(answer stopped; the conversation goes on)");
            }
        } catch (StreamllmException e) {
            printer.endLine();
            err.println("streamllm: " + e.getMessage());
        } finally {
            cancellation.reset();
        }
    }

    /** Runs a command; false to leave. */
    private boolean command(String text) {
        int space = text.indexOf(' ');
        String name = space < 0 ? text : text.substring(0, space);
        String argument = space < 0 ? "" : text.substring(space + 1).strip();
        switch (name) {
            case "/quit", "/exit" -> {
                return false;
            }
            case "/help" -> out.println(HELP);
            case "/stats" -> out.print(chat.stats().format());
            case "/reset" -> {
                chat.reset();
                out.println("(new conversation)");
            }
            case "/system" -> {
                if (argument.isEmpty()) {
                    out.println(chat.systemPrompt() == null ? "(no system prompt)" : chat.systemPrompt());
                } else {
                    chat.setSystemPrompt(argument);
                    out.println("(new conversation with this system prompt)");
                }
            }
            default -> err.println("streamllm: unknown command " + name + " (/help lists the commands)");
        }
        return true;
    }

    /** Prints an answer as it streams, without the whitespace it starts with (the space after "Assistant:"). */
    private static final class AnswerPrinter implements java.util.function.Consumer<String> {
        private final PrintStream out;
        private boolean started;

        AnswerPrinter(PrintStream out) {
            this.out = out;
        }

        @Override
        public void accept(String piece) {
            String text = started ? piece : piece.stripLeading();
            if (!text.isEmpty()) {
                started = true;
                out.print(text);
                out.flush();
            }
        }

        void endLine() {
            if (started) {
                out.println();
            }
        }
    }
}
