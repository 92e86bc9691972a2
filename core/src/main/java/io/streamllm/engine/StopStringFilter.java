package io.streamllm.engine;

import java.util.List;

/**
 * Streams text through while watching for stop strings. Text that could be the start of a stop
 * string is held back until it is certain either way, so a stop string never reaches the output,
 * not even in part.
 */
final class StopStringFilter {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopStringFilter(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    boolean stopped() {
        return stopped;
    }

    /** Adds decoded text; returns what can be released now. */
    String accept(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        int earliest = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String out = pending.substring(0, earliest);
            pending.setLength(0);
            return out;
        }
        int keep = longestSuffixThatStartsAStop();
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return out;
    }

    /** Releases what is held back (the text ended without a stop string). */
    String flush() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }

    private int longestSuffixThatStartsAStop() {
        String text = pending.toString();
        int best = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, text.length()); length > best; length--) {
                if (stop.regionMatches(0, text, text.length() - length, length)) {
                    best = length;
                    break;
                }
            }
        }
        return best;
    }
}
