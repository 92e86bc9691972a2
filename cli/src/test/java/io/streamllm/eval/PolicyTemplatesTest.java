package io.streamllm.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyTemplatesTest {

    private static String spec(String written, int budget) {
        return PolicyTemplates.expand(written, budget).spec();
    }

    @Test
    void templatesFillTheBudgetWithTheWindow() {
        assertThat(spec("window", 256)).isEqualTo("window:256");
        assertThat(spec("window:*", 256)).isEqualTo("window:256");
        assertThat(spec("recompute", 256)).isEqualTo("recompute:256");
        assertThat(spec("sink", 256)).isEqualTo("sink:4:252");
        assertThat(spec("sink:1", 256)).isEqualTo("sink:1:255");
        assertThat(spec("sink:4:*", 256)).isEqualTo("sink:4:252");
        assertThat(spec("h2o:4:64", 256)).isEqualTo("h2o:4:64:188");
        assertThat(spec("h2o:4:64:*", 256)).isEqualTo("h2o:4:64:188");
        assertThat(spec("snapkv:4:64", 256)).isEqualTo("snapkv:4:64:188");
        assertThat(spec("snapkv:4:64:*:16", 256)).isEqualTo("snapkv:4:64:188:16");
        assertThat(spec("duo:4:0.5", 256)).isEqualTo("duo:4:252:0.5");
        assertThat(spec("duo:4:*:0.25", 256)).isEqualTo("duo:4:252:0.25");
    }

    @Test
    void everyTemplateGetsTheSameCacheTokens() {
        List<PolicyTemplates.Expanded> all = PolicyTemplates.expand(
                List.of("window", "sink:4", "h2o:4:32", "snapkv:4:32", "duo:4:0.5", "recompute"), 128);
        assertThat(all).extracting(PolicyTemplates.Expanded::cacheTokens).containsOnly(OptionalInt.of(128));
    }

    @Test
    void writtenSpecsAndDenseStayAsTheyAre() {
        assertThat(PolicyTemplates.expand("sink:4:252", 64))
                .isEqualTo(new PolicyTemplates.Expanded("sink:4:252", "sink:4:252", OptionalInt.of(256)));
        assertThat(PolicyTemplates.expand("h2o:4:16:44", 64).cacheTokens()).hasValue(64);
        assertThat(PolicyTemplates.expand("snapkv:4:16:44:8", 64).cacheTokens()).hasValue(64);
        assertThat(PolicyTemplates.expand("duo:4:60:0.5", 64).cacheTokens()).hasValue(64);
        assertThat(PolicyTemplates.expand("dense", 64))
                .isEqualTo(new PolicyTemplates.Expanded("dense", "dense", OptionalInt.empty()));
        // Unknown kinds pass through for CachePolicy.parse to refuse with its own message.
        assertThat(spec("lru:12", 64)).isEqualTo("lru:12");
    }

    @Test
    void repeatsOfOneSpecRunOnce() {
        assertThat(PolicyTemplates.expand(List.of("sink:4", "sink:4:60", "sink"), 64))
                .extracting(PolicyTemplates.Expanded::spec).containsExactly("sink:4:60");
    }

    @Test
    void aBudgetThatLeavesNoWindowIsRefused() {
        assertThatThrownBy(() -> PolicyTemplates.expand("h2o:4:60", 64))
                .hasMessage("a budget of 64 cache tokens leaves no window for h2o:4:60 (it keeps 64 tokens besides"
                        + " the window)");
        assertThatThrownBy(() -> PolicyTemplates.expand("sink:x", 64))
                .hasMessageContaining("'x' is not a token count");
        assertThatThrownBy(() -> PolicyTemplates.expand(List.of("window"), 0))
                .hasMessage("--budget must be at least 1 cache token, got 0");
    }
}
