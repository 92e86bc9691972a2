package io.streamllm.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * StreamEval (StreamingLLM, section 4.4) run on one {@link RecallProbe}: the register lines are streamed in, and
 * at each query point every distance is asked about on a branch. Two measures per query:
 * <ul>
 * <li>accuracy: after {@code line T: REGISTER_CONTENT is }, does the greedy answer read line T's number;</li>
 * <li>recall loss: mean NLL of fresh random numbers minus NLL of line T's own number after that same prompt, in
 * nats; above 0 when the model draws on line T, about 0 when line T is out of reach.</li>
 * </ul>
 */
public final class StreamEval {
    /** Tokens an answer may take: a five-digit number even when every digit is a token, and room to stop. */
    static final int ANSWER_TOKENS = 8;

    private final StreamEvalProtocol protocol;
    private final RegisterLines lines;
    private final int freshNumbers;

    /**
     * @param freshNumbers random numbers whose mean NLL is the baseline of each query's recall loss: more of them,
     *                     less noise from how likely the model finds one number or another
     */
    public StreamEval(StreamEvalProtocol protocol, RegisterLines lines, int freshNumbers) {
        if (lines.count() != protocol.lines()) {
            throw new IllegalArgumentException("the protocol has " + protocol.lines() + " lines, the stream "
                    + lines.count());
        }
        if (freshNumbers < 1) {
            throw new IllegalArgumentException("--fresh must be at least 1, got " + freshNumbers);
        }
        this.protocol = protocol;
        this.lines = lines;
        this.freshNumbers = freshNumbers;
    }

    /**
     * The measures at one distance, over every query asked at that distance.
     *
     * @param recallLossStdError standard error of the mean recall loss over the queries (NaN below 2 queries)
     */
    public record DistanceResult(int distance, int queries, int correct, double meanRepeatedNll,
                                 double meanFreshNll, double recallLossStdError) {
        public double accuracy() {
            return queries == 0 ? Double.NaN : (double) correct / queries;
        }

        /** Mean NLL(fresh) - NLL(repeated), in nats. */
        public double meanRecallLoss() {
            return meanFreshNll - meanRepeatedNll;
        }
    }

    /** What the queries at one distance gave so far. */
    private static final class Tally {
        private final int distance;
        private int correct;
        private final List<Double> repeated = new ArrayList<>();
        private final List<Double> fresh = new ArrayList<>();

        Tally(int distance) {
            this.distance = distance;
        }

        DistanceResult result() {
            int n = repeated.size();
            double[] losses = new double[n];
            for (int i = 0; i < n; i++) {
                losses[i] = fresh.get(i) - repeated.get(i);
            }
            return new DistanceResult(distance, n, correct, mean(repeated), mean(fresh), standardError(losses));
        }

        private static double mean(List<Double> values) {
            return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        private static double standardError(double[] values) {
            int n = values.length;
            if (n < 2) {
                return Double.NaN;
            }
            double mean = Arrays.stream(values).average().orElseThrow();
            double squares = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum();
            return Math.sqrt(squares / (n - 1) / n);
        }
    }

    /**
     * Streams every line into {@code probe} and asks the protocol's queries.
     *
     * @param onLine told the number of each line once it and its queries are done
     * @return one result per distance, shortest first
     */
    public List<DistanceResult> run(RecallProbe probe, IntConsumer onLine) {
        Map<Integer, Tally> tallies = new LinkedHashMap<>();
        protocol.distances().forEach(d -> tallies.put(d, new Tally(d)));
        for (int line = 1; line <= lines.count(); line++) {
            probe.append(lines.text(line));
            for (StreamEvalProtocol.Query query : protocol.queriesAfter(line)) {
                Tally tally = tallies.get(query.distance());
                String prompt = RegisterLines.prefix(query.targetLine());
                String content = lines.content(query.targetLine());
                if (leadingDigits(probe.complete(prompt, ANSWER_TOKENS)).equals(content)) {
                    tally.correct++;
                }
                tally.repeated.add(probe.negativeLogLikelihood(prompt, content));
                tally.fresh.add(lines.freshContents(query, freshNumbers).stream()
                        .mapToDouble(fresh -> probe.negativeLogLikelihood(prompt, fresh)).average().orElseThrow());
            }
            onLine.accept(line);
        }
        return tallies.values().stream().map(Tally::result).toList();
    }
    /** The number an answer starts with, spaces before it skipped; empty when it starts with something else. */
    static String leadingDigits(String answer) {
        String text = answer.stripLeading();
        int end = 0;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        return text.substring(0, end);
    }
}
