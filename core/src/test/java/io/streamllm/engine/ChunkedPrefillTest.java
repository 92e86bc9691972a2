package io.streamllm.engine;

import io.streamllm.kv.CachePolicy;
import io.streamllm.api.KvType;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A prompt longer than the cache, fed in batches, gives exactly what feeding it token by token gives:
 * each token of a batch sees what the policy lets it see at its own position, evictions included, with
 * every KV type (a dense cache of 700 tokens also grows its store twice on the way).
 */
class ChunkedPrefillTest {

    @ParameterizedTest(name = "{0} {1}, chunks of {2}, {3} KV")
    @CsvSource({
            "stories260K, sink:4:60, 64, f32",
            "stories260K, sink:4:60, 17, f32",
            "stories260K, window:64, 64, f32",
            "stories260K, dense, 64, f32",
            "stories260K, recompute:48, 64, f32",
            "tinystories-656k, sink:2:30, 64, f32",
            "stories260K, sink:4:60, 17, q8_0",
            "stories260K, dense, 64, f16",
            "tinystories-656k, dense, 64, q8_0",
    })
    void aLongPromptInChunksEqualsTokenByToken(String modelName, String policy, int chunk, String kvType) {
        int[] stream = References.ints(References.json(modelName + "-stream-seed0.json").get("tokens"));
        int[] prompt = Arrays.copyOf(stream, 700);
        Path path = modelName.equals("stories260K") ? References.stories260K() : References.tinystories656k();
        try (Model model = ModelLoader.load(path, TestPool.shared())) {
            Session chunked = new Session(model.network(), CachePolicy.parse(policy), chunk, 1, KvType.parse(kvType));
            float[] batched = chunked.feed(prompt).clone();

            Session single = new Session(model.network(), CachePolicy.parse(policy), 1, 1, KvType.parse(kvType));
            float[] oneByOne = null;
            for (int token : prompt) {
                oneByOne = single.feed(token);
            }
            double maxError = 0;
            for (int i = 0; i < batched.length; i++) {
                maxError = Math.max(maxError, Math.abs(batched[i] - oneByOne[i]));
            }
            // A batched matmul may round a key differently in its last bit; with f16 or q8_0 that can flip the
            // stored element's rounding (2^-11 relative, or one q8_0 step), which a long stream carries on.
            assertThat(maxError).isLessThan(kvType.equals("f32") ? 1e-4 : 2e-2);
            assertThat(chunked.cacheStats().size()).isEqualTo(single.cacheStats().size());
            assertThat(chunked.tokensSeen()).isEqualTo(700);
        }
    }
}
