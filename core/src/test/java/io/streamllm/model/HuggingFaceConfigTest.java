package io.streamllm.model;

import io.streamllm.testing.NoTensors;
import io.streamllm.util.Json;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/** What each architecture reads from a config.json beyond the Llama family's keys. */
class HuggingFaceConfigTest {
    private static final String COMMON = """
            "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 4,
            "intermediate_size": 128, "vocab_size": 300, "max_position_embeddings": 256, "rms_norm_eps": 1e-06""";

    private static ModelConfig parse(String modelType, String extra) {
        String json = "{\"model_type\": \"" + modelType + "\", " + COMMON + (extra.isEmpty() ? "" : ", " + extra) + "}";
        return ModelLoader.configFromHuggingFace(Json.parseObject(json), new NoTensors());
    }

    @Test
    void mistralHonoursItsSlidingWindowAndNullMeansNone() {
        ModelConfig windowed = parse("mistral", "\"sliding_window\": 4096");
        assertThat(windowed.attention().windowOf(0)).isEqualTo(4096);
        assertThat(windowed.attention().windowOf(3)).isEqualTo(4096);
        assertThat(parse("mistral", "\"sliding_window\": null").attention().windowOf(0)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void gemma2ReadsItsScaleCapsWindowAndShiftedNorms() {
        ModelConfig c = parse("gemma2", """
                "head_dim": 16, "query_pre_attn_scalar": 64, "attn_logit_softcapping": 50.0,
                "final_logit_softcapping": 30.0, "sliding_window": 4096""");
        assertThat(c.attention().queryScale()).isEqualTo(0.125f);
        assertThat(c.attention().logitSoftcap()).isEqualTo(50f);
        assertThat(c.layout().finalLogitSoftcap()).isEqualTo(30f);
        assertThat(c.layout().embeddingScale()).isEqualTo(8f);
        assertThat(c.attention().windowOf(0)).isEqualTo(4096);
        assertThat(c.attention().windowOf(1)).isEqualTo(Integer.MAX_VALUE);
        assertThat(c.norm().weightOffset()).isEqualTo(1f);
    }

    @Test
    void qwen3AndPhi3ReadAsTheirOwnArchitectures() {
        assertThat(parse("qwen3", "\"head_dim\": 16").architecture()).isEqualTo("qwen3");
        ModelConfig phi3 = parse("phi3", "\"sliding_window\": 2047");
        assertThat(phi3.architecture()).isEqualTo("phi3");
        assertThat(phi3.attention().windowOf(1)).isEqualTo(2047);
    }
}
