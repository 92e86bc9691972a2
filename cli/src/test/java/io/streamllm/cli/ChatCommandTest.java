package io.streamllm.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code streamllm chat} driven over piped stdin, as scripts drive it. */
class ChatCommandTest {
    private static final int SINKS = 4;
    private static final int WINDOW = 60;
    private static final int TURNS = 2000;
    private static final int STATS_EVERY = 250;
    private static final String[] MESSAGES = {"hi", "go on", "and then?", "why?", "ok"};

    private static final Pattern CACHE = Pattern.compile(
            "cache        sink:4:60: (\\d+)/(\\d+) tokens held \\((\\d+) sinks \\+ (\\d+) window\\)");
    private static final Pattern POSITIONS = Pattern.compile(
            "positions    next (\\d+); held 0-3 \\(sinks\\), (\\d+)-(\\d+) \\(window\\); in-cache positions 0-(\\d+)");
    private static final Pattern TOKENS = Pattern.compile("tokens       (\\d+) seen, (\\d+) evicted");
    private static final Pattern CONVERSATION = Pattern.compile(
            "conversation (\\d+) turns, (\\d+) messages, (\\d+) history tokens, (\\d+) restarts, template plain \\(rendered turn by turn\\)");
    private static final Pattern LAST_TURN = Pattern.compile(
            "last turn    (\\d+) reused, (\\d+) prefilled \\([\\d.]+ tok/s\\), (\\d+) generated \\([\\d.]+ tok/s\\), stop: [a-z ]+");

    @Test
    void thousandsOfTurnsInASinkCache() {
        StringBuilder script = new StringBuilder();
        List<String> sent = new ArrayList<>();
        for (int turn = 1; turn <= TURNS; turn++) {
            String message = MESSAGES[turn % MESSAGES.length];
            sent.add(message);
            script.append(message).append('\n');
            if (turn % STATS_EVERY == 0) {
                script.append("/stats\n");
            }
        }
        String out = runChat(script.toString(), "--cache", "sink:" + SINKS + ":" + WINDOW, "-n", "3", "--temp", "0");

        List<String> statsBlocks = statsBlocks(out);
        assertThat(statsBlocks).hasSize(TURNS / STATS_EVERY);
        long previousEvicted = -1;
        for (int i = 0; i < statsBlocks.size(); i++) {
            String stats = statsBlocks.get(i);
            Matcher cache = find(CACHE, stats);
            int held = integer(cache, 1);
            assertThat(integer(cache, 2)).isEqualTo(SINKS + WINDOW);
            assertThat(held).as("the cache never holds more than S+W").isLessThanOrEqualTo(SINKS + WINDOW)
                    .isEqualTo(integer(cache, 3) + integer(cache, 4));
            assertThat(integer(cache, 3)).isEqualTo(SINKS);

            Matcher positions = find(POSITIONS, stats);
            long next = number(positions, 1);
            assertThat(number(positions, 3)).as("the window ends at the last token").isEqualTo(next - 1);
            assertThat(number(positions, 3) - number(positions, 2) + 1).isEqualTo(integer(cache, 4));
            assertThat(integer(positions, 4)).isEqualTo(held - 1);

            Matcher tokens = find(TOKENS, stats);
            long evicted = number(tokens, 2);
            assertThat(number(tokens, 1)).isEqualTo(next);
            assertThat(evicted).as("every token is held or evicted").isEqualTo(next - held);
            assertThat(evicted).as("evictions go on").isGreaterThan(previousEvicted);
            previousEvicted = evicted;

            Matcher conversation = find(CONVERSATION, stats);
            assertThat(integer(conversation, 1)).isEqualTo((i + 1) * STATS_EVERY);
            assertThat(integer(conversation, 2)).isEqualTo(2 * (i + 1) * STATS_EVERY);
            assertThat(number(conversation, 3)).isEqualTo(next);
            assertThat(integer(conversation, 4)).as("restarts").isZero();

            Matcher last = find(LAST_TURN, stats);
            assertThat(integer(last, 1) + integer(last, 2) + integer(last, 3))
                    .as("reused + prefilled + generated = the stream")
                    .isEqualTo(next);
            assertThat(integer(last, 2)).as("a turn prefills only its new tokens").isLessThan(30);
        }
        assertThat(previousEvicted).isGreaterThan(10L * TURNS);

        List<String> answers = answers(out, sent);
        assertThat(answers).hasSize(TURNS);
        assertThat(answers.subList(TURNS - 100, TURNS)).as("answers late in the conversation").allSatisfy(
                answer -> assertThat(answer).isNotBlank());
    }

    @Test
    void badOptionsGetOneLine() {
        for (String[] args : List.of(new String[] {"chat", "-n", "-5"}, new String[] {"chat", "--cache", "sink:4"})) {
            CliRun run = CliRun.of(args);
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.stderr().lines().filter(line -> line.startsWith("streamllm: "))).singleElement().asString()
                    .doesNotContain("Exception");
        }
    }

    /** Runs the command on the shipped default model with {@code input} as stdin; returns stdout. */
    private static String runChat(String input, String... options) {
        List<String> args = new ArrayList<>(List.of("chat"));
        args.addAll(List.of(options));
        InputStream savedIn = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        CliRun run;
        try {
            run = CliRun.of(args.toArray(String[]::new));
        } finally {
            System.setIn(savedIn);
        }
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        return run.stdout();
    }

    private static List<String> statsBlocks(String out) {
        List<String> blocks = new ArrayList<>();
        for (int at = out.indexOf("> /stats\n"); at >= 0; at = out.indexOf("> /stats\n", at + 1)) {
            int end = out.indexOf("\n> ", at + 1);
            blocks.add(out.substring(at, end < 0 ? out.length() : end));
        }
        return blocks;
    }

    /** The text after each echoed message, up to the next prompt. */
    private static List<String> answers(String out, List<String> sent) {
        List<String> answers = new ArrayList<>();
        int at = 0;
        for (String message : sent) {
            String echo = "> " + message + "\n";
            at = out.indexOf(echo, at);
            assertThat(at).as("the echo of message %d", answers.size() + 1).isNotNegative();
            int start = at + echo.length();
            int end = out.indexOf("\n> ", start - 1);
            answers.add(out.substring(start, end < 0 ? out.length() : end));
            at = start;
        }
        return answers;
    }

    private static Matcher find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        assertThat(matcher.find()).as("%s in:%n%s", pattern, text).isTrue();
        return matcher;
    }

    private static int integer(Matcher matcher, int group) {
        return Integer.parseInt(matcher.group(group));
    }

    private static long number(Matcher matcher, int group) {
        return Long.parseLong(matcher.group(group));
    }
}
