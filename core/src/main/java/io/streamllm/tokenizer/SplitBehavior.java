package io.streamllm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Hugging Face's Split pre-tokenizer does with the delimiters it finds. For "the-final--countdown"
 * split on "-": Removed gives the, final, countdown; Isolated the, -, final, -, -, countdown;
 * MergedWithPrevious the-, final-, -, countdown; MergedWithNext the, -final, -, -countdown; Contiguous
 * the, -, final, --, countdown.
 */
enum SplitBehavior {
    REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

    /** The name tokenizer.json uses, e.g. "MergedWithPrevious". */
    static SplitBehavior fromJsonName(String name) {
        return switch (name) {
            case "Removed" -> REMOVED;
            case "Isolated" -> ISOLATED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> null;
        };
    }

    /** A stretch of the text: a delimiter (a match, or a gap between matches when inverted) or not. */
    private record Piece(int start, int end, boolean delimiter) {
    }

    /**
     * Splits {@code text} at the matches of {@code pattern} (with {@code invert}, the text between
     * matches is the delimiter instead) and hands the non-empty words to {@code words}.
     */
    void split(Pattern pattern, boolean invert, String text, Consumer<String> words) {
        List<Piece> pieces = pieces(pattern, invert, text);
        List<Piece> merged = switch (this) {
            case REMOVED -> pieces.stream().filter(p -> !p.delimiter()).toList();
            case ISOLATED -> pieces;
            case MERGED_WITH_PREVIOUS -> mergeDelimitersInto(pieces, false);
            case MERGED_WITH_NEXT -> mergeDelimitersInto(pieces.reversed(), true).reversed();
            case CONTIGUOUS -> joinRuns(pieces);
        };
        for (Piece piece : merged) {
            if (piece.end() > piece.start()) {
                words.accept(text.substring(piece.start(), piece.end()));
            }
        }
    }

    private static List<Piece> pieces(Pattern pattern, boolean invert, String text) {
        List<Piece> pieces = new ArrayList<>();
        Matcher matcher = pattern.matcher(text);
        int gapStart = 0;
        while (matcher.find()) {
            if (matcher.end() == matcher.start()) {
                continue; // an empty match delimits nothing
            }
            if (matcher.start() > gapStart) {
                pieces.add(new Piece(gapStart, matcher.start(), invert));
            }
            pieces.add(new Piece(matcher.start(), matcher.end(), !invert));
            gapStart = matcher.end();
        }
        if (gapStart < text.length()) {
            pieces.add(new Piece(gapStart, text.length(), invert));
        }
        return pieces;
    }

    /**
     * A delimiter joins the piece before it in {@code ordered} (the next one in the text when
     * {@code backwards}), unless that piece is itself a delimiter: then it stands alone.
     */
    private static List<Piece> mergeDelimitersInto(List<Piece> ordered, boolean backwards) {
        List<Piece> out = new ArrayList<>();
        boolean previousWasDelimiter = false;
        for (Piece piece : ordered) {
            if (piece.delimiter() && !previousWasDelimiter && !out.isEmpty()) {
                Piece last = out.removeLast();
                out.add(backwards ? new Piece(piece.start(), last.end(), false) : new Piece(last.start(), piece.end(), false));
            } else {
                out.add(piece);
            }
            previousWasDelimiter = piece.delimiter();
        }
        return out;
    }

    /** Adjacent delimiters become one word. */
    private static List<Piece> joinRuns(List<Piece> pieces) {
        List<Piece> out = new ArrayList<>();
        for (Piece piece : pieces) {
            if (piece.delimiter() && !out.isEmpty() && out.getLast().delimiter()) {
                out.add(new Piece(out.removeLast().start(), piece.end(), true));
            } else {
                out.add(piece);
            }
        }
        return out;
    }
}
