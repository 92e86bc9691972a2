package io.streamllm.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StopReason;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.Tokenizer;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatTemplate;
import io.streamllm.chat.JinjaChatTemplate;
import io.streamllm.chat.PlainChatTemplate;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Answers LangChain4j requests with a streamllm model: what {@link StreamllmChatModel} and
 * {@link StreamllmStreamingChatModel} share. Requests on different memory ids run at once (each has its own
 * session; the model's thread pool is shared); requests on one memory id run one after the other.
 */
final class ChatEngine {
    private final StreamingModel model;
    private final ChatTemplate template;
    private final ChatEncoder encoder;
    private final SessionOptions sessionOptions;
    private final Supplier<Sampling> sampling; // drawn per request: the default sampling seeds each one anew
    private final boolean sessionPerMemoryId;
    private final ConcurrentMap<Object, MemorySession> sessions = new ConcurrentHashMap<>();

    ChatEngine(StreamingModel model, String chatTemplate, SessionOptions sessionOptions, Supplier<Sampling> sampling,
               boolean sessionPerMemoryId) {
        this.model = model;
        this.template = template(model, chatTemplate);
        this.encoder = new ChatEncoder(model.tokenizer(), false);
        this.sessionOptions = sessionOptions;
        this.sampling = sampling;
        this.sessionPerMemoryId = sessionPerMemoryId;
    }

    /** Answers {@code request}, streaming the answer's text to {@code onText} until {@code cancelled}. */
    ChatResponse chat(ChatRequest request, Consumer<String> onText, BooleanSupplier cancelled) {
        TurnRequest turn = TurnRequest.of(request, sampling.get(), template.stopStrings(), model.info().name());
        MemorySession session = sessionPerMemoryId && turn.memoryId().isPresent()
                ? sessions.computeIfAbsent(turn.memoryId().get(), id -> newSession())
                : newSession();
        MemorySession.Answer answer = session.reply(turn.messages(), turn.sampling(), onText, cancelled);
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(answer.text()))
                .metadata(StreamllmChatResponseMetadata.builder()
                        .modelName(model.info().name())
                        .tokenUsage(new TokenUsage(answer.promptTokens(), answer.turn().generation().generatedTokens()))
                        .finishReason(finishReason(answer.turn().generation().stopReason()))
                        .turn(answer.turn())
                        .cacheStats(answer.cache())
                        .build())
                .build();
    }

    /** Drops the session of {@code memoryId}, if there is one; whether there was. */
    boolean forget(Object memoryId) {
        return sessions.remove(memoryId) != null;
    }

    /** Memory ids with a session. */
    int sessionCount() {
        return sessions.size();
    }

    StreamingModel model() {
        return model;
    }

    private MemorySession newSession() {
        return new MemorySession(model, sessionOptions, template, encoder);
    }

    private static FinishReason finishReason(StopReason reason) {
        return switch (reason) {
            case END_OF_GENERATION, STOP_STRING -> FinishReason.STOP;
            case MAX_TOKENS -> FinishReason.LENGTH;
            case CANCELLED -> FinishReason.OTHER;
        };
    }

    /** {@code source}, else the model's own template, else the plain transcript for models without one. */
    private static ChatTemplate template(StreamingModel model, String source) {
        String jinja = source != null ? source : model.chatTemplate().orElse(null);
        if (jinja == null || jinja.isBlank()) {
            return new PlainChatTemplate();
        }
        Tokenizer tokenizer = model.tokenizer();
        return new JinjaChatTemplate(jinja, text(tokenizer, tokenizer.specials().bos()),
                text(tokenizer, tokenizer.specials().eos()));
    }

    /** The text of a special token, as templates write it; "" when the model has none. */
    private static String text(Tokenizer tokenizer, int id) {
        return id < 0 ? "" : tokenizer.piece(id);
    }
}
