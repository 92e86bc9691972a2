package io.streamllm.eval;

import io.streamllm.api.CachePolicy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's ablations in miniature. Table A (the paper's Table 2): perplexity with 0, 1, 2, 4, 8
 * sink tokens at a fixed total cache C, i.e. sink:S:(C-S), where S = 0 is window:C. Table B (the
 * paper's Table 6): perplexity at several cache sizes with 4 sinks, beside the window baseline.
 */
public final class Ablation {
    /** The sinks of Table B: the paper's choice. */
    public static final int TABLE_B_SINKS = 4;

    private final int cacheSize;
    private final List<Integer> sinks;
    private final List<Integer> cacheSizes;

    public Ablation(int cacheSize, List<Integer> sinks, List<Integer> cacheSizes) {
        if (sinks.isEmpty() || cacheSizes.isEmpty()) {
            throw new IllegalArgumentException("--sinks and --cache-sizes need at least one value each");
        }
        for (int s : sinks) {
            if (s < 0 || s >= cacheSize) {
                throw new IllegalArgumentException("a cache of " + cacheSize + " tokens cannot hold " + s
                        + " sinks and a window (sinks must be 0.." + (cacheSize - 1) + ")");
            }
        }
        for (int c : cacheSizes) {
            if (c <= TABLE_B_SINKS) {
                throw new IllegalArgumentException("cache size " + c + " leaves no window beside " + TABLE_B_SINKS
                        + " sinks; use sizes above " + TABLE_B_SINKS);
            }
        }
        this.cacheSize = cacheSize;
        this.sinks = List.copyOf(sinks);
        this.cacheSizes = List.copyOf(cacheSizes);
    }

    /** S sinks in a cache of {@code size} tokens: sink:S:(size-S), or window:size without sinks. */
    static CachePolicy policy(int sinks, int size) {
        return sinks == 0 ? CachePolicy.window(size) : CachePolicy.sink(sinks, size - sinks);
    }

    /** Every policy the two tables need, each once, Table A's first. */
    public List<CachePolicy> policies() {
        Map<String, CachePolicy> unique = new LinkedHashMap<>();
        for (int s : sinks) {
            CachePolicy p = policy(s, cacheSize);
            unique.putIfAbsent(p.spec(), p);
        }
        for (int c : cacheSizes) {
            for (CachePolicy p : List.of(policy(0, c), policy(TABLE_B_SINKS, c))) {
                unique.putIfAbsent(p.spec(), p);
            }
        }
        return new ArrayList<>(unique.values());
    }

    /** Both tables in markdown, from the results of {@link #policies()} keyed by policy spec. */
    public String markdown(Map<String, PolicyResult> results) {
        List<String> header = new ArrayList<>(List.of("sinks + window"));
        List<String> row = new ArrayList<>(List.of("PPL"));
        for (int s : sinks) {
            header.add(s + " + " + (cacheSize - s));
            row.add(ppl(results, policy(s, cacheSize)));
        }
        MarkdownTable tableA = new MarkdownTable(header).row(row);

        header = new ArrayList<>(List.of("cache size C"));
        List<String> window = new ArrayList<>(List.of("window (0 + C)"));
        List<String> streaming = new ArrayList<>(List.of("StreamingLLM (" + TABLE_B_SINKS + " + C-" + TABLE_B_SINKS + ")"));
        for (int c : cacheSizes) {
            header.add(Integer.toString(c));
            window.add(ppl(results, policy(0, c)));
            streaming.add(ppl(results, policy(TABLE_B_SINKS, c)));
        }
        MarkdownTable tableB = new MarkdownTable(header).row(window).row(streaming);

        return String.format(Locale.ROOT, "Table A: attention sinks in a cache of %d tokens (PPL)\n\n%s\n"
                + "Table B: cache sizes, window vs %d sinks (PPL)\n\n%s", cacheSize, tableA, TABLE_B_SINKS, tableB);
    }

    private static String ppl(Map<String, PolicyResult> results, CachePolicy policy) {
        PolicyResult result = results.get(policy.spec());
        if (result == null) {
            throw new IllegalArgumentException("no result for " + policy.spec());
        }
        return String.format(Locale.ROOT, "%.3f", result.perplexity());
    }
}
