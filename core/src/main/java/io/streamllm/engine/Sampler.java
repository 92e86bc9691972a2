package io.streamllm.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token: repetition, frequency and presence penalties, then greedy or the chain top-k,
 * temperature, top-p, min-p and a draw. Buffers are reused, so sampling allocates nothing per token.
 *
 * <p>Top-k up to {@link #SORTED_TOP_K} keeps the k best sorted by insertion. Any other setting (top-k 0,
 * as OpenAI clients get) never sorts the vocabulary: the probabilities are computed with vector exps, a
 * histogram of their float bits locates the bucket where the top-k count or the top-p mass is reached,
 * and only that bucket's tokens are sorted to find the exact last token kept. The draw then walks the
 * kept tokens in id order; which tokens are kept and their probabilities are those of a full sort.
 */
public final class Sampler {
    /** Up to this top-k the k best are kept in a sorted list (one pass, few moves). */
    static final int SORTED_TOP_K = 128;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Probabilities are in [0, 1]; their float bits shifted by this give ~4,000 buckets (5 mantissa bits). */
    private static final int BUCKET_SHIFT = 18;
    private static final int BUCKETS = (Float.floatToRawIntBits(1f) >>> BUCKET_SHIFT) + 1;

    private final float[] probabilities;
    private final int[] candidates;
    private final long[] orderKeys;
    private final int[] bucketCounts = new int[BUCKETS];
    private final double[] bucketMasses = new double[BUCKETS];
    private final int[] generatedCounts;
    private final int[] generatedTokens; // the distinct tokens generated, to penalize and to clear the counts
    private int distinctGenerated;
    private int[] recent;
    private int recentCount;
    private SamplerSettings settings;
    private SplittableRandom random;

    // The last token kept by top-k and top-p in (logit descending, id ascending) order; -1 when all are.
    private int boundary;
    private double boundaryMass;

    public Sampler(SamplerSettings settings, int vocabularySize) {
        this.probabilities = new float[vocabularySize];
        this.candidates = new int[SORTED_TOP_K];
        this.orderKeys = new long[vocabularySize];
        this.generatedCounts = new int[vocabularySize];
        this.generatedTokens = new int[vocabularySize];
        restart(settings);
    }

    /** Starts a new completion with {@code settings}, forgetting the tokens seen (the buffers stay). */
    public void restart(SamplerSettings newSettings) {
        settings = newSettings;
        random = new SplittableRandom(newSettings.seed());
        if (recent == null || recent.length != newSettings.repetitionWindow()) {
            recent = new int[newSettings.repetitionWindow()];
        }
        recentCount = 0;
        for (int i = 0; i < distinctGenerated; i++) {
            generatedCounts[generatedTokens[i]] = 0;
        }
        distinctGenerated = 0;
    }

    public SamplerSettings settings() {
        return settings;
    }

    /** Tells the sampler a prompt token was added to the text (for the repetition penalty). */
    public void acceptPrompt(int token) {
        if (recent.length > 0) {
            recent[recentCount++ % recent.length] = token;
        }
    }

    /** Tells the sampler a token was generated (for the repetition, frequency and presence penalties). */
    public void accept(int token) {
        acceptPrompt(token);
        if (generatedCounts[token]++ == 0) {
            generatedTokens[distinctGenerated++] = token;
        }
    }

    /** Chooses a token from {@code logits}; the array may be modified. */
    public int sample(float[] logits) {
        applyRepetitionPenalty(logits);
        applyFrequencyAndPresencePenalties(logits);
        if (settings.isGreedy()) {
            return argmax(logits);
        }
        int k = settings.topK();
        if (k > 0 && k <= SORTED_TOP_K && k < logits.length) {
            return sampleSortedTopK(logits, k);
        }
        return sampleWholeVocabulary(logits, k == 0 ? logits.length : Math.min(k, logits.length));
    }

    private void applyRepetitionPenalty(float[] logits) {
        if (settings.repetitionPenalty() == 1f) {
            return;
        }
        int n = Math.min(recentCount, recent.length);
        for (int i = 0; i < n; i++) {
            int token = recent[i];
            // Each distinct token is penalized once, however often it occurred.
            boolean seenBefore = false;
            for (int j = 0; j < i; j++) {
                seenBefore |= recent[j] == token;
            }
            if (!seenBefore) {
                float l = logits[token];
                logits[token] = l > 0 ? l / settings.repetitionPenalty() : l * settings.repetitionPenalty();
            }
        }
    }

    /** OpenAI's definition: logit -= count * frequency_penalty + (count > 0) * presence_penalty. */
    private void applyFrequencyAndPresencePenalties(float[] logits) {
        float frequency = settings.frequencyPenalty();
        float presence = settings.presencePenalty();
        if (frequency == 0 && presence == 0) {
            return;
        }
        for (int i = 0; i < distinctGenerated; i++) {
            int token = generatedTokens[i];
            logits[token] -= generatedCounts[token] * frequency + presence;
        }
    }

    /** Top-k with a small k: the k best sorted by logit, then top-p and min-p over that prefix. */
    private int sampleSortedTopK(float[] logits, int k) {
        int n = sortedTopK(logits, k);
        float max = logits[candidates[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logits[candidates[i]] - max) / settings.temperature());
            probabilities[i] = p;
            sum += p;
        }
        // top-p: the smallest prefix (candidates are sorted by probability) reaching topP of the mass.
        double cumulative = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            cumulative += probabilities[i] / sum;
            if (cumulative >= settings.topP()) {
                keep = i + 1;
                break;
            }
        }
        // min-p: drop what is less likely than minP times the best.
        float floor = settings.minP() * probabilities[0];
        while (keep > 1 && probabilities[keep - 1] < floor) {
            keep--;
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += probabilities[i];
        }
        double r = random.nextDouble() * kept;
        for (int i = 0; i < keep; i++) {
            r -= probabilities[i];
            if (r < 0) {
                return candidates[i];
            }
        }
        return candidates[keep - 1];
    }

    /** Fills {@code candidates} with the k best token ids by decreasing logit (ties: lower id first). */
    private int sortedTopK(float[] logits, int k) {
        int count = 0;
        for (int token = 0; token < logits.length; token++) {
            float l = logits[token];
            if (count == k && l <= logits[candidates[k - 1]]) {
                continue;
            }
            int at = count < k ? count++ : k - 1;
            while (at > 0 && logits[candidates[at - 1]] < l) {
                candidates[at] = candidates[at - 1];
                at--;
            }
            candidates[at] = token;
        }
        return count;
    }

    /** Any top-k, top-p and min-p over the whole vocabulary, without sorting it. */
    private int sampleWholeVocabulary(float[] logits, int k) {
        int best = argmax(logits);
        double total = computeProbabilities(logits, logits[best], logits.length);
        int kept = aboveMinP(logits, k, total);
        if (kept > 0) {
            return drawFromSorted(kept);
        }
        return drawFromAll(logits, k, total);
    }

    /**
     * With min-p, the tokens that can be kept are few (those at least minP times as likely as the best):
     * sorts just them into {@link #orderKeys} and applies top-k and top-p there; returns how many are kept.
     * Returns 0 when that does not apply (no min-p, or a top-k set reaching below the min-p floor).
     */
    private int aboveMinP(float[] logits, int k, double total) {
        float floor = settings.minP(); // times the best token's probability, which is exp(0) = 1
        if (floor == 0) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            if (probabilities[i] >= floor) {
                orderKeys[n++] = orderKey(logits[i], i);
            }
        }
        if (k < logits.length && k > n) {
            return 0;
        }
        LongHeapSort.sort(orderKeys, n);
        double topKMass = total;
        if (k < n) {
            topKMass = 0;
            for (int j = 0; j < k; j++) {
                topKMass += probabilities[(int) orderKeys[j]];
            }
        }
        double target = settings.topP() * topKMass;
        double cumulative = 0;
        for (int j = 0; j < Math.min(k, n); j++) {
            cumulative += probabilities[(int) orderKeys[j]];
            if (cumulative >= target) {
                return j + 1;
            }
        }
        return Math.min(k, n);
    }

    /** Draws among the first {@code kept} tokens of {@link #orderKeys}. */
    private int drawFromSorted(int kept) {
        double mass = 0;
        for (int j = 0; j < kept; j++) {
            mass += probabilities[(int) orderKeys[j]];
        }
        double r = random.nextDouble() * mass;
        for (int j = 0; j < kept; j++) {
            r -= probabilities[(int) orderKeys[j]];
            if (r < 0) {
                return (int) orderKeys[j];
            }
        }
        return (int) orderKeys[kept - 1];
    }

    private int drawFromAll(float[] logits, int k, double total) {
        double kept = selectFromWholeVocabulary(logits, k, total);
        float floor = settings.minP();
        double r = random.nextDouble() * kept;
        int last = -1;
        for (int i = 0; i < logits.length; i++) {
            if (isKept(logits, i, floor)) {
                last = i;
                r -= probabilities[i];
                if (r < 0) {
                    return i;
                }
            }
        }
        return last;
    }

    /**
     * The probability of drawing each token from {@code logits} with top-k 0 or above {@link #SORTED_TOP_K}
     * (for tests against a full sort); no penalties.
     */
    double[] wholeVocabularyDistribution(float[] logits) {
        int k = settings.topK() == 0 ? logits.length : Math.min(settings.topK(), logits.length);
        double total = computeProbabilities(logits, logits[argmax(logits)], logits.length);
        double[] distribution = new double[logits.length];
        int keptSorted = aboveMinP(logits, k, total);
        if (keptSorted > 0) {
            double mass = 0;
            for (int j = 0; j < keptSorted; j++) {
                mass += probabilities[(int) orderKeys[j]];
            }
            for (int j = 0; j < keptSorted; j++) {
                distribution[(int) orderKeys[j]] = probabilities[(int) orderKeys[j]] / mass;
            }
            return distribution;
        }
        double kept = selectFromWholeVocabulary(logits, k, total);
        for (int i = 0; i < logits.length; i++) {
            distribution[i] = isKept(logits, i, settings.minP()) ? probabilities[i] / kept : 0;
        }
        return distribution;
    }

    /** Computes the probabilities and the top-k / top-p boundary; returns the mass of the tokens kept. */
    private double selectFromWholeVocabulary(float[] logits, int k, double total) {
        int n = logits.length;
        boundary = -1;
        boundaryMass = total;
        if (k < n || settings.topP() < 1) {
            fillHistogram(n);
        }
        if (k < n) {
            findBoundary(logits, n, k, Double.POSITIVE_INFINITY);
        }
        if (settings.topP() < 1) {
            // The nucleus lies inside the top-k set: once its mass is reached at the top-k boundary, stop there.
            int topKBoundary = boundary;
            double target = settings.topP() * boundaryMass;
            findBoundary(logits, n, topKBoundary < 0 ? n : k, target);
        }
        float floor = settings.minP(); // times the best token's probability, which is exp(0) = 1
        if (floor == 0) {
            return boundaryMass;
        }
        double kept = 0;
        for (int i = 0; i < n; i++) {
            if (isKept(logits, i, floor)) {
                kept += probabilities[i];
            }
        }
        return kept;
    }

    private boolean isKept(float[] logits, int token, float floor) {
        return probabilities[token] >= floor && inPrefix(logits, token);
    }

    /** Whether {@code token} comes no later than the boundary in (logit descending, id ascending) order. */
    private boolean inPrefix(float[] logits, int token) {
        if (boundary < 0) {
            return true;
        }
        float l = logits[token];
        float b = logits[boundary];
        return l > b || l == b && token <= boundary;
    }

    /** probabilities[i] = exp((logits[i] - max) / T); returns their sum. */
    private double computeProbabilities(float[] logits, float max, int n) {
        float inverseTemperature = 1f / settings.temperature();
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, logits, i).sub(max).mul(inverseTemperature)
                    .lanewise(VectorOperators.EXP).intoArray(probabilities, i);
        }
        for (; i < n; i++) {
            probabilities[i] = (float) Math.exp((logits[i] - max) * inverseTemperature);
        }
        // Four partial sums, so that the additions do not wait on one another.
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += probabilities[j];
            s1 += probabilities[j + 1];
            s2 += probabilities[j + 2];
            s3 += probabilities[j + 3];
        }
        for (; j < n; j++) {
            s0 += probabilities[j];
        }
        return s0 + s1 + s2 + s3;
    }

    private static int bucket(float probability) {
        return Float.floatToRawIntBits(probability) >>> BUCKET_SHIFT;
    }

    private void fillHistogram(int n) {
        Arrays.fill(bucketCounts, 0);
        Arrays.fill(bucketMasses, 0);
        for (int i = 0; i < n; i++) {
            float p = probabilities[i];
            int b = bucket(p);
            bucketCounts[b]++;
            bucketMasses[b] += p;
        }
    }

    /**
     * Sets {@link #boundary} to the first token, in (logit descending, id ascending) order, at which
     * {@code count} tokens or {@code mass} of probability are reached, and {@link #boundaryMass} to the
     * mass up to and including it.
     */
    private void findBoundary(float[] logits, int n, int count, double mass) {
        int tokensAbove = 0;
        double massAbove = 0;
        int b = BUCKETS - 1;
        while (b > 0 && tokensAbove + bucketCounts[b] < count && massAbove + bucketMasses[b] < mass) {
            tokensAbove += bucketCounts[b];
            massAbove += bucketMasses[b];
            b--;
        }
        int inBucket = 0;
        for (int i = 0; i < n; i++) {
            if (bucket(probabilities[i]) == b) {
                orderKeys[inBucket++] = orderKey(logits[i], i);
            }
        }
        LongHeapSort.sort(orderKeys, inBucket);
        int last = -1;
        for (int j = 0; j < inBucket; j++) {
            last = (int) orderKeys[j];
            tokensAbove++;
            massAbove += probabilities[last];
            if (tokensAbove >= count || massAbove >= mass) {
                break;
            }
        }
        if (last >= 0) {
            boundary = last;
            boundaryMass = massAbove;
        }
    }

    /** Sorts ascending as (logit descending, id ascending). */
    private static long orderKey(float logit, int id) {
        int bits = Float.floatToRawIntBits(logit);
        int ascending = bits ^ ((bits >> 31) & 0x7fffffff); // orders as the float does
        return (long) ~ascending << 32 | id;
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Heapsort: in place, allocation-free, O(n log n) whatever the input (the JDK's sort may allocate). */
    private static final class LongHeapSort {
        static void sort(long[] a, int n) {
            for (int i = n / 2 - 1; i >= 0; i--) {
                siftDown(a, i, n);
            }
            for (int end = n - 1; end > 0; end--) {
                long top = a[0];
                a[0] = a[end];
                a[end] = top;
                siftDown(a, 0, end);
            }
        }

        private static void siftDown(long[] a, int i, int n) {
            long value = a[i];
            while (true) {
                int child = 2 * i + 1;
                if (child >= n) {
                    break;
                }
                if (child + 1 < n && a[child + 1] > a[child]) {
                    child++;
                }
                if (a[child] <= value) {
                    break;
                }
                a[i] = a[child];
                i = child;
            }
            a[i] = value;
        }
    }
}
