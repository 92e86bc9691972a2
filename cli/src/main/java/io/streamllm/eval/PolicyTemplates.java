package io.streamllm.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Cache policies written as templates that one budget of cache tokens fills, so that a comparison gives every
 * policy the same number of cached tokens. In a template the recent window is written {@code *}: it gets what the
 * budget N leaves after the policy's other tokens. A template may also drop its trailing {@code *}:
 * <ul>
 * <li>{@code window} is window:N; {@code recompute} is recompute:N;</li>
 * <li>{@code sink} is sink:4:(N-4); {@code sink:S} is sink:S:(N-S);</li>
 * <li>{@code h2o:S:H} is h2o:S:H:(N-S-H);</li>
 * <li>{@code snapkv:S:K} is snapkv:S:K:(N-S-K); {@code snapkv:S:K:*:O} keeps its observation window O;</li>
 * <li>{@code duo:S:R} is duo:S:(N-S):R: the streaming heads get the budget, the fraction R of retrieval heads a
 * full cache.</li>
 * </ul>
 * {@code dense} keeps everything, and a fully written spec such as sink:4:252 stays as it is. Only the form is
 * handled here: whether the engine knows a policy is for {@code CachePolicy.parse} to say.
 */
public final class PolicyTemplates {
    /** Sinks of a bare {@code sink} template: the paper's choice. */
    public static final int DEFAULT_SINKS = 4;

    /** Where the window goes in each kind's fully written form, and how many fields that form has. */
    private record Form(int windowField, int fields, int optionalFields) {
    }

    private static final Map<String, Form> FORMS = new LinkedHashMap<>();

    static {
        FORMS.put("window", new Form(1, 2, 0));
        FORMS.put("recompute", new Form(1, 2, 0));
        FORMS.put("sink", new Form(2, 3, 0));
        FORMS.put("h2o", new Form(3, 4, 0));
        FORMS.put("snapkv", new Form(3, 4, 1));
        FORMS.put("duo", new Form(2, 4, 0));
    }

    /**
     * One policy of the comparison.
     *
     * @param written     as given on the command line
     * @param spec        the fully written spec, for {@code CachePolicy.parse}
     * @param cacheTokens tokens the policy keeps (per head, for duo's streaming heads); empty for dense or a kind
     *                    unknown here
     */
    public record Expanded(String written, String spec, OptionalInt cacheTokens) {
    }

    private PolicyTemplates() {
    }

    /** Expands every template with {@code budget} cache tokens, dropping repeats of one spec. */
    public static List<Expanded> expand(List<String> written, int budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("--budget must be at least 1 cache token, got " + budget);
        }
        Map<String, Expanded> unique = new LinkedHashMap<>();
        for (String w : written) {
            Expanded e = expand(w.strip(), budget);
            unique.putIfAbsent(e.spec(), e);
        }
        if (unique.isEmpty()) {
            throw new IllegalArgumentException("--policies names no policy");
        }
        return new ArrayList<>(unique.values());
    }

    /** Expands one template, or returns a fully written spec as it is. */
    public static Expanded expand(String written, int budget) {
        String[] fields = written.split(":", -1);
        String kind = fields[0];
        Form form = FORMS.get(kind);
        if (form == null || written.equals("dense")) {
            return new Expanded(written, written, OptionalInt.empty()); // dense, or left to CachePolicy.parse
        }
        List<String> full = new ArrayList<>(List.of(fields));
        if (kind.equals("sink") && full.size() == 1) {
            full.add(Integer.toString(DEFAULT_SINKS));
        }
        if (full.size() == form.fields() - 1) {
            full.add(form.windowField(), "*"); // the shorthand: the window left out
        }
        boolean template = full.size() > form.windowField() && full.get(form.windowField()).equals("*");
        if (full.size() < form.fields() || full.size() > form.fields() + form.optionalFields()) {
            // Not a form of this kind: CachePolicy.parse names the right one.
            return new Expanded(written, written, OptionalInt.empty());
        }
        int others = 0;
        for (int i = 1; i < full.size(); i++) {
            if (i == form.windowField() || !countsTokens(kind, i)) {
                continue;
            }
            others += tokens(written, full.get(i));
        }
        if (!template) {
            int window = tokens(written, full.get(form.windowField()));
            return new Expanded(written, written, OptionalInt.of(others + window));
        }
        int window = budget - others;
        if (window < 1) {
            throw new IllegalArgumentException("a budget of " + budget + " cache tokens leaves no window for "
                    + written + " (it keeps " + others + " tokens besides the window)");
        }
        full.set(form.windowField(), Integer.toString(window));
        return new Expanded(written, String.join(":", full), OptionalInt.of(budget));
    }

    /** Whether field {@code index} of a {@code kind} spec is a count of cached tokens (duo's R and snapkv's O are not). */
    private static boolean countsTokens(String kind, int index) {
        return switch (kind) {
            case "duo" -> index == 1;
            case "snapkv" -> index <= 3;
            default -> true;
        };
    }

    private static int tokens(String written, String field) {
        try {
            int n = Integer.parseInt(field);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cache policy '" + written + "': '" + field
                    + "' is not a token count (write * for the window the budget leaves)");
        }
    }
}
