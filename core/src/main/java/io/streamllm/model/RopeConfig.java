package io.streamllm.model;

/**
 * Rotary position embedding settings.
 *
 * @param theta            the frequency base (10000 for Llama 2, 500000 for Llama 3)
 * @param dimensions       how many leading dimensions of each head are rotated (the rest pass through)
 * @param style            which dimensions pair up
 * @param frequencyDivisors per-pair divisors of the frequencies (Llama 3.1 long-context scaling), or null
 */
public record RopeConfig(double theta, int dimensions, RopeStyle style, float[] frequencyDivisors) {

    public RopeConfig {
        if (dimensions <= 0 || dimensions % 2 != 0) {
            throw new IllegalArgumentException("RoPE dimensions must be positive and even, got " + dimensions);
        }
        if (frequencyDivisors != null && frequencyDivisors.length != dimensions / 2) {
            throw new IllegalArgumentException("RoPE frequency divisors: expected " + dimensions / 2
                    + " values, got " + frequencyDivisors.length);
        }
    }

    /** The angular frequency of each rotated pair, in double precision. */
    public double[] frequencies() {
        double[] freq = new double[dimensions / 2];
        for (int i = 0; i < freq.length; i++) {
            freq[i] = Math.pow(theta, -2.0 * i / dimensions);
            if (frequencyDivisors != null) {
                freq[i] /= frequencyDivisors[i];
            }
        }
        return freq;
    }

    /**
     * Llama 3.1's frequency divisors ("rope_type": "llama3"): long wavelengths are slowed down by
     * {@code factor}, short ones kept, and the band between blended smoothly.
     */
    public static float[] llama3Divisors(int dimensions, double theta, double factor, double lowFreqFactor,
                                         double highFreqFactor, int originalContext) {
        float[] divisors = new float[dimensions / 2];
        double lowFreqWavelength = originalContext / lowFreqFactor;
        double highFreqWavelength = originalContext / highFreqFactor;
        for (int i = 0; i < divisors.length; i++) {
            double freq = Math.pow(theta, -2.0 * i / dimensions);
            double wavelength = 2 * Math.PI / freq;
            if (wavelength < highFreqWavelength) {
                divisors[i] = 1f;
            } else if (wavelength > lowFreqWavelength) {
                divisors[i] = (float) factor;
            } else {
                double smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                divisors[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return divisors;
    }
}
