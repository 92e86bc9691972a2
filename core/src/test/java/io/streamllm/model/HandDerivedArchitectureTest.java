package io.streamllm.model;

import io.streamllm.engine.Session;
import io.streamllm.gguf.GgufWriter;
import io.streamllm.kv.CachePolicy;
import io.streamllm.kv.DensePolicy;
import io.streamllm.kv.SinkWindowPolicy;
import io.streamllm.kv.WindowPolicy;
import io.streamllm.testing.GgufEdit;
import io.streamllm.testing.ReRotatingReference;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What llama.cpp build 4748 cannot give a reference for, against the plain double-precision model
 * ({@link ReRotatingReference}), on GGUFs made here from the llama.cpp reference files: Qwen3's per-head q/k
 * norms and gpt-oss's sink logits, dense and through sink and window caches.
 */
class HandDerivedArchitectureTest {
    private static final double TOLERANCE = 1e-4;
    private static final int[] TOKENS = {1, 283, 188, 206, 269, 174, 233, 250, 69, 19, 92, 87, 262, 274, 4, 151, 246, 42,
            239, 38, 141, 245, 93, 104, 85, 216, 78, 297, 135, 145, 152, 176, 167, 154, 298, 242, 238, 210, 187, 104, 296,
            141, 66, 253, 50, 257, 184, 37};

    @TempDir
    Path dir;

    /** qwen2.gguf without its biases, renamed qwen3, with random per-head q/k norm weights. */
    @Test
    void qwen3HeadNormsMatchThePlainModel() {
        Random random = new Random(8);
        Path file = GgufEdit.copy(References.file("arch/qwen2.gguf"), dir.resolve("qwen3.gguf"),
                name -> !name.endsWith(".bias") && !name.startsWith("qwen2.") && !name.equals("general.architecture"),
                w -> {
                    w.putString("general.architecture", "qwen3");
                    w.putUInt32("qwen3.context_length", 256).putUInt32("qwen3.embedding_length", 64)
                            .putUInt32("qwen3.block_count", 2).putUInt32("qwen3.feed_forward_length", 128)
                            .putUInt32("qwen3.attention.head_count", 4).putUInt32("qwen3.attention.head_count_kv", 2)
                            .putFloat32("qwen3.attention.layer_norm_rms_epsilon", 1e-6f)
                            .putUInt32("qwen3.rope.dimension_count", 16).putFloat32("qwen3.rope.freq_base", 1e6f);
                    for (int l = 0; l < 2; l++) {
                        w.addTensor("blk." + l + ".attn_q_norm.weight", new long[] {16}, normWeights(random));
                        w.addTensor("blk." + l + ".attn_k_norm.weight", new long[] {16}, normWeights(random));
                    }
                });
        assertMatchesPlainModel(file);
    }

    /** llama.gguf with one sink logit per head and layer (gpt-oss's blk.N.attn_sinks.weight). */
    @Test
    void sinkLogitsJoinEverySoftmaxInEveryCachePolicy() {
        Random random = new Random(9);
        Path file = GgufEdit.copy(References.file("arch/llama.gguf"), dir.resolve("sinks.gguf"), name -> true, w -> {
            for (int l = 0; l < 2; l++) {
                float[] logits = new float[4];
                for (int h = 0; h < logits.length; h++) {
                    logits[h] = (float) (random.nextGaussian() * 2);
                }
                w.addTensor("blk." + l + ".attn_sinks.weight", new long[] {4}, logits);
            }
        });
        assertMatchesPlainModel(file);
        // The sink logits matter: the same stream without them gives other logits.
        try (Model with = ModelLoader.load(file, TestPool.shared());
             Model without = ModelLoader.load(References.file("arch/llama.gguf"), TestPool.shared())) {
            float[] a = new Session(with.network(), new DensePolicy()).feed(TOKENS[0]);
            float[] b = new Session(without.network(), new DensePolicy()).feed(TOKENS[0]);
            double difference = 0;
            for (int i = 0; i < a.length; i++) {
                difference = Math.max(difference, Math.abs(a[i] - b[i]));
            }
            assertThat(difference).isGreaterThan(0.01);
        }
    }

    private static void assertMatchesPlainModel(Path file) {
        try (Model model = ModelLoader.load(file, TestPool.shared())) {
            CachePolicy[] policies = {new DensePolicy(), new SinkWindowPolicy(4, 12), new WindowPolicy(12)};
            for (CachePolicy policy : policies) {
                Session session = new Session(model.network(), policy);
                ReRotatingReference reference = new ReRotatingReference(model.config(), model.store(),
                        policy.sinkTokens(), policy.windowTokens() == CachePolicy.UNBOUNDED ? 1 << 20 : policy.windowTokens(), 1);
                for (int t = 0; t < TOKENS.length; t++) {
                    float[] ours = session.feed(TOKENS[t]);
                    double[] expected = reference.step(TOKENS[t]);
                    double maxError = 0;
                    for (int i = 0; i < expected.length; i++) {
                        maxError = Math.max(maxError, Math.abs(ours[i] - expected[i]));
                    }
                    assertThat(maxError).as("%s, %s step %d", file.getFileName(), policy.spec(), t).isLessThan(TOLERANCE);
                }
            }
            // Dense as one batch of all positions, as a prompt is prefilled.
            int vocab = model.config().vocabularySize();
            float[] all = new float[TOKENS.length * vocab];
            io.streamllm.kv.KvCache cache = new io.streamllm.kv.KvCache(model.config().kvShape(), new DensePolicy(), 1, TOKENS.length);
            model.network().forward(TOKENS, 0, TOKENS.length, cache, model.network().newState(TOKENS.length), all, true);
            ReRotatingReference reference = new ReRotatingReference(model.config(), model.store(), 0, 1 << 20, 1);
            for (int t = 0; t < TOKENS.length; t++) {
                double[] expected = reference.step(TOKENS[t]);
                for (int i = 0; i < vocab; i++) {
                    assertThat(Math.abs(all[t * vocab + i] - expected[i])).as("dense batch position %d", t).isLessThan(TOLERANCE);
                }
            }
        }
    }

    private static float[] normWeights(Random random) {
        float[] weights = new float[16];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) (1 + random.nextGaussian() * 0.3);
        }
        return weights;
    }
}
