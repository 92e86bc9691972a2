package io.streamllm.engine;

import io.streamllm.kv.CachePolicy;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Streams the reference token stream through each cache policy, one token at a time after BOS,
 * and compares the mean negative log-likelihood with the float64 reference implementation.
 */
class StreamNllReferenceTest {

    static Stream<Arguments> policies() {
        List<Arguments> cases = new ArrayList<>();
        for (String model : List.of("stories260K", "tinystories-656k")) {
            Map<String, Object> nll = nllTable(model);
            for (String policy : nll.keySet()) {
                cases.add(Arguments.of(model, policy));
            }
        }
        return cases.stream();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> nllTable(String model) {
        return (Map<String, Object>) References.json(model + "-stream-seed0.json").get("nll");
    }

    private static Path modelPath(String model) {
        return model.equals("stories260K") ? References.stories260K() : References.tinystories656k();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("policies")
    @SuppressWarnings("unchecked")
    void meanNllMatchesTheReference(String modelName, String policySpec) {
        Map<String, Object> reference = References.json(modelName + "-stream-seed0.json");
        int[] stream = References.ints(reference.get("tokens"));
        int bos = ((Number) reference.get("bos")).intValue();
        double expected = ((Number) ((Map<String, Object>) nllTable(modelName).get(policySpec)).get("mean_nll")).doubleValue();

        try (Model model = ModelLoader.load(modelPath(modelName), TestPool.shared())) {
            Session session = new Session(model.network(), CachePolicy.parse(policySpec));
            float[] logits = session.feed(bos);
            double total = 0;
            for (int token : stream) {
                total += LogProbabilities.negativeLogLikelihood(logits, token);
                logits = session.feed(token);
            }
            double meanNll = total / stream.length;
            assertThat(meanNll).as("%s %s mean NLL", modelName, policySpec)
                    .isCloseTo(expected, within(1e-3 * expected));
        }
    }
}
