package io.streamllm.langchain4j;

import io.streamllm.api.CacheStats;
import io.streamllm.api.Conversation;
import io.streamllm.api.InvalidSettingException;
import io.streamllm.api.Sampling;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.SessionOptions;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.ChatTemplate;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The streamllm side of one LangChain4j chat memory: a {@link Conversation} (one session, one KV cache) and the
 * token stream fed to it. Turns on one memory run one at a time: a second thread waits for the first's answer,
 * since the two would otherwise interleave their messages in one cache.
 */
final class MemorySession {

    /** What a turn produced: the answer's text, the prompt's length in tokens, the turn, the cache after it. */
    record Answer(String text, int promptTokens, Conversation.Turn turn, CacheStats cache) {
    }

    private final Conversation conversation;
    private final MemoryPrompts prompts;
    private final int trainedContext;

    MemorySession(StreamingModel model, SessionOptions options, ChatTemplate template, ChatEncoder encoder) {
        this.conversation = model.newConversation(options);
        this.prompts = new MemoryPrompts(template, encoder);
        this.trainedContext = model.info().contextLength();
    }

    /** Answers the last of {@code messages}, streaming the answer's text to {@code onText}. */
    synchronized Answer reply(List<ChatMessage> messages, Sampling sampling, Consumer<String> onText,
                              BooleanSupplier cancelled) {
        int[] prompt = prompts.next(messages);
        checkFits(prompt.length, sampling.maxTokens());
        StringBuilder answer = new StringBuilder();
        Conversation.Turn turn = conversation.reply(prompt, sampling, piece -> {
            answer.append(piece);
            onText.accept(piece);
        }, cancelled);
        String text = answer.toString();
        prompts.answered(messages, prompt, conversation.history(), turn.generation().stopReason(), text);
        return new Answer(text, prompt.length, turn, conversation.stats());
    }

    /** A dense cache past the trained context degrades into garbage: the turn is refused instead. */
    private void checkFits(int promptTokens, int maxTokens) {
        if (conversation.options().policy().windowTokens().isPresent()) {
            return;
        }
        if (maxTokens < 0 || (long) promptTokens + maxTokens > trainedContext) {
            throw new InvalidSettingException(String.format("this turn needs %s tokens of context under a dense cache,"
                            + " beyond the model's trained %d; use a sink cache such as CachePolicy.sink(4, %d)",
                    maxTokens < 0 ? promptTokens + " + an unlimited answer" : Long.toString((long) promptTokens + maxTokens),
                    trainedContext, Math.max(1, trainedContext - 4)));
        }
    }
}
