package io.streamllm.fuzz;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short seeded fuzz pass of CI: each target replays its corpus (seeds and every past finding) and
 * then 500 to 2,000 mutated inputs; none may fail other than with the target's documented error.
 * The long runs are scripts/fuzz.sh.
 */
class FuzzTest {
    private static final int INPUTS = 2_000;
    /** Jinjava, the snapshot restore (which then takes a turn) and the model loaders cost more per input. */
    private static final Map<String, Integer> SLOW_TARGETS = Map.of(
            "chat-template", 500, "snapshot", 500, "tokenizer-json", 500, "gguf", 1_000, "config-json", 1_000);

    static List<String> targets() {
        return FuzzTargets.NAMES;
    }

    @ParameterizedTest
    @MethodSource("targets")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void corpusAndMutatedInputsFailOnlyWithTheDocumentedError(String name) throws Exception {
        try (FuzzTarget target = FuzzTargets.create(name)) {
            List<byte[]> corpus = Fuzzer.corpus(FuzzTargets.corpusRoot().resolve(name));
            assertThat(corpus).as("the corpus of %s", name).isNotEmpty();
            Fuzzer.Report report = Fuzzer.run(target, corpus, SLOW_TARGETS.getOrDefault(name, INPUTS), 20261130, null);
            System.out.println(report.summary());
            assertThat(report.findings().values())
                    .as("findings of %s", name)
                    .extracting(f -> f.signature() + "\n" + f.stackTrace())
                    .isEmpty();
        }
    }
}
