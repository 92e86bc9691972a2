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

    /**
     * Adds decoded text; returns what can be released now. Text that neither holds nor may start a stop
     * string comes back as the same String, so the usual token costs no allocation.
     */
    String accept(String text) {
        if (stopped) {
            return "";
        }
        if (stops.isEmpty()) {
            return text;
        }
        boolean heldNothing = pending.isEmpty();
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
        if (keep == 0 && heldNothing) {
            pending.setLength(0);
            return text;
        }
        if (keep == pending.length()) {
            return "";
        }
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return out;
    }

    /** Releases what is held back (the text ended without a stop string). */
    String flush() {
        String out = stopped || pending.isEmpty() ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }

    private int longestSuffixThatStartsAStop() {
        int length = pending.length();
        int best = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, length); n > best; n--) {
                if (endsWithStartOf(stop, n)) {
                    best = n;
                    break;
                }
            }
        }
        return best;
    }

    /** Whether the held text ends with the first {@code n} characters of {@code stop}. */
    private boolean endsWithStartOf(String stop, int n) {
        int from = pending.length() - n;
        for (int i = 0; i < n; i++) {
            if (pending.charAt(from + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
