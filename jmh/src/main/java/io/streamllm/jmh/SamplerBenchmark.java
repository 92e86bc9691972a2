package io.streamllm.jmh;

import io.streamllm.engine.Sampler;
import io.streamllm.engine.SamplerSettings;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One token's sampling at Llama 3's vocabulary of 128,256 tokens, per setting: what the decode loop pays
 * on top of the forward pass. Each call first copies the logits (penalties change them in place);
 * {@code copyOnly} measures that copy alone. Run with {@code -prof gc}: gc.alloc.rate.norm is the
 * bytes allocated per token.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SamplerBenchmark {
    static final int VOCABULARY = 128_256;

    /** temperature/top-k/top-p/min-p[/penalties]; "server" is what an OpenAI client gets (top-k 0, top-p 1). */
    @Param({"server:1/0/1/0", "0.8/0/0.95/0", "0.8/0/0.95/0.05", "0.8/40/0.95/0.05", "1.5/1000/0.9/0",
            "penalties:0.8/0/0.95/0.05", "greedy:0/0/1/0"})
    public String setting;

    private Sampler sampler;
    private final float[] logits = new float[VOCABULARY];
    private final float[] work = new float[VOCABULARY];
    private int generated;

    @Setup
    public void setUp() {
        String[] parts = setting.substring(setting.indexOf(':') + 1).split("/");
        SamplerSettings settings = new SamplerSettings(Float.parseFloat(parts[0]), Integer.parseInt(parts[1]),
                Float.parseFloat(parts[2]), Float.parseFloat(parts[3]), 1f, 64, 42);
        if (setting.startsWith("penalties:")) {
            settings = new SamplerSettings(settings.temperature(), settings.topK(), settings.topP(), settings.minP(),
                    1.1f, 64, 42, 0.5f, 0.5f);
        }
        sampler = new Sampler(settings, VOCABULARY);
        // Logits shaped like a language model's: most tokens far below a few likely ones.
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < VOCABULARY; i++) {
            logits[i] = (float) (random.nextGaussian() * 2.5);
        }
        for (int i = 0; i < 20; i++) {
            logits[random.nextInt(VOCABULARY)] += 12 + random.nextInt(6);
        }
    }

    @Benchmark
    public int sample() {
        System.arraycopy(logits, 0, work, 0, VOCABULARY);
        int token = sampler.sample(work);
        sampler.accept(token);
        if (++generated == 512) { // a completion's worth of penalty counts, then a new completion
            generated = 0;
            sampler.restart(sampler.settings());
        }
        return token;
    }

    @Benchmark
    public float copyOnly() {
        System.arraycopy(logits, 0, work, 0, VOCABULARY);
        return work[generated++ & 1023];
    }
}
