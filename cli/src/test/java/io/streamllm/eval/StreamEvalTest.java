package io.streamllm.eval;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** StreamEval against a scripted reader whose memory is known exactly. */
class StreamEvalTest {

    /**
     * Remembers the last {@code memory} lines it read; answers a prompt {@code line T: REGISTER_CONTENT is } with
     * line T's number if it remembers line T, and finds that number 10 nats likelier than any other.
     */
    private static final class ScriptedReader implements RecallProbe {
        private final int memory;
        private final List<String> read = new ArrayList<>();

        ScriptedReader(int memory) {
            this.memory = memory;
        }

        private String remembered(String prompt) {
            for (String line : read.subList(Math.max(0, read.size() - memory), read.size())) {
                if (line.startsWith(prompt)) {
                    return line.substring(prompt.length()).strip();
                }
            }
            return null;
        }

        @Override
        public void append(String text) {
            assertThat(text).matches("line [0-9]+: REGISTER_CONTENT is [0-9]{5}\n");
            read.add(text);
        }

        @Override
        public String complete(String prompt, int maxTokens) {
            String number = remembered(prompt);
            return number == null ? " I forgot" : " " + number + "\n";
        }

        @Override
        public double negativeLogLikelihood(String prompt, String continuation) {
            return continuation.equals(remembered(prompt)) ? 1.0 : 11.0;
        }
    }

    @Test
    void aReaderIsRightExactlyAboutTheLinesItStillHolds() {
        StreamEvalProtocol protocol = new StreamEvalProtocol(40, 4, new TreeSet<>(List.of(1, 2, 3, 5, 8)));
        List<Integer> linesDone = new ArrayList<>();
        List<StreamEval.DistanceResult> results = new StreamEval(protocol, new RegisterLines(40, 11), 3)
                .run(new ScriptedReader(3), linesDone::add);

        assertThat(linesDone).hasSize(40).startsWith(1, 2).endsWith(40);
        assertThat(results).extracting(StreamEval.DistanceResult::distance).containsExactly(1, 2, 3, 5, 8);
        assertThat(results).extracting(StreamEval.DistanceResult::queries).containsExactly(10, 10, 10, 9, 9);
        for (StreamEval.DistanceResult result : results) {
            boolean held = result.distance() <= 3;
            assertThat(result.accuracy()).as("d=%d", result.distance()).isEqualTo(held ? 1.0 : 0.0);
            assertThat(result.meanRecallLoss()).as("d=%d", result.distance()).isCloseTo(held ? 10.0 : 0.0, within(1e-9));
            assertThat(result.recallLossStdError()).isCloseTo(0.0, within(1e-9));
        }
    }

    @Test
    void anAnswerCountsOnlyWhenItsNumberIsTheWholeNumber() {
        assertThat(StreamEval.leadingDigits(" 48213\nline")).isEqualTo("48213");
        assertThat(StreamEval.leadingDigits("482139")).isEqualTo("482139");
        assertThat(StreamEval.leadingDigits(" once upon")).isEmpty();
    }
}
