package io.streamllm.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamllm.engine.LogProbabilities;
import io.streamllm.engine.Session;
import io.streamllm.kv.DensePolicy;
import io.streamllm.kv.KvCache;
import io.streamllm.kv.SinkWindowPolicy;
import io.streamllm.tensor.GgmlType;
import io.streamllm.testing.References;
import io.streamllm.util.Json;
import io.streamllm.testing.TestPool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Files quantized by llama.cpp's own llama-quantize (reference/quant: Q4_K_M, Q6_K, ... mixes of
 * tiny llama and qwen2 models): dense and sink:4:12 streaming logits must be within 2e-3 of a
 * float64 forward pass over the weights dequantized as ggml does, and the mean NLL within 2e-3
 * relative (the folder README's tolerances for float activations).
 *
 * <p>Every file of the folder is a test. A file using a type without kernels yet is skipped,
 * printed with the missing types, and reported as skipped (not passed). From a clean clone without
 * {@code ../shared} the shipped copy in {@code reference/quant} has only some of the files.
 */
class QuantizedReferenceTest {
    private static final double LOGIT_TOLERANCE = 2e-3;
    private static final double NLL_RELATIVE_TOLERANCE = 2e-3;

    @TestFactory
    Stream<DynamicTest> everyReferenceFile() throws IOException {
        Path folder = References.directory("quant");
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("summary.json"))
                    .sorted().toList();
        }
        System.out.println("reference/quant: " + files.size() + " files in " + folder);
        assertThat(files).isNotEmpty();
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> check(file)));
    }

    @SuppressWarnings("unchecked")
    private static void check(Path jsonFile) throws IOException {
        Map<String, Object> reference = Json.parseObject(Files.readString(jsonFile));
        String name = (String) reference.get("name");
        TreeSet<String> missing = new TreeSet<>();
        for (Object type : ((Map<String, Object>) reference.get("tensor_types")).values()) {
            if (!GgmlType.valueOf((String) type).supported()) {
                missing.add((String) type);
            }
        }
        if (!missing.isEmpty()) {
            System.out.println("SKIPPED " + name + ": no kernels yet for " + missing);
        }
        Assumptions.assumeTrue(missing.isEmpty(), () -> name + ": no kernels yet for " + missing);

        int[] tokens = References.ints(reference.get("tokens"));
        List<List<Number>> dense = (List<List<Number>>) reference.get("float64_dense_logits");
        List<List<Number>> streamed = (List<List<Number>>) reference.get("float64_streaming_logits");
        Map<String, Object> streaming = (Map<String, Object>) reference.get("streaming");
        int sinks = ((Number) streaming.get("sink")).intValue();
        int window = ((Number) streaming.get("window")).intValue();

        try (Model model = ModelLoader.load(jsonFile.resolveSibling((String) reference.get("gguf")), TestPool.shared())) {
            Transformer network = model.network();
            int vocab = model.config().vocabularySize();

            KvCache cache = new KvCache(model.config().kvShape(), new DensePolicy(), 1, tokens.length);
            float[] denseLogits = new float[tokens.length * vocab];
            network.forward(tokens, 0, tokens.length, cache, network.newState(tokens.length), denseLogits, true);

            Session session = new Session(network, new SinkWindowPolicy(sinks, window));
            float[] streamLogits = new float[tokens.length * vocab];
            for (int t = 0; t < tokens.length; t++) {
                System.arraycopy(session.feed(tokens[t]), 0, streamLogits, t * vocab, vocab);
            }

            double denseError = maxError(denseLogits, dense, vocab);
            double streamError = maxError(streamLogits, streamed, vocab);
            double denseNll = meanNll(denseLogits, vocab, tokens), expectedDenseNll = References.meanNll(dense, tokens);
            double streamNll = meanNll(streamLogits, vocab, tokens), expectedStreamNll = References.meanNll(streamed, tokens);
            System.out.printf("%s: max |logit - float64| dense %.2e, sink:%d:%d %.2e; mean NLL dense %.6f (float64 %.6f), "
                            + "streaming %.6f (float64 %.6f)%n", name, denseError, sinks, window, streamError,
                    denseNll, expectedDenseNll, streamNll, expectedStreamNll);
            assertThat(denseError).as("%s dense max |logit - float64|", name).isLessThan(LOGIT_TOLERANCE);
            assertThat(streamError).as("%s streaming max |logit - float64|", name).isLessThan(LOGIT_TOLERANCE);
            assertThat(Math.abs(denseNll - expectedDenseNll)).as("%s dense mean NLL", name)
                    .isLessThan(NLL_RELATIVE_TOLERANCE * expectedDenseNll);
            assertThat(Math.abs(streamNll - expectedStreamNll)).as("%s streaming mean NLL", name)
                    .isLessThan(NLL_RELATIVE_TOLERANCE * expectedStreamNll);
        }
    }

    private static double maxError(float[] actual, List<List<Number>> expected, int vocab) {
        double max = 0;
        for (int t = 0; t < expected.size(); t++) {
            List<Number> row = expected.get(t);
            assertThat(row).hasSize(vocab);
            for (int i = 0; i < vocab; i++) {
                max = Math.max(max, Math.abs(actual[t * vocab + i] - row.get(i).doubleValue()));
            }
        }
        return max;
    }

    /** Mean over t = 1..n-1 of -log softmax(logits of row t-1)[tokens[t]]. */
    private static double meanNll(float[] logits, int vocab, int[] tokens) {
        double sum = 0;
        for (int t = 1; t < tokens.length; t++) {
            sum += LogProbabilities.negativeLogLikelihood(Arrays.copyOfRange(logits, (t - 1) * vocab, t * vocab), tokens[t]);
        }
        return sum / (tokens.length - 1);
    }
}
