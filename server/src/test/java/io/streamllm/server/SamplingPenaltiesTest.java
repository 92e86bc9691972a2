package io.streamllm.server;

import io.streamllm.api.Sampling;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** OpenAI's frequency_penalty and presence_penalty reach the sampler instead of being dropped. */
class SamplingPenaltiesTest {

    private static CompletionRequest chat(String fields) {
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + fields + "}";
        return RequestParser.parse(body.getBytes(StandardCharsets.UTF_8), CompletionRequest.Kind.CHAT);
    }

    @Test
    void thePenaltiesOfARequestReachTheSampler() {
        Sampling settings = ModelService.sampling(chat(",\"frequency_penalty\":0.7,\"presence_penalty\":-0.3"), 16, List.of());
        assertThat(settings.frequencyPenalty()).isEqualTo(0.7f);
        assertThat(settings.presencePenalty()).isEqualTo(-0.3f);

        Sampling none = ModelService.sampling(chat(""), 16, List.of());
        assertThat(none.frequencyPenalty()).isZero();
        assertThat(none.presencePenalty()).isZero();
    }

    @Test
    void penaltiesOutsideOpenAisRangeAreRefused() {
        assertThatThrownBy(() -> chat(",\"frequency_penalty\":2.5")).isInstanceOf(ApiError.class)
                .hasMessageContaining("frequency_penalty");
        assertThatThrownBy(() -> chat(",\"presence_penalty\":\"high\"")).isInstanceOf(ApiError.class)
                .hasMessageContaining("presence_penalty");
    }
}
