package io.streamllm.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * StreamEval's text: numbered lines {@code line N: REGISTER_CONTENT is <number>}, each holding a random
 * five-digit number drawn from a seeded generator, so that one seed always gives the same stream and the same
 * fresh numbers.
 */
public final class RegisterLines {
    private static final int LOWEST = 10_000;
    private static final int SPAN = 90_000;

    private final int[] contents;
    private final long seed;

    /**
     * @param count the lines of the stream, numbered from 1
     * @param seed  the generator's seed
     */
    public RegisterLines(int count, long seed) {
        if (count < 1) {
            throw new IllegalArgumentException("--lines must be at least 1, got " + count);
        }
        Random random = new Random(seed);
        contents = new int[count];
        for (int i = 0; i < count; i++) {
            contents[i] = LOWEST + random.nextInt(SPAN);
        }
        this.seed = seed;
    }

    public int count() {
        return contents.length;
    }

    /** The number that line {@code line} (from 1) holds. */
    public String content(int line) {
        return Integer.toString(contents[line - 1]);
    }

    /** The whole line as streamed, newline included. */
    public String text(int line) {
        return prefix(line) + content(line) + "\n";
    }

    /** The start of the line up to its number: what a query repeats so that the model completes the number. */
    public static String prefix(int line) {
        return "line " + line + ": REGISTER_CONTENT is ";
    }

    /**
     * The baselines of the recall loss for one query: random numbers of the same width as the line's own, each
     * different from it, the same for every policy run on this stream.
     *
     * @param count how many
     */
    public List<String> freshContents(StreamEvalProtocol.Query query, int count) {
        String own = content(query.targetLine());
        Random random = new Random(seed * 1_000_003L + query.afterLine() * 1_009L + query.distance());
        List<String> values = new ArrayList<>();
        while (values.size() < count) {
            String value = Integer.toString(LOWEST + random.nextInt(SPAN));
            if (!value.equals(own)) {
                values.add(value);
            }
        }
        return values;
    }
}
