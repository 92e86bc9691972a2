package io.streamllm.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The streaming perplexity of the reference streams against the float64 reference implementation:
 * the mean NLL of every policy and its means over 256-token segments, within 1e-3 relative.
 */
class StreamingPerplexityReferenceTest {
    private static final int SEGMENT = 256;

    static Stream<Arguments> policies() {
        List<Arguments> cases = new ArrayList<>();
        for (String model : List.of("stories260K", "tinystories-656k")) {
            TestData.json(TestData.referenceStream(model)).get("nll").fieldNames()
                    .forEachRemaining(policy -> cases.add(Arguments.of(model, policy)));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("policies")
    void reproducesTheReferenceNll(String modelName, String policy) {
        JsonNode expected = TestData.json(TestData.referenceStream(modelName)).get("nll").get(policy);
        try (StreamingModel model = StreamingModel.load(TestData.model(modelName))) {
            TokenStream stream = TokenStream.fromTokensFile(TestData.referenceStream(modelName),
                    model.info().vocabularySize());
            assertThat(stream.length()).isEqualTo(1500);
            CachePolicy cache = CachePolicy.parse(policy);
            // Re-encoding 64 tokens for each of 1500 tokens takes ~20 s; its first segment checks it in ~3 s.
            if (cache.recomputes()) {
                stream = stream.limit(SEGMENT);
            }
            PolicyResult result = new StreamingPerplexity(model, SEGMENT).evaluate(SessionOptions.of(cache), stream,
                    StreamingPerplexity.Listener.NONE);

            assertThat(result.policy()).isEqualTo(policy);
            assertThat(result.tokens()).isEqualTo(stream.length());
            JsonNode bySegment = expected.get("mean_nll_by_256");
            assertThat(result.segments()).hasSize((stream.length() + SEGMENT - 1) / SEGMENT);
            for (int i = 0; i < result.segments().size(); i++) {
                double reference = bySegment.get(i).doubleValue();
                assertThat(result.segments().get(i).meanNll()).as("segment %d", i)
                        .isCloseTo(reference, within(1e-3 * reference));
            }
            if (!cache.recomputes()) {
                double reference = expected.get("mean_nll").doubleValue();
                assertThat(result.meanNll()).isCloseTo(reference, within(1e-3 * reference));
                assertThat(result.perplexity()).isCloseTo(expected.get("ppl").doubleValue(),
                        within(1e-3 * expected.get("ppl").doubleValue()));
            }
        }
    }
}
