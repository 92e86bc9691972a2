package io.streamllm.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The seeded register lines and which line each query is about. */
class StreamEvalProtocolTest {

    private static List<String> texts(RegisterLines lines) {
        return IntStream.rangeClosed(1, lines.count()).mapToObj(lines::text).toList();
    }

    @Test
    void theSameSeedGivesTheSameStreamAndAnotherSeedAnotherOne() {
        assertThat(texts(new RegisterLines(30, 7))).isEqualTo(texts(new RegisterLines(30, 7)));
        assertThat(texts(new RegisterLines(30, 7))).isNotEqualTo(texts(new RegisterLines(30, 8)));
    }

    @Test
    void eachLineIsNumberedAndHoldsAFiveDigitNumber() {
        RegisterLines lines = new RegisterLines(12, 3);
        for (int line = 1; line <= 12; line++) {
            assertThat(lines.text(line)).isEqualTo("line " + line + ": REGISTER_CONTENT is " + lines.content(line) + "\n");
            assertThat(lines.content(line)).matches("[1-9][0-9]{4}");
        }
        assertThat(IntStream.rangeClosed(1, 12).mapToObj(lines::content).distinct().count()).isGreaterThan(6);
    }

    @Test
    void freshNumbersDifferFromTheLinesOwnAndAreTheSameForEveryRun() {
        RegisterLines lines = new RegisterLines(20, 5);
        StreamEvalProtocol.Query query = new StreamEvalProtocol.Query(12, 4);
        List<String> fresh = lines.freshContents(query, 16);
        assertThat(fresh).hasSize(16).doesNotContain(lines.content(9)).allMatch(n -> n.matches("[1-9][0-9]{4}"));
        assertThat(new RegisterLines(20, 5).freshContents(query, 16)).isEqualTo(fresh);
        assertThat(lines.freshContents(new StreamEvalProtocol.Query(12, 5), 16)).isNotEqualTo(fresh);
    }

    @Test
    void queriesComeEveryLLinesAboutTheLineDistanceLinesBack() {
        StreamEvalProtocol protocol = new StreamEvalProtocol(20, 4, new TreeSet<>(List.of(1, 3, 6)));
        assertThat(protocol.queriesAfter(3)).isEmpty();
        assertThat(protocol.queriesAfter(4)).containsExactly(
                new StreamEvalProtocol.Query(4, 1), new StreamEvalProtocol.Query(4, 3));
        assertThat(protocol.queriesAfter(4)).extracting(StreamEvalProtocol.Query::targetLine).containsExactly(4, 2);
        assertThat(protocol.queriesAfter(8)).extracting(StreamEvalProtocol.Query::targetLine).containsExactly(8, 6, 3);
    }

    @Test
    void badSettingsAreRefusedWithTheirOption() {
        assertThatThrownBy(() -> new StreamEvalProtocol(0, 4, new TreeSet<>(List.of(1))))
                .hasMessageContaining("--lines");
        assertThatThrownBy(() -> new StreamEvalProtocol(10, 0, new TreeSet<>(List.of(1))))
                .hasMessageContaining("--query-every");
        assertThatThrownBy(() -> new StreamEvalProtocol(10, 2, new TreeSet<>(List.of(0, 2))))
                .hasMessageContaining("--distances");
        assertThatThrownBy(() -> new StreamEvalProtocol(10, 2, new TreeSet<>(List.of(11))))
                .hasMessageContaining("longer than the 10 lines");
    }
}
