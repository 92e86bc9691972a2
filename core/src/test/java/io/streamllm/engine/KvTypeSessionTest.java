package io.streamllm.engine;

import io.streamllm.kv.CachePolicy;
import io.streamllm.api.KvType;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Quantized KV under every cache policy, prefilled in batches and token by token, and in snapshots.
 * The model is llama.cpp's tiny Q8_0 llama (head dimension 64, so q8_0's groups of 32 fit).
 */
class KvTypeSessionTest {
    private static final int TOKENS = 100;
    private static Model model;
    private static int[] stream;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(References.file("quant/llama-q8_0.gguf"), TestPool.shared());
        SplittableRandom random = new SplittableRandom(3);
        stream = new int[TOKENS];
        for (int i = 0; i < TOKENS; i++) {
            stream[i] = random.nextInt(model.config().vocabularySize());
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /**
     * Batches see what single tokens see, and the quantized cache stays within its type's distance of f32
     * (the bounds of QuantizedKvStreamingTest). Batched and single are not bit-equal: a batched matmul may
     * round a key differently in its last bit, which can flip the stored element's rounding.
     */
    @ParameterizedTest(name = "{0} KV, {1}")
    @CsvSource({
            "f16, dense, 4e-3", "f16, window:20, 4e-3", "f16, sink:4:20, 4e-3", "f16, recompute:20, 4e-3",
            "q8_0, dense, 0.1", "q8_0, window:20, 0.1", "q8_0, sink:4:20, 0.1", "q8_0, recompute:20, 0.1",
    })
    void everyPolicyPrefillsInBatchesAndStaysNearF32(String kvType, String policy, double fromF32) {
        KvType type = KvType.parse(kvType);
        float[] batched = new Session(model.network(), CachePolicy.parse(policy), 16, 1, type).feed(stream).clone();
        Session single = new Session(model.network(), CachePolicy.parse(policy), 1, 1, type);
        Session exact = new Session(model.network(), CachePolicy.parse(policy), 1, 1, KvType.F32);
        float[] oneByOne = null;
        float[] f32 = null;
        for (int token : stream) {
            oneByOne = single.feed(token);
            f32 = exact.feed(token);
        }
        assertThat(maxDifference(batched, oneByOne)).isLessThan(fromF32);
        assertThat(maxDifference(oneByOne, f32)).isLessThan(fromF32);
        assertThat(single.cacheStats().kvType()).isEqualTo(type);
    }

    @Test
    void bytesPerTokenFollowTheType() {
        int layers = model.config().blockCount();
        int kvLength = model.config().kvLength();
        assertThat(new Session(model.network(), CachePolicy.parse("sink:4:20"), 1, 1, KvType.F32).cacheStats().bytesPerToken())
                .isEqualTo(2L * layers * kvLength * 4);
        assertThat(new Session(model.network(), CachePolicy.parse("sink:4:20"), 1, 1, KvType.F16).cacheStats().bytesPerToken())
                .isEqualTo(2L * layers * kvLength * 2);
        // 32 bytes of quants and a 4-byte scale per 32 elements
        assertThat(new Session(model.network(), CachePolicy.parse("sink:4:20"), 1, 1, KvType.Q8_0).cacheStats().bytesPerToken())
                .isEqualTo(2L * layers * kvLength / 32 * 36);
    }

    /**
     * A snapshot restored into a session of the same type continues as the original: the stored elements
     * are restored bit for bit (KvStoreTest); the logits agree to float rounding (the JIT may compile the
     * kernels between the two feeds, and a compiled lane sum adds in another order).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"f32", "f16", "q8_0"})
    void aSnapshotResumesExactly(String kvType) throws IOException {
        KvType type = KvType.parse(kvType);
        Session original = new Session(model.network(), CachePolicy.parse("sink:4:20"), 8, 1, type);
        original.feed(Arrays.copyOf(stream, 60));
        Session restored = new Session(model.network(), CachePolicy.parse("sink:4:20"), 8, 1, type);
        restored.readFrom(input(snapshot(original)));
        assertThat(maxDifference(restored.feed(stream[60]).clone(), original.feed(stream[60]))).isLessThan(1e-5);
    }

    /**
     * A snapshot of another type is converted: its rows are stored in the session's type. The result is
     * not bit-equal to a q8_0 session fed the same tokens (there, deeper layers' keys were computed from
     * attention over already-rounded keys) but within q8_0's distance of both runs.
     */
    @Test
    void anF32SnapshotRestoredIntoQ8_0IsConverted() throws IOException {
        Session f32 = new Session(model.network(), CachePolicy.parse("sink:4:20"), 8, 1, KvType.F32);
        Session q8 = new Session(model.network(), CachePolicy.parse("sink:4:20"), 8, 1, KvType.Q8_0);
        int[] prefix = Arrays.copyOf(stream, 60);
        f32.feed(prefix);
        q8.feed(prefix);
        Session converted = new Session(model.network(), CachePolicy.parse("sink:4:20"), 8, 1, KvType.Q8_0);
        converted.readFrom(input(snapshot(f32)));
        float[] logits = converted.feed(stream[60]).clone();
        assertThat(maxDifference(logits, q8.feed(stream[60]))).isLessThan(0.1);
        assertThat(maxDifference(logits, f32.feed(stream[60]))).isLessThan(0.1).isGreaterThan(0);
        assertThat(converted.cacheStats().kvType()).isEqualTo(KvType.Q8_0);
    }

    /** Snapshots written before the KV type existed (version 1, f32 rows) still restore. */
    @Test
    void aVersion1SnapshotStillRestores() throws IOException {
        String policy = "sink:4:20";
        Session original = new Session(model.network(), CachePolicy.parse(policy), 8, 1, KvType.F32);
        original.feed(Arrays.copyOf(stream, 60));
        byte[] v2 = snapshot(original);
        // Session: policy (UTF), tokens seen (long); then the cache: magic, version, policy, KV type "f32", ...
        int cache = 2 + policy.length() + 8;
        int typeField = cache + 8 + 2 + policy.length();
        ByteBuffer v1 = ByteBuffer.allocate(v2.length - 5);
        v1.put(v2, 0, typeField).put(v2, typeField + 5, v2.length - typeField - 5);
        v1.putInt(cache + 4, 1);
        assertThat(new String(v2, typeField + 2, 3, StandardCharsets.UTF_8)).isEqualTo("f32");

        Session restored = new Session(model.network(), CachePolicy.parse(policy), 8, 1, KvType.F32);
        restored.readFrom(input(v1.array()));
        assertThat(maxDifference(restored.feed(stream[60]).clone(), original.feed(stream[60]))).isLessThan(1e-5);
    }

    private static byte[] snapshot(Session session) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        session.writeTo(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    private static DataInputStream input(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
