package io.streamllm.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Cuts the text of special tokens (e.g. {@code <|eot_id|>}) out of a string before the model splits
 * the rest. At each position the longest token starting there wins, and the leftmost match is taken
 * first (Hugging Face's leftmost-longest rule; llama.cpp tries tokens longest first over the whole
 * text, which differs only for overlapping token texts).
 */
final class SpecialTokenMatcher {
    /** Receives the pieces of a split text in order. */
    interface Sink {
        /** A non-empty stretch of ordinary text. */
        void text(String text);

        /** A special token found in the text. */
        void token(int id);

        static Sink of(Consumer<String> texts, IntConsumer tokens) {
            return new Sink() {
                @Override
                public void text(String text) {
                    texts.accept(text);
                }

                @Override
                public void token(int id) {
                    tokens.accept(id);
                }
            };
        }
    }

    private record Candidate(String text, int id) {
    }

    /** Candidates by their first character, longest first. */
    private final Map<Character, Candidate[]> candidatesByFirstChar;

    /** @param tokens token text to token id; empty texts are ignored */
    SpecialTokenMatcher(Map<String, Integer> tokens) {
        Map<Character, List<Candidate>> grouped = new HashMap<>();
        tokens.forEach((text, id) -> {
            if (!text.isEmpty()) {
                grouped.computeIfAbsent(text.charAt(0), c -> new ArrayList<>()).add(new Candidate(text, id));
            }
        });
        candidatesByFirstChar = new HashMap<>();
        grouped.forEach((first, list) -> candidatesByFirstChar.put(first, list.stream()
                .sorted(Comparator.comparingInt((Candidate c) -> c.text().length()).reversed())
                .toArray(Candidate[]::new)));
    }

    /** A matcher for every token of the given types (with a non-empty piece) in the vocabulary. */
    static SpecialTokenMatcher forTypes(Vocabulary vocabulary, Set<TokenType> types) {
        Map<String, Integer> tokens = new HashMap<>();
        for (int id = 0; id < vocabulary.size(); id++) {
            if (types.contains(vocabulary.type(id))) {
                tokens.put(vocabulary.piece(id), id);
            }
        }
        return new SpecialTokenMatcher(tokens);
    }

    void split(String text, Sink sink) {
        int textStart = 0;
        if (!candidatesByFirstChar.isEmpty()) {
            for (int pos = 0; pos < text.length(); pos++) {
                Candidate match = longestMatchAt(text, pos);
                if (match != null) {
                    if (pos > textStart) {
                        sink.text(text.substring(textStart, pos));
                    }
                    sink.token(match.id());
                    pos += match.text().length() - 1;
                    textStart = pos + 1;
                }
            }
        }
        if (textStart < text.length()) {
            sink.text(textStart == 0 ? text : text.substring(textStart));
        }
    }

    private Candidate longestMatchAt(String text, int pos) {
        Candidate[] candidates = candidatesByFirstChar.get(text.charAt(pos));
        if (candidates != null) {
            for (Candidate candidate : candidates) {
                if (text.startsWith(candidate.text(), pos)) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
