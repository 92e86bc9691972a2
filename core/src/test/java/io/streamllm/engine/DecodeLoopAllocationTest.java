package io.streamllm.engine;

import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.testing.SharedModel;
import io.streamllm.kv.CachePolicy;
import io.streamllm.kv.DuoPolicy;
import io.streamllm.kv.HeadSplit;
import io.streamllm.model.Model;
import io.streamllm.testing.AllocationMeter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decode loops allocate nothing per token once warm: a long stream must not grow the heap (and,
 * under default GC settings, the RSS). Measured with the thread's allocation counter on the shipped
 * model, so the forward pass, sampling, stop strings and detokenization are all counted.
 */
class DecodeLoopAllocationTest {
    /** Per-turn objects (the result, its text) are amortized over the turn's tokens; this is their bound. */
    private static final double MAX_BYTES_PER_TOKEN = 64;

    private static final Model model = SharedModel.stories260K();

    /** Every bounded policy, selection rounds and head splits included (duo without retrieval heads: they grow). */
    @ParameterizedTest
    @ValueSource(strings = {"sink:4:60", "window:64", "h2o:4:16:44", "snapkv:4:16:44:8", "duo:4:60:0"})
    void feedingTokensAllocatesNothing(String spec) {
        CachePolicy policy = CachePolicy.parse(spec);
        if (policy instanceof DuoPolicy duo) {
            policy = duo.withSplit(HeadSplit.top(new double[model.config().blockCount()][model.config().headCountKv()], 0));
        }
        Session session = new Session(model.network(), policy);
        double perToken = AllocationMeter.bytesPerToken(() -> {
            for (int i = 0; i < 200; i++) {
                session.feed(100 + i % 300);
            }
            return 200;
        }, 50, 50);
        assertThat(perToken).as(spec).isLessThan(MAX_BYTES_PER_TOKEN);
    }

    @Test
    void samplingTheWholeVocabularyAllocatesNothing() {
        for (SamplerSettings settings : List.of(new SamplerSettings(0.8f, 0, 1f, 0f, 1f, 64, 1),
                new SamplerSettings(0.8f, 0, 0.95f, 0.05f, 1.1f, 64, 2).withPenalties(0.5f, 0.5f),
                new SamplerSettings(1.2f, 40, 0.9f, 0f, 1f, 64, 3))) {
            Sampler sampler = new Sampler(settings, 32_000);
            float[] logits = new float[32_000];
            float[] work = new float[32_000];
            java.util.SplittableRandom random = new java.util.SplittableRandom(4);
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (random.nextGaussian() * 3);
            }
            double perToken = AllocationMeter.bytesPerToken(() -> {
                for (int i = 0; i < 100; i++) {
                    System.arraycopy(logits, 0, work, 0, logits.length);
                    sampler.accept(sampler.sample(work));
                }
                return 100;
            }, 30, 30);
            assertThat(perToken).as(settings.toString()).isLessThan(MAX_BYTES_PER_TOKEN);
        }
    }

    @Test
    void generatingAllocatesNothingPerToken() {
        Session session = new Session(model.network(), CachePolicy.parse("sink:4:60"));
        Generator generator = new Generator(session, model.tokenizer());
        int[] prompt = model.tokenizer().encode("Once upon a time");
        Generator.Settings settings = new Generator.Settings(-1,
                new SamplerSettings(0.8f, 0, 0.95f, 0.05f, 1f, 64, 5).withPenalties(0.2f, 0.2f),
                List.of("The end.", "\nUser:"), true);
        StringBuilder sink = new StringBuilder();
        Consumer<String> onText = text -> sink.setLength(0);
        double perToken = AllocationMeter.bytesPerToken(() -> {
            session.reset();
            int[] left = {2000};
            return generator.generate(prompt, settings, onText, () -> left[0]-- == 0).generatedTokens();
        }, 15, 5);
        assertThat(perToken).isLessThan(MAX_BYTES_PER_TOKEN);
    }

    @Test
    void chatTurnsAllocateNothingPerToken() {
        StreamingModel api = SharedModel.streamingStories260K();
        Conversation conversation = api.newConversation(SessionOptions.of(io.streamllm.api.CachePolicy.sink(4, 300)));
        int[] userTurn = model.tokenizer().encode(" Tom said hi.", false, false);
        Sampling settings = Sampling.greedy().temperature(0.8f).seed(6).maxTokens(120)
                .stopStrings(List.of("</s>", "\nUser:")).ignoreEndTokens(true);
        Consumer<String> onText = text -> { };
        long allocated = 0;
        long tokens = 0;
        for (int turn = 0; turn < 100; turn++) {
            // The client's side (the whole conversation as tokens) is built outside the measurement.
            int[] history = conversation.history();
            int[] next = Arrays.copyOf(history, history.length + userTurn.length);
            System.arraycopy(userTurn, 0, next, history.length, userTurn.length);
            long before = AllocationMeter.threadAllocatedBytes();
            int generated = conversation.reply(next, settings, onText, () -> false).generation().generatedTokens();
            if (turn >= 60) { // warmed up (the JIT has compiled the vector kernels)
                allocated += AllocationMeter.threadAllocatedBytes() - before;
                tokens += generated;
            }
        }
        double perToken = (double) allocated / tokens;
        assertThat(perToken).isLessThan(MAX_BYTES_PER_TOKEN);
    }
}
