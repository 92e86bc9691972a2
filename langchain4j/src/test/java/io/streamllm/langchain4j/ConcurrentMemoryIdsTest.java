package io.streamllm.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.Sampling;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Memory ids answered from several threads at once give the answers a single thread gets (greedy). */
class ConcurrentMemoryIdsTest {
    private static final int THREADS = 4;
    private static final int TURNS = 20;

    @Test
    void fourMemoryIdsOnFourThreadsAnswerAsOneThreadDoes() throws Exception {
        List<List<String>> sequential = new ArrayList<>();
        StreamllmChatModel alone = newChatModel();
        for (int id = 0; id < THREADS; id++) {
            sequential.add(chat(alone, id));
        }

        StreamllmChatModel shared = newChatModel();
        List<List<String>> concurrent = runAtOnce(THREADS, id -> chat(shared, id));

        assertThat(concurrent).isEqualTo(sequential);
        assertThat(sequential.get(0)).isNotEqualTo(sequential.get(1)); // the ids really hold different chats
        assertThat(shared.sessionCount()).isEqualTo(THREADS);
    }

    @Test
    void oneMemoryIdFromTwoThreadsAnswersEveryRequestAsAFreshSessionWould() throws Exception {
        StreamllmChatModel shared = newChatModel();
        // Both threads send their own one-message requests on one memory id: each turn must see only its own
        // request, not tokens the other thread fed meanwhile.
        List<List<String>> concurrent = runAtOnce(2, thread -> {
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < TURNS / 2; i++) {
                answers.add(shared.chat(MemoryRequests.of("shared", List.of(UserMessage.from(question(thread, i))))).aiMessage().text());
            }
            return answers;
        });

        StreamllmChatModel fresh = newChatModel();
        for (int thread = 0; thread < 2; thread++) {
            for (int i = 0; i < TURNS / 2; i++) {
                String expected = fresh.chat(MemoryRequests.of("fresh-" + thread + "-" + i, List.of(UserMessage.from(question(thread, i)))))
                        .aiMessage().text();
                assertThat(concurrent.get(thread).get(i)).as("thread %d, request %d", thread, i).isEqualTo(expected);
            }
        }
        assertThat(shared.sessionCount()).isEqualTo(1);
    }

    private static StreamllmChatModel newChatModel() {
        return StreamllmChatModel.builder(ShippedModel.stories260K())
                .cachePolicy(CachePolicy.sink(4, 124))
                .sampling(Sampling.greedy().maxTokens(12))
                .sessionPerMemoryId(true)
                .build();
    }

    /** A conversation of TURNS turns on memory id {@code id}, its history kept by the caller as a memory would. */
    private static List<String> chat(StreamllmChatModel model, int id) {
        List<ChatMessage> memory = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (int turn = 0; turn < TURNS; turn++) {
            memory.add(UserMessage.from(question(id, turn)));
            String answer = model.chat(MemoryRequests.of(id, memory)).aiMessage().text();
            memory.add(AiMessage.from(answer));
            answers.add(answer);
        }
        return answers;
    }

    private static String question(int id, int turn) {
        return List.of("Lily", "Tom", "Ben", "Sue").get(id % 4) + " saw a bird on day " + turn + ".";
    }

    /** Runs {@code work} for 0..n-1 on n threads started together; the results in that order. */
    private static <T> List<T> runAtOnce(int n, IntWork<T> work) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit((Callable<T>) () -> work.run(index)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        }
    }

    private interface IntWork<T> {
        T run(int index) throws Exception;
    }
}
