package io.streamllm.cli;

import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.ChatSession;
import io.streamllm.chat.PlainChats;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The chat REPL over a chat on the shipped model, its input lines scripted. */
class ChatReplTest {
    @Test
    void theReplAnswersRunsCommandsAndStopsAnAnswerOnCtrlC() {
        ChatSession chat = PlainChats.open("sink:4:60", 20, null);
        ArrayDeque<String> input = new ArrayDeque<>(List.of("Hello", "", "/stats", "Tell me more", "/help", "/nope",
                "/system You are a dog.", "/system", "Woof?", "/reset", "/quit", "never read"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        // Ctrl-C arrives while the second answer streams: after it has printed something.
        ChatRepl.Cancellation ctrlC = new ChatRepl.Cancellation() {
            private boolean armed;

            @Override
            public boolean requested() {
                String text = out.toString(StandardCharsets.UTF_8);
                return armed && !text.endsWith("> Tell me more\n");
            }

            @Override
            public void reset() {
                armed = out.toString(StandardCharsets.UTF_8).endsWith("> Tell me more\n");
            }
        };
        new ChatRepl(chat, prompt -> input.poll(), outStream, new PrintStream(err, true, StandardCharsets.UTF_8), ctrlC, true).run();

        String transcript = out.toString(StandardCharsets.UTF_8);
        assertThat(transcript).contains("> Hello\n", "> /stats\ncache        sink:4:60: ", " window), KV f32, ", "> /help\nType a message",
                "> /system\nYou are a dog.\n", "> /reset\n(new conversation)\n").doesNotContain("never read");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("(answer stopped; the conversation goes on)", "unknown command /nope");
        assertThat(input).containsExactly("never read");
        assertThat(chat.transcript()).containsExactly(new ChatMessage("system", "You are a dog."));
    }
}
