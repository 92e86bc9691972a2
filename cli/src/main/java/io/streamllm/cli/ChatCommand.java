package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.StreamingModel;
import io.streamllm.chat.ChatSession;
import io.streamllm.chat.ChatTemplate;
import io.streamllm.chat.ChatTemplates;
import io.streamllm.chat.PlainChatTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chats with a model for as many turns as you like: the KV cache keeps attention sinks and a rolling"
                + " window (StreamingLLM), so memory stays constant however long the conversation goes.",
                "On a terminal: line editing and history (~/.streamllm/chat_history), Ctrl-C stops an answer, Ctrl-D leaves."
                        + " Piped: one user message per line, each printed after \"" + ChatRepl.PROMPT + "\" and followed by its answer.",
                "Commands: /stats, /reset, /system TEXT, /help, /quit."})
final class ChatCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    CacheOptions cacheOptions;

    @Option(names = "--system", paramLabel = "TEXT", description = "the system prompt (default: none)")
    String system;

    @Option(names = {"-n", "--n-predict"}, defaultValue = "256", paramLabel = "N",
            description = "tokens per answer at most; -1 for no limit (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--special-in-content",
            description = "parse special-token text typed in messages (e.g. </s>) as those tokens; by default it is plain text")
    boolean specialInContent;

    @Override
    public Integer call() {
        if (maxTokens < -1) {
            throw new IllegalArgumentException("-n must be -1 (no limit) or 0 or more, got " + maxTokens);
        }
        try (StreamingModel model = modelOptions.load()) {
            // A chat has no end: unless told otherwise, stream with sinks and a window.
            CachePolicy policy = cacheOptions.policy(model.info(), -1);
            ChatTemplate template = ChatTemplates.forModel(model);
            ChatSession chat = new ChatSession(template, model, cacheOptions.sessionOptions(policy),
                    sampling.sampling().maxTokens(maxTokens), system, specialInContent);
            Console.status("chat: " + (template instanceof PlainChatTemplate ? "plain transcript (the model has no chat template)"
                    : "the model's chat template") + ", cache " + policy.spec() + ", up to "
                    + (maxTokens < 0 ? "unlimited" : Integer.toString(maxTokens)) + " tokens per answer; /help for commands");
            if (System.console() != null && System.console().isTerminal()) {
                chatOnTerminal(chat);
            } else {
                chatOverPipe(chat);
            }
        }
        return 0;
    }

    private static void chatOnTerminal(ChatSession chat) {
        Path history = Path.of(System.getProperty("user.home"), ".streamllm", "chat_history");
        try (TerminalLines terminal = new TerminalLines(history, System.err)) {
            new ChatRepl(chat, terminal, terminal.output(), System.err, terminal, false).run();
        }
    }

    private static void chatOverPipe(ChatSession chat) {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Stdout out = new Stdout();
        Interrupt interrupt = Interrupt.install();
        ChatRepl.Cancellation cancellation = new ChatRepl.Cancellation() {
            @Override
            public boolean requested() {
                return interrupt.requested() || out.closed();
            }

            @Override
            public void reset() {
                interrupt.reset();
            }
        };
        ChatRepl.LineSource lines = prompt -> {
            if (out.closed()) {
                return null; // nobody reads the answers any more: end the chat
            }
            try {
                return in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        new ChatRepl(chat, lines, out.stream(), System.err, cancellation, true).run();
    }
}
