package io.streamllm.eval;

import io.streamllm.api.CachePolicy;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AblationTest {

    @Test
    void sinkTableKeepsTheTotalCacheAndSizeTablePairsWindowWithFourSinks() {
        Ablation ablation = new Ablation(64, List.of(0, 1, 4), List.of(32, 64));
        assertThat(ablation.policies()).extracting(CachePolicy::spec).containsExactly(
                "window:64", "sink:1:63", "sink:4:60", // the sinks table
                "window:32", "sink:4:28"); // the sizes table; window:64 and sink:4:60 are already there
    }

    @Test
    void markdownTablesShowEachPolicysPerplexity() {
        Ablation ablation = new Ablation(64, List.of(0, 4), List.of(32, 64));
        Map<String, PolicyResult> results = new HashMap<>();
        double nll = 1;
        for (CachePolicy p : ablation.policies()) {
            results.put(p.spec(), new PolicyResult(p.spec(), 10, nll, List.of()));
            nll += 1;
        }
        // window:64 → e^1, sink:4:60 → e^2, window:32 → e^3, sink:4:28 → e^4
        assertThat(ablation.markdown(results)).isEqualTo("""
                Table A: attention sinks in a cache of 64 tokens (PPL)

                | sinks + window | 0 + 64 | 4 + 60 |
                | --- | ---: | ---: |
                | PPL | 2.718 | 7.389 |

                Table B: cache sizes, window vs 4 sinks (PPL)

                | cache size C | 32 | 64 |
                | --- | ---: | ---: |
                | window (0 + C) | 20.086 | 2.718 |
                | StreamingLLM (4 + C-4) | 54.598 | 7.389 |
                """);
    }

    @Test
    void rejectsSinksThatLeaveNoWindow() {
        assertThatThrownBy(() -> new Ablation(8, List.of(0, 8), List.of(16)))
                .hasMessageContaining("a cache of 8 tokens cannot hold 8 sinks");
        assertThatThrownBy(() -> new Ablation(8, List.of(0), List.of(4)))
                .hasMessageContaining("cache size 4 leaves no window beside 4 sinks");
    }
}
