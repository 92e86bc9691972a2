package io.streamllm.api;

import io.streamllm.testing.References;
import io.streamllm.testing.SharedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The public API on the shipped model, against the reference figures and the policies' definitions. */
class StreamingModelTest {
    private static final StreamingModel model = SharedModel.streamingStories260K();

    @Test
    void greedyGenerationMatchesLlamaCpp() {
        @SuppressWarnings("unchecked")
        Map<String, Object> greedy = ((List<Map<String, Object>>) References.json("stories260K-llamacpp.json")
                .get("greedy")).getFirst();
        String prompt = (String) greedy.get("prompt");
        int predict = ((Number) greedy.get("n_predict")).intValue();
        String output = (String) greedy.get("llama_cpp_output");
        // llama-simple prints "<s> ", the prompt, the continuation, then a newline of its own.
        String expected = output.substring("<s> ".length(), output.length() - 1);

        StreamingSession session = model.newSession(CachePolicy.dense());
        StringBuilder streamed = new StringBuilder();
        Generation generation = session.generate(prompt, Sampling.greedy().maxTokens(predict), streamed::append);

        assertThat(prompt + generation.text()).isEqualTo(expected);
        assertThat(streamed.toString()).isEqualTo(generation.text());
        assertThat(generation.generatedTokens()).isEqualTo(predict);
        assertThat(generation.stopReason()).isEqualTo(StopReason.MAX_TOKENS);
    }

    @Test
    @SuppressWarnings("unchecked")
    void scoreIsTheReferenceStreamingPerplexityUnderEveryPolicy() {
        Map<String, Object> reference = References.json("stories260K-stream-seed0.json");
        int[] stream = References.ints(reference.get("tokens"));
        int[] withBos = new int[stream.length + 1];
        withBos[0] = ((Number) reference.get("bos")).intValue();
        System.arraycopy(stream, 0, withBos, 1, stream.length);
        Map<String, Object> table = (Map<String, Object>) reference.get("nll");
        for (String policy : List.of("dense", "sink:4:60", "window:64", "recompute:64")) {
            double expected = ((Number) ((Map<String, Object>) table.get(policy)).get("mean_nll")).doubleValue();
            List<Double> perToken = new ArrayList<>();
            double meanNll = model.newSession(CachePolicy.parse(policy)).score(withBos, perToken::add);
            assertThat(meanNll).as(policy).isCloseTo(expected, within(1e-3 * expected));
            assertThat(perToken).hasSize(stream.length); // BOS starts the stream and is not scored
        }
    }

    @Test
    void aSinkSessionKeepsItsSizeAndCountsWhatItEvicted() {
        StreamingSession session = model.newSession(CachePolicy.sink(4, 60));
        session.append("Once upon a time there was a little dog. ".repeat(20));
        CacheStats stats = session.stats();
        assertThat(stats.size()).isEqualTo(64);
        assertThat(stats.sinks()).isEqualTo(4);
        assertThat(stats.evictedTokens()).isEqualTo(stats.tokensSeen() - 64);
        assertThat(stats.allocatedBytes()).isPositive();
    }

    @Test
    void aRestoredSessionContinuesExactlyAsTheOriginal() {
        for (String policy : List.of("sink:4:30", "dense", "recompute:40", "window:32")) {
            StreamingSession original = model.newSession(SessionOptions.of(CachePolicy.parse(policy)).kvType(KvType.F16));
            original.append("Once upon a time there was a dog named Max. He liked to run.");
            StreamingSession restored = model.restoreSession(original.snapshot());

            assertThat(restored.options()).as(policy).isEqualTo(original.options());
            assertThat(restored.stats()).as(policy).isEqualTo(original.stats());
            Sampling sampling = Sampling.defaults().seed(7).maxTokens(20);
            assertThat(restored.generate(" The", sampling, t -> { }).text()).as(policy)
                    .isEqualTo(original.generate(" The", sampling, t -> { }).text());
        }
    }

    @Test
    void aRollbackContinuesAsIfTheForgottenTokensWereNeverFed() {
        int[] text = model.tokenizer().encode("Once upon a time there was a dog named Max. He liked to run.");
        int[] otherEnding = model.tokenizer().encode(" cat", false, false);
        for (String policy : List.of("sink:4:200", "window:200", "recompute:200", "dense")) {
            StreamingSession rolledBack = model.newSession(CachePolicy.parse(policy));
            rolledBack.append(text);
            assertThat(rolledBack.rollbackTo(7)).as(policy).isTrue();

            StreamingSession fresh = model.newSession(CachePolicy.parse(policy));
            fresh.append(java.util.Arrays.copyOf(text, 7));
            Sampling greedy = Sampling.greedy().maxTokens(16);
            assertThat(rolledBack.generate(otherEnding, greedy, t -> { }, () -> false).text()).as(policy)
                    .isEqualTo(fresh.generate(otherEnding, greedy, t -> { }, () -> false).text());
        }
    }

    @Test
    void afterARollbackGenerationNeedsATokenToPredictFrom() {
        StreamingSession session = model.newSession(CachePolicy.recompute(64));
        session.append("Once upon a time there was a dog named Max.");
        session.rollbackTo(5);
        // The logits after token 4 were overwritten by the tokens rolled back; they are not silently reused.
        assertThatThrownBy(() -> session.generate(new int[0], Sampling.greedy(), t -> { }, () -> false))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("rollback");
        List<Double> nll = new ArrayList<>();
        session.score(model.tokenizer().encode(" He ran.", false, false), nll::add);
        assertThat(nll).hasSize(model.tokenizer().encode(" He ran.", false, false).length - 1);
    }

    @Test
    void aRollbackIntoTheEvictedPastChangesNothing() {
        StreamingSession session = model.newSession(CachePolicy.sink(4, 16));
        session.append("Once upon a time there was a dog named Max. He liked to run in the park.");
        long seen = session.tokensSeen();
        assertThat(session.rollbackTo(6)).isFalse();
        assertThat(session.tokensSeen()).isEqualTo(seen);
    }

    @Test
    void aSecondThreadInsideASessionIsRefusedAtOnce() throws Exception {
        StreamingSession session = model.newSession(CachePolicy.sink(4, 60));
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Generation> first = CompletableFuture.supplyAsync(() ->
                session.generate("Once upon a time", Sampling.greedy().maxTokens(4), text -> {
                    inside.countDown();
                    await(release);
                }));
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> session.append("Hello")).isInstanceOf(SessionBusyException.class)
                .hasMessageContaining("one thread at a time");
        release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS).generatedTokens()).isEqualTo(4);
        session.append(" The end."); // free again once the first thread left
    }

    @Test
    void theOwningThreadMayReadTheSessionFromItsCallback() {
        StreamingSession session = model.newSession(CachePolicy.sink(4, 60));
        AtomicReference<CacheStats> seen = new AtomicReference<>();
        session.generate("Once upon a time", Sampling.greedy().maxTokens(3), text -> seen.set(session.stats()));
        assertThat(seen.get()).isNotNull();
    }

    @Test
    void sessionsOnSeveralThreadsShareOneModel() throws Exception {
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(CompletableFuture.supplyAsync(() -> model.newSession(CachePolicy.sink(4, 60))
                    .generate("One day, Tom", Sampling.greedy().maxTokens(24), t -> { }).text()));
        }
        String alone = model.newSession(CachePolicy.sink(4, 60))
                .generate("One day, Tom", Sampling.greedy().maxTokens(24), t -> { }).text();
        for (CompletableFuture<String> answer : answers) {
            assertThat(answer.get(60, TimeUnit.SECONDS)).isEqualTo(alone);
        }
    }

    @Test
    void aModelOwnsItsThreads() {
        try (StreamingModel single = StreamingModel.load(References.stories260K(), ModelOptions.defaults().threads(1))) {
            assertThat(single.threads()).isEqualTo(1);
            assertThat(single.newSession(CachePolicy.dense()).generate("One day, Tom", Sampling.greedy().maxTokens(12),
                    t -> { }).text()).isEqualTo(model.newSession(CachePolicy.dense())
                    .generate("One day, Tom", Sampling.greedy().maxTokens(12), t -> { }).text());
        }
    }

    @Test
    void badInputGetsTypedErrorsInApiTerms(@TempDir Path directory) throws Exception {
        assertThatThrownBy(() -> StreamingModel.load(directory.resolve("missing.gguf")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("no such file");
        Path foreign = Files.writeString(directory.resolve("foreign.gguf"), "not a model at all");
        assertThatThrownBy(() -> StreamingModel.load(foreign)).isInstanceOf(ModelFormatException.class);
        assertThatThrownBy(() -> CachePolicy.parse("sink:4")).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("sink:S:W");
        assertThatThrownBy(() -> CachePolicy.window(0)).isInstanceOf(InvalidSettingException.class);
        assertThatThrownBy(() -> SessionOptions.of(CachePolicy.sink(4, 8)).evictChunk(9))
                .isInstanceOf(InvalidSettingException.class).hasMessageNotContaining("--");
        assertThatThrownBy(() -> KvType.parse("q4")).isInstanceOf(InvalidSettingException.class);
        assertThatThrownBy(() -> model.newSession(CachePolicy.dense()).append(new int[]{1, 512}))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("token id 512");
        assertThatThrownBy(() -> model.restoreSession(new byte[]{1, 2, 3})).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("not a streamllm snapshot");
        byte[] conversation = model.newConversation(SessionOptions.of(CachePolicy.dense())).snapshot();
        assertThatThrownBy(() -> model.restoreSession(conversation)).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("not of a session");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
