package io.streamllm.eval;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.testing.AllocationMeter;
import io.streamllm.testing.References;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scoring loop of {@code perplexity --text ... --cache sink:4:507} allocates nothing per token once
 * warm, so that a long run keeps a flat heap. The thread's allocation counter is read by the listener
 * at two tokens of one evaluation, so only the steady loop (feed, score, accumulate) is measured.
 */
class PerplexityAllocationTest {
    private static final int WARM_UP = 4_000;
    private static final int MEASURED = 8_000;

    /** The shipped model (F32) and llama-quantize's K-quant mixes (Q4_K and Q5_K, with Q6_K), through the same loop. */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "quant/llama-q4_k_m.gguf", "quant/llama-q5_k_m.gguf"})
    void scoringAStreamAllocatesNothingPerToken(String name) {
        try (StreamingModel model = StreamingModel.load(name.equals("stories260K") ? References.stories260K() : References.file(name))) {
            int[] text = model.tokenizer().encode("One day, a little girl named Lily found a needle in her room."
                    + " She knew it was difficult to play with it because it was sharp.", false, false);
            int[] tokens = new int[WARM_UP + MEASURED + 1];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = text[i % text.length];
            }
            long[] counter = new long[2];
            StreamingPerplexity.Listener meter = (index, nll, feedNanos, session) -> {
                if (index == WARM_UP) {
                    counter[0] = AllocationMeter.threadAllocatedBytes();
                } else if (index == WARM_UP + MEASURED) {
                    counter[1] = AllocationMeter.threadAllocatedBytes();
                }
            };
            new StreamingPerplexity(model, 256).evaluate(SessionOptions.of(CachePolicy.parse("sink:4:507")),
                    new TokenStream(tokens, "test"), meter);
            assertThat((double) (counter[1] - counter[0]) / MEASURED).as("%s bytes per token", name).isLessThan(64);
        }
    }
}
