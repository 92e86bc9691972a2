package io.streamllm.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * When StreamEval asks and about which line: after every {@code queryEvery}-th line, one query per distance d,
 * about the line d lines back (d = 1 is the line just read), as long as that line exists.
 *
 * @param lines      lines streamed in
 * @param queryEvery lines between query points
 * @param distances  the distances asked about, in lines
 */
public record StreamEvalProtocol(int lines, int queryEvery, SortedSet<Integer> distances) {

    /** One query: asked right after line {@code afterLine}, about line {@code targetLine}. */
    public record Query(int afterLine, int distance) {
        public int targetLine() {
            return afterLine + 1 - distance;
        }
    }

    public StreamEvalProtocol {
        if (lines < 1) {
            throw new IllegalArgumentException("--lines must be at least 1, got " + lines);
        }
        if (queryEvery < 1) {
            throw new IllegalArgumentException("--query-every must be at least 1, got " + queryEvery);
        }
        if (distances.isEmpty() || distances.first() < 1) {
            throw new IllegalArgumentException("--distances must be at least 1 line each, got " + distances);
        }
        if (distances.first() > lines) {
            throw new IllegalArgumentException("every distance of " + distances + " is longer than the " + lines
                    + " lines of the stream");
        }
        distances = new TreeSet<>(distances);
    }

    /** The queries asked right after line {@code line}: none unless it is a query point. */
    public List<Query> queriesAfter(int line) {
        List<Query> queries = new ArrayList<>();
        if (line % queryEvery == 0) {
            for (int distance : distances) {
                if (distance <= line) {
                    queries.add(new Query(line, distance));
                }
            }
        }
        return queries;
    }
}
