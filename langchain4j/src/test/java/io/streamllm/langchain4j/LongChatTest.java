package io.streamllm.langchain4j;

import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.Result;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.CacheStats;
import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 200 turns on one memory id: each turn prefills about as many tokens as the first ones did and the cache keeps
 * its size, whether the LangChain4j memory keeps the whole history or only its last messages. The per-turn wall
 * time is printed, not asserted.
 */
class LongChatTest {
    private static final int TURNS = 200;
    private static final int WINDOW = 124;

    interface Storyteller {
        @SystemMessage("You tell short stories.")
        Result<String> chat(@MemoryId int memoryId, @UserMessage String text);
    }

    /** One turn as measured: its cost in tokens, the cache after it, its wall time. */
    record Measured(Conversation.Turn turn, int conversationTokens, CacheStats cache, long nanos) {
    }

    @ParameterizedTest(name = "memory of {0} messages")
    @ValueSource(ints = {10, 1000})
    void twoHundredTurnsCostTheSameAndKeepTheCacheBounded(int memoryMessages) {
        StreamllmChatModel chatModel = StreamllmChatModel.builder(ShippedModel.stories260K())
                .cachePolicy(CachePolicy.sink(4, WINDOW))
                .sampling(Sampling.greedy().maxTokens(16))
                .sessionPerMemoryId(true)
                .build();
        Storyteller storyteller = AiServices.builder(Storyteller.class)
                .chatModel(chatModel)
                .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(memoryMessages))
                .chatRequestTransformer(StreamllmChatRequestParameters::withMemoryId)
                .build();

        List<Measured> turns = new ArrayList<>();
        for (int i = 0; i < TURNS; i++) {
            long start = System.nanoTime();
            Result<String> answer = storyteller.chat(7, "Then what did the cat do on day " + (i % 10) + "?");
            long nanos = System.nanoTime() - start;
            var metadata = (StreamllmChatResponseMetadata) answer.finalResponse().metadata();
            turns.add(new Measured(metadata.turn(), answer.tokenUsage().inputTokenCount(), metadata.cacheStats(), nanos));
        }
        report(memoryMessages, turns);

        List<Measured> later = turns.subList(1, TURNS);
        assertThat(later).allSatisfy(m -> assertThat(m.turn().restarted()).isFalse());
        int[] prefilled = later.stream().mapToInt(m -> m.turn().prefilledTokens()).toArray();
        int firstQuartileMax = Arrays.stream(prefilled, 0, TURNS / 4).max().orElseThrow();
        assertThat(Arrays.stream(prefilled).max().orElseThrow()).as("most tokens prefilled by a turn")
                .isLessThanOrEqualTo(2 * firstQuartileMax);
        assertThat(mean(prefilled, 3 * TURNS / 4 - 1, TURNS - 1)).isLessThan(1.25 * mean(prefilled, 0, TURNS / 4));
        // The conversation grew far beyond what each turn fed: the rest came from the cache.
        assertThat(turns.getLast().conversationTokens()).isGreaterThan(20 * firstQuartileMax);

        long[] bytes = turns.stream().mapToLong(m -> m.cache().allocatedBytes()).toArray();
        long full = Arrays.stream(bytes).max().orElseThrow();
        assertThat(Arrays.stream(bytes, TURNS / 2, TURNS)).as("cache bytes in the second half").containsOnly(full);
        assertThat(turns).allSatisfy(m -> assertThat(m.cache().size()).isLessThanOrEqualTo(4 + WINDOW));
        assertThat(turns.getLast().cache().evictedTokens()).isGreaterThan(10L * WINDOW);
    }

    private static void report(int memoryMessages, List<Measured> turns) {
        System.out.printf("LongChatTest, memory of %d messages: turn, prefilled, reused, cache tokens, cache bytes, ms%n",
                memoryMessages);
        for (int i = 0; i < turns.size(); i += 25) {
            Measured m = turns.get(i);
            System.out.printf("  %3d %3d %5d %4d %7d %6.2f%n", i + 1, m.turn().prefilledTokens(), m.turn().reusedTokens(),
                    m.cache().size(), m.cache().allocatedBytes(), m.nanos() / 1e6);
        }
        int quarter = turns.size() / 4;
        for (int q = 0; q < 4; q++) {
            double ms = turns.subList(q * quarter, (q + 1) * quarter).stream().mapToLong(Measured::nanos).average()
                    .orElseThrow() / 1e6;
            System.out.printf("  quartile %d: %.2f ms per turn%n", q + 1, ms);
        }
    }

    private static double mean(int[] values, int from, int to) {
        return Arrays.stream(values, from, to).average().orElseThrow();
    }
}
