package io.streamllm.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamllm.engine.Session;
import io.streamllm.gguf.SyntheticModel;
import io.streamllm.kv.DensePolicy;
import io.streamllm.tensor.GgmlType;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decode path (one token at a time: {@code WeightMatrix.matvec} with the input shared by q/k/v and
 * gate/up, and each type's decode kernel) on files quantized by llama.cpp's own llama-quantize, against
 * the exact float64 logits of ../shared/reference/quant: within the README's float-activation tolerance.
 * Only files whose every type streamllm reads (llama-q4_0 keeps its output in Q6_K).
 */
class QuantizedDecodeTest {
    /** The README's tolerance for float activations; the decode kernels' prepared inputs are exact rescalings. */
    private static final double TOLERANCE = 2e-3;

    @TempDir
    Path dir;

    /**
     * The same synthetic model fed a prompt as one batch (the batched kernels) and one token at a time
     * (the decode kernels, which read a prepared form of each input): the last logits agree to float
     * rounding. An input form kept from a previous input (a missing {@code MatvecInput.set}) would not.
     */
    @ParameterizedTest
    @EnumSource(names = {"Q4_0", "Q8_0", "F16"})
    void decodeAgreesWithBatchedPrefill(GgmlType type) {
        Path file = dir.resolve("tiny-" + type + ".gguf");
        SyntheticModel.write(SyntheticModel.TINY, type, file, 5, TestPool.shared(), bytes -> { });
        int[] prompt = {1, 270, 280, 290, 10, 77, 3};
        try (Model model = ModelLoader.load(file, TestPool.shared())) {
            float[] batched = new Session(model.network(), new DensePolicy()).feed(prompt).clone();
            Session decode = new Session(model.network(), new DensePolicy());
            float[] stepped = null;
            for (int token : prompt) {
                stepped = decode.feed(token);
            }
            double maxDifference = 0, maxMagnitude = 0;
            for (int i = 0; i < batched.length; i++) {
                maxDifference = Math.max(maxDifference, Math.abs(stepped[i] - batched[i]));
                maxMagnitude = Math.max(maxMagnitude, Math.abs(batched[i]));
            }
            assertThat(maxDifference / maxMagnitude).as(type + " decode vs batch").isLessThan(1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-q8_0"})
    @SuppressWarnings("unchecked")
    void tokenByTokenDecodeMatchesFloat64(String name) {
        Map<String, Object> reference = References.json("quant/" + name + ".json");
        int[] tokens = References.ints(reference.get("tokens"));
        List<List<Number>> exact = (List<List<Number>>) reference.get("float64_dense_logits");
        try (Model model = ModelLoader.load(References.file("quant/" + name + ".gguf"), TestPool.shared())) {
            Session session = new Session(model.network(), new DensePolicy());
            for (int t = 0; t < tokens.length; t++) {
                float[] logits = session.feed(tokens[t]);
                double maxError = 0;
                for (int i = 0; i < exact.get(t).size(); i++) {
                    maxError = Math.max(maxError, Math.abs(logits[i] - exact.get(t).get(i).doubleValue()));
                }
                assertThat(maxError).as("%s: max |decode - float64| at position %d", name, t).isLessThan(TOLERANCE);
            }
        }
    }
}
