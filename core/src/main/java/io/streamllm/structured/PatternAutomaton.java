package io.streamllm.structured;

import io.streamllm.api.InvalidSettingException;

import java.util.ArrayList;
import java.util.List;

/**
 * A regular expression of the supported subset compiled to a position (Glushkov) automaton over the characters a
 * pattern string may hold: printable ASCII (0x20-0x7E) without {@code "} and {@code \}, so that the string needs
 * no escapes. A state is a set of positions in a {@code long} (bit 0 is the start), hence at most 63 positions.
 *
 * <p>Supported: literals, {@code .}, escaped punctuation, {@code \d \w \s}, classes {@code [a-z_]} and
 * {@code [^...]}, groups {@code (...)} and {@code (?:...)}, {@code |}, and {@code * + ? {n} {n,} {n,m}}; a leading
 * {@code ^} and a trailing {@code $}. The whole string is generated to match the pattern, which implies that
 * the pattern matches somewhere in it, as JSON Schema asks.
 */
final class PatternAutomaton {
    private static final int MAX_POSITIONS = 63;
    private static final int MAX_REPEAT = 32;

    private final List<boolean[]> classes = new ArrayList<>(); // index p-1 for position p
    private long[] follow;
    private long first;
    private long last;
    private boolean nullable;
    private long live;
    private int[] distance;
    private final String source;
    private int pos;

    PatternAutomaton(String pattern) {
        this.source = pattern;
        String body = pattern;
        int from = body.startsWith("^") ? 1 : 0;
        int to = body.endsWith("$") && !body.endsWith("\\$") ? body.length() - 1 : body.length();
        pos = from;
        Regex tree = parseAlternation(to);
        if (pos != to) {
            throw unsupported("unexpected '" + source.charAt(pos) + "'");
        }
        follow = new long[1];
        Sets root = tree.build(this);
        int n = classes.size();
        growFollow(n);
        first = root.first;
        last = root.last;
        nullable = root.nullable;
        prune(n);
    }

    private void prune(int n) {
        live = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int p = 1; p <= n; p++) {
                if ((live >>> p & 1) == 0 && nonEmpty(p) && ((last >>> p & 1) != 0 || (follow[p] & live) != 0)) {
                    live |= 1L << p;
                    changed = true;
                }
            }
        }
        distance = new int[n + 1];
        java.util.Arrays.fill(distance, Integer.MAX_VALUE / 4);
        for (int round = 0; round <= n; round++) {
            for (int p = 1; p <= n; p++) {
                if ((live >>> p & 1) == 0) {
                    continue;
                }
                int best = (last >>> p & 1) != 0 ? 0 : distance[p];
                for (int q = 1; q <= n; q++) {
                    if ((follow[p] >>> q & 1) != 0 && (live >>> q & 1) != 0) {
                        best = Math.min(best, 1 + distance[q]);
                    }
                }
                distance[p] = best;
            }
        }
        if (!nullable && (first & live) == 0) {
            throw unsupported("it matches no string of printable ASCII without quotes and backslashes");
        }
    }

    private boolean nonEmpty(int p) {
        for (boolean b : classes.get(p - 1)) {
            if (b) {
                return true;
            }
        }
        return false;
    }

    /** The start state. */
    long start() {
        return 1L;
    }

    /** The state after character {@code c}, or 0 when the pattern cannot continue with it. */
    long step(long state, int c) {
        if (c >= 128) {
            return 0;
        }
        long candidates = (state & 1) != 0 ? first : 0;
        for (long s = state & ~1L; s != 0; s &= s - 1) {
            candidates |= follow[Long.numberOfTrailingZeros(s)];
        }
        long next = 0;
        for (long s = candidates & live; s != 0; s &= s - 1) {
            int p = Long.numberOfTrailingZeros(s);
            if (classes.get(p - 1)[c]) {
                next |= 1L << p;
            }
        }
        return next;
    }

    boolean accepts(long state) {
        return (state & last) != 0 || (state & 1) != 0 && nullable;
    }

    /** The fewest characters that bring {@code state} to acceptance. */
    int minRemaining(long state) {
        if (accepts(state)) {
            return 0;
        }
        int best = Integer.MAX_VALUE / 4;
        if ((state & 1) != 0) {
            for (long s = first & live; s != 0; s &= s - 1) {
                best = Math.min(best, 1 + distance[Long.numberOfTrailingZeros(s)]);
            }
        }
        for (long s = state & live & ~1L; s != 0; s &= s - 1) {
            best = Math.min(best, distance[Long.numberOfTrailingZeros(s)]);
        }
        return best;
    }

    // ---- parsing: a recursive descent over the subset ----

    private Regex parseAlternation(int to) {
        List<Regex> options = new ArrayList<>();
        options.add(parseSequence(to));
        while (pos < to && source.charAt(pos) == '|') {
            pos++;
            options.add(parseSequence(to));
        }
        return options.size() == 1 ? options.getFirst() : new Alternation(options);
    }

    private Regex parseSequence(int to) {
        List<Regex> items = new ArrayList<>();
        while (pos < to && source.charAt(pos) != '|' && source.charAt(pos) != ')') {
            Regex atom = parseAtom(to);
            items.add(parseQuantifier(atom, to));
        }
        return new Sequence(items);
    }

    private Regex parseQuantifier(Regex atom, int to) {
        while (pos < to) {
            char c = source.charAt(pos);
            int min;
            int max;
            if (c == '*') {
                min = 0;
                max = -1;
                pos++;
            } else if (c == '+') {
                min = 1;
                max = -1;
                pos++;
            } else if (c == '?') {
                min = 0;
                max = 1;
                pos++;
            } else if (c == '{') {
                int close = source.indexOf('}', pos);
                if (close < 0 || close > to) {
                    throw unsupported("unclosed {");
                }
                String[] bounds = source.substring(pos + 1, close).split(",", -1);
                try {
                    min = Integer.parseInt(bounds[0].trim());
                    max = bounds.length == 1 ? min : bounds[1].isBlank() ? -1 : Integer.parseInt(bounds[1].trim());
                } catch (NumberFormatException e) {
                    throw unsupported("bad repetition {" + source.substring(pos + 1, close) + "}");
                }
                if (bounds.length > 2 || min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || max >= 0 && max < min) {
                    throw unsupported("repetition {" + source.substring(pos + 1, close) + "} (bounds 0.." + MAX_REPEAT + ")");
                }
                pos = close + 1;
            } else {
                return atom;
            }
            if (pos < to && (source.charAt(pos) == '?' || source.charAt(pos) == '+')) {
                throw unsupported("lazy or possessive quantifiers");
            }
            atom = new Repeat(atom, min, max);
        }
        return atom;
    }

    private Regex parseAtom(int to) {
        char c = source.charAt(pos++);
        switch (c) {
            case '(' -> {
                if (source.startsWith("?:", pos)) {
                    pos += 2;
                } else if (pos < to && source.charAt(pos) == '?') {
                    throw unsupported("group modifiers (?...)");
                }
                Regex inner = parseAlternation(to);
                if (pos >= to || source.charAt(pos) != ')') {
                    throw unsupported("unclosed group");
                }
                pos++;
                return inner;
            }
            case '[' -> {
                return new CharClass(parseClass(to));
            }
            case '.' -> {
                boolean[] any = new boolean[128];
                for (int ch = 0; ch < 128; ch++) {
                    any[ch] = true;
                }
                return new CharClass(restrict(any));
            }
            case '\\' -> {
                boolean[] set = new boolean[128];
                escape(set, to);
                return new CharClass(restrict(set));
            }
            case '^', '$' -> throw unsupported("anchors inside the pattern");
            case '*', '+', '?', '{' -> throw unsupported("a quantifier with nothing to repeat");
            default -> {
                if (c >= 128) {
                    throw unsupported("non-ASCII characters");
                }
                boolean[] set = new boolean[128];
                set[c] = true;
                return new CharClass(restrict(set));
            }
        }
    }

    private void escape(boolean[] set, int to) {
        if (pos >= to) {
            throw unsupported("a trailing backslash");
        }
        char e = source.charAt(pos++);
        switch (e) {
            case 'd' -> range(set, '0', '9');
            case 'w' -> {
                range(set, 'a', 'z');
                range(set, 'A', 'Z');
                range(set, '0', '9');
                set['_'] = true;
            }
            case 's' -> set[' '] = true;
            default -> {
                if (Character.isLetterOrDigit(e) || e >= 128) {
                    throw unsupported("the escape \\" + e);
                }
                set[e] = true;
            }
        }
    }

    private boolean[] parseClass(int to) {
        boolean[] set = new boolean[128];
        boolean negated = pos < to && source.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        boolean firstItem = true;
        while (true) {
            if (pos >= to) {
                throw unsupported("unclosed [");
            }
            char c = source.charAt(pos);
            if (c == ']' && !firstItem) {
                pos++;
                break;
            }
            firstItem = false;
            pos++;
            if (c == '\\') {
                escape(set, to);
                continue;
            }
            if (c == '[') {
                throw unsupported("nested classes");
            }
            if (pos + 1 < to && source.charAt(pos) == '-' && source.charAt(pos + 1) != ']') {
                char end = source.charAt(pos + 1);
                if (end == '\\' || end < c) {
                    throw unsupported("the range " + c + "-" + end);
                }
                pos += 2;
                range(set, c, end);
            } else {
                if (c >= 128) {
                    throw unsupported("non-ASCII characters");
                }
                set[c] = true;
            }
        }
        if (negated) {
            for (int ch = 0; ch < 128; ch++) {
                set[ch] = !set[ch];
            }
        }
        return restrict(set);
    }

    private void range(boolean[] set, char from, char to) {
        if (to >= 128) {
            throw unsupported("non-ASCII characters");
        }
        for (int ch = from; ch <= to; ch++) {
            set[ch] = true;
        }
    }

    private static boolean[] restrict(boolean[] set) {
        for (int ch = 0; ch < 128; ch++) {
            if (ch < 0x20 || ch == 0x7F || ch == '"' || ch == '\\') {
                set[ch] = false;
            }
        }
        return set;
    }

    private InvalidSettingException unsupported(String what) {
        return new InvalidSettingException("unsupported JSON schema feature: pattern \"" + source + "\": " + what);
    }

    private int newPosition(boolean[] set) {
        classes.add(set);
        if (classes.size() > MAX_POSITIONS) {
            throw unsupported("too complex (more than " + MAX_POSITIONS + " character positions once repetitions are expanded)");
        }
        return classes.size();
    }

    // ---- the expression tree and the Glushkov construction ----

    private record Sets(boolean nullable, long first, long last) {
    }

    private sealed interface Regex permits CharClass, Sequence, Alternation, Repeat {
        /** Allocates fresh positions for this subtree, adds its inner follow links and returns its sets. */
        Sets build(PatternAutomaton a);
    }

    private record CharClass(boolean[] set) implements Regex {
        public Sets build(PatternAutomaton a) {
            int p = a.newPosition(set);
            a.growFollow(p);
            return new Sets(false, 1L << p, 1L << p);
        }
    }

    private record Sequence(List<Regex> items) implements Regex {
        public Sets build(PatternAutomaton a) {
            Sets acc = new Sets(true, 0, 0);
            for (Regex item : items) {
                acc = a.concat(acc, item.build(a));
            }
            return acc;
        }
    }

    private record Alternation(List<Regex> options) implements Regex {
        public Sets build(PatternAutomaton a) {
            boolean nullable = false;
            long first = 0;
            long last = 0;
            for (Regex option : options) {
                Sets s = option.build(a);
                nullable |= s.nullable;
                first |= s.first;
                last |= s.last;
            }
            return new Sets(nullable, first, last);
        }
    }

    private record Repeat(Regex inner, int min, int max) implements Regex {
        public Sets build(PatternAutomaton a) {
            Sets acc = new Sets(true, 0, 0);
            for (int i = 0; i < min; i++) {
                acc = a.concat(acc, inner.build(a));
            }
            if (max < 0) {
                Sets star = inner.build(a);
                a.link(star.last, star.first);
                acc = a.concat(acc, new Sets(true, star.first, star.last));
            } else {
                // Optional copies nest: (x(x(x)?)?)? keeps the states few and the language exact.
                Sets optional = new Sets(true, 0, 0);
                List<Sets> copies = new ArrayList<>();
                for (int i = min; i < max; i++) {
                    copies.add(inner.build(a));
                }
                for (int i = copies.size() - 1; i >= 0; i--) {
                    Sets copy = copies.get(i);
                    Sets joined = a.concat(copy, optional);
                    optional = new Sets(true, joined.first, joined.last);
                }
                acc = a.concat(acc, optional);
            }
            return acc;
        }
    }

    private void growFollow(int p) {
        if (follow.length <= p) {
            follow = java.util.Arrays.copyOf(follow, Math.max(p + 1, follow.length * 2));
        }
    }

    private void link(long from, long to) {
        for (long s = from; s != 0; s &= s - 1) {
            int p = Long.numberOfTrailingZeros(s);
            growFollow(p);
            follow[p] |= to;
        }
    }

    private Sets concat(Sets left, Sets right) {
        link(left.last, right.first);
        return new Sets(left.nullable && right.nullable, left.nullable ? left.first | right.first : left.first,
                right.nullable ? left.last | right.last : right.last);
    }
}
