package io.streamllm.eval;

import java.util.Arrays;

/**
 * One llama-bench style test: a prompt of {@code promptTokens} prefilled as one batch (ppN), or
 * {@code generatedTokens} decoded one at a time (tgN), timed {@code samplesNs.length} times.
 * Tokens per second are computed per sample and then averaged, as llama-bench does.
 *
 * @param modelSize           bytes of all the model's tensors
 * @param weightBytesPerToken bytes of weights a decode step reads (every matrix but the embedding table)
 * @param bandwidth           the machine's read bandwidth with the same thread count, bytes per second
 * @param kvType              how the test's KV cache stores keys and values (llama-bench's type_k and type_v)
 */
public record BenchRun(String modelFilename, String modelType, long modelSize, long modelParams, int threads,
                       int promptTokens, int generatedTokens, String testTime, long[] samplesNs,
                       String cpuInfo, InstructionSet instructionSet, double bandwidth, long weightBytesPerToken,
                       String kvType) {

    public BenchRun {
        if (samplesNs.length == 0) {
            throw new IllegalArgumentException("a test needs at least one sample");
        }
        samplesNs = samplesNs.clone();
    }

    @Override
    public long[] samplesNs() {
        return samplesNs.clone();
    }

    /** "pp512" or "tg128", as llama-bench names its tests. */
    public String testName() {
        return promptTokens > 0 ? "pp" + promptTokens : "tg" + generatedTokens;
    }

    public boolean isDecode() {
        return promptTokens == 0 && generatedTokens > 0;
    }

    public double[] samplesTs() {
        return Arrays.stream(samplesNs).mapToDouble(ns -> 1e9 * (promptTokens + generatedTokens) / ns).toArray();
    }

    public double avgTs() {
        return mean(samplesTs());
    }

    public double stddevTs() {
        return sampleStddev(samplesTs());
    }

    public long avgNs() {
        return Math.round(mean(Arrays.stream(samplesNs).asDoubleStream().toArray()));
    }

    public long stddevNs() {
        return Math.round(sampleStddev(Arrays.stream(samplesNs).asDoubleStream().toArray()));
    }

    /**
     * For a decode test, the share of the machine's read bandwidth that decoding uses: weight bytes
     * per token x tokens per second / bandwidth. NaN for a prefill test, which is compute-bound.
     */
    public double decodeEfficiency() {
        return isDecode() && bandwidth > 0 ? weightBytesPerToken * avgTs() / bandwidth : Double.NaN;
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    /** The sample standard deviation (n - 1), 0 for one sample, as llama-bench reports it. */
    private static double sampleStddev(double[] values) {
        if (values.length < 2) {
            return 0;
        }
        double mean = mean(values);
        double squares = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum();
        return Math.sqrt(squares / (values.length - 1));
    }
}
