package io.streamllm.tokenizer;

import io.streamllm.api.LiteralSpans;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Cuts the text of special tokens (e.g. {@code <|eot_id|>}) out of a string before the model splits
 * the rest. At each position the longest token starting there wins, and the leftmost match is taken
 * first (Hugging Face's leftmost-longest rule; llama.cpp tries tokens longest first over the whole
 * text, which differs only for overlapping token texts).
 *
 * <p>Some tokens are cut out wherever they are (llama.cpp's user-defined tokens, Hugging Face's
 * non-special added tokens); the others only where the caller allows it: nowhere when special tokens
 * are not parsed, everywhere when they are, outside the {@link LiteralSpans} of a rendered chat.
 */
final class SpecialTokenMatcher {
    /** Receives the pieces of a split text in order. */
    interface Sink {
        /** A non-empty stretch of ordinary text, found at {@code start} in the split text. */
        void text(String text, int start);

        /** A special token found in the text. */
        void token(int id);
    }

    /** Where the tokens that are not always cut out may be: [start, end) of the split text. */
    @FunctionalInterface
    interface Allowed {
        Allowed NOWHERE = (start, end) -> false;
        Allowed EVERYWHERE = (start, end) -> true;

        boolean at(int start, int end);

        /** Outside the literal stretches. */
        static Allowed outside(LiteralSpans literal) {
            return literal.isEmpty() ? EVERYWHERE : (start, end) -> !literal.overlaps(start, end);
        }
    }

    private record Candidate(String text, int id, boolean always) {
    }

    /** Candidates by their first character, longest first. */
    private final Map<Character, Candidate[]> candidatesByFirstChar;

    /**
     * @param tokens token text to token id; empty texts are ignored
     * @param always the ids cut out wherever they are
     */
    SpecialTokenMatcher(Map<String, Integer> tokens, IntPredicate always) {
        Map<Character, List<Candidate>> grouped = new HashMap<>();
        tokens.forEach((text, id) -> {
            if (!text.isEmpty()) {
                grouped.computeIfAbsent(text.charAt(0), c -> new ArrayList<>()).add(new Candidate(text, id, always.test(id)));
            }
        });
        candidatesByFirstChar = new HashMap<>();
        grouped.forEach((first, list) -> candidatesByFirstChar.put(first, list.stream()
                .sorted(Comparator.comparingInt((Candidate c) -> c.text().length()).reversed())
                .toArray(Candidate[]::new)));
    }

    /** A matcher for every token of the given types (with a non-empty piece); those of {@code always} are always cut out. */
    static SpecialTokenMatcher forTypes(Vocabulary vocabulary, Set<TokenType> types, Set<TokenType> always) {
        Map<String, Integer> tokens = new HashMap<>();
        for (int id = 0; id < vocabulary.size(); id++) {
            if (types.contains(vocabulary.type(id))) {
                tokens.put(vocabulary.piece(id), id);
            }
        }
        return new SpecialTokenMatcher(tokens, id -> always.contains(vocabulary.type(id)));
    }

    void split(String text, Allowed allowed, Sink sink) {
        int textStart = 0;
        if (!candidatesByFirstChar.isEmpty()) {
            for (int pos = 0; pos < text.length(); pos++) {
                Candidate match = longestMatchAt(text, pos, allowed);
                if (match != null) {
                    if (pos > textStart) {
                        sink.text(text.substring(textStart, pos), textStart);
                    }
                    sink.token(match.id());
                    pos += match.text().length() - 1;
                    textStart = pos + 1;
                }
            }
        }
        if (textStart < text.length()) {
            sink.text(textStart == 0 ? text : text.substring(textStart), textStart);
        }
    }

    private Candidate longestMatchAt(String text, int pos, Allowed allowed) {
        Candidate[] candidates = candidatesByFirstChar.get(text.charAt(pos));
        if (candidates != null) {
            for (Candidate candidate : candidates) {
                if (text.startsWith(candidate.text(), pos)
                        && (candidate.always() || allowed.at(pos, pos + candidate.text().length()))) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
