package io.streamllm.engine;

import io.streamllm.kv.CachePolicy;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.References;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A prompt longer than the cache, fed in batches, gives exactly what feeding it token by token gives:
 * each token of a batch sees what the policy lets it see at its own position, evictions included.
 */
class ChunkedPrefillTest {

    @ParameterizedTest(name = "{0} {1}, chunks of {2}")
    @CsvSource({
            "stories260K, sink:4:60, 64",
            "stories260K, sink:4:60, 17",
            "stories260K, window:64, 64",
            "stories260K, dense, 64",
            "stories260K, recompute:48, 64",
            "tinystories-656k, sink:2:30, 64",
    })
    void aLongPromptInChunksEqualsTokenByToken(String modelName, String policy, int chunk) {
        int[] stream = References.ints(References.json(modelName + "-stream-seed0.json").get("tokens"));
        int[] prompt = Arrays.copyOf(stream, 700);
        try (Model model = ModelLoader.load(modelName.equals("stories260K") ? References.stories260K() : References.tinystories656k())) {
            Session chunked = new Session(model.network(), CachePolicy.parse(policy), chunk, 1);
            float[] batched = chunked.feed(prompt).clone();

            Session single = new Session(model.network(), CachePolicy.parse(policy), 1, 1);
            float[] oneByOne = null;
            for (int token : prompt) {
                oneByOne = single.feed(token);
            }
            double maxError = 0;
            for (int i = 0; i < batched.length; i++) {
                maxError = Math.max(maxError, Math.abs(batched[i] - oneByOne[i]));
            }
            assertThat(maxError).isLessThan(1e-4);
            assertThat(chunked.cacheStats().size()).isEqualTo(single.cacheStats().size());
            assertThat(chunked.tokensSeen()).isEqualTo(700);
        }
    }
}
