package io.streamllm.hf;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an architecture's Hugging Face tensor names map to llama.cpp's GGUF names, so that it binds its weights
 * one way whatever the file format. A name with no mapping keeps its Hugging Face name: the architecture
 * then refuses it as a tensor it does not expect.
 *
 * @param global names outside the layers
 * @param layer  names inside {@code model.layers.N.} (GPT-NeoX: {@code gpt_neox.layers.N.}, Falcon: {@code transformer.h.N.},
 *               MPT: {@code transformer.blocks.N.}), without that prefix
 */
public record HfTensorNames(Map<String, String> global, Map<String, String> layer) {
    private static final Pattern LAYER = Pattern.compile(
            "(?:model\\.layers|gpt_neox\\.layers|transformer\\.h|transformer\\.blocks)\\.(\\d+)\\.(.+)");

    /** The Llama family's names (Llama, Mistral, Qwen2/3). */
    public static final HfTensorNames LLAMA = new HfTensorNames(
            Map.of("model.embed_tokens.weight", "token_embd.weight",
                    "model.norm.weight", "output_norm.weight",
                    "lm_head.weight", "output.weight"),
            Map.ofEntries(
                    Map.entry("input_layernorm.weight", "attn_norm.weight"),
                    Map.entry("self_attn.q_proj.weight", "attn_q.weight"),
                    Map.entry("self_attn.q_proj.bias", "attn_q.bias"),
                    Map.entry("self_attn.k_proj.weight", "attn_k.weight"),
                    Map.entry("self_attn.k_proj.bias", "attn_k.bias"),
                    Map.entry("self_attn.v_proj.weight", "attn_v.weight"),
                    Map.entry("self_attn.v_proj.bias", "attn_v.bias"),
                    Map.entry("self_attn.o_proj.weight", "attn_output.weight"),
                    Map.entry("post_attention_layernorm.weight", "ffn_norm.weight"),
                    Map.entry("mlp.gate_proj.weight", "ffn_gate.weight"),
                    Map.entry("mlp.up_proj.weight", "ffn_up.weight"),
                    Map.entry("mlp.down_proj.weight", "ffn_down.weight")));

    /** These names, with {@code layerChanges} added to or replacing the layer names. */
    public HfTensorNames withLayerNames(Map<String, String> layerChanges) {
        Map<String, String> merged = new HashMap<>(layer);
        merged.putAll(layerChanges);
        return new HfTensorNames(global, Map.copyOf(merged));
    }

    /** The GGUF name of {@code hfName}, or {@code hfName} itself when it has none. */
    public String gguf(String hfName) {
        String name = global.get(hfName);
        if (name != null) {
            return name;
        }
        Matcher m = LAYER.matcher(hfName);
        if (m.matches() && layer.containsKey(m.group(2))) {
            return "blk." + m.group(1) + "." + layer.get(m.group(2));
        }
        return hfName;
    }
}
