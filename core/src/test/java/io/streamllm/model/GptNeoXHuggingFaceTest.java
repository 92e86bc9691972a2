package io.streamllm.model;

import io.streamllm.ModelFormatException;
import io.streamllm.format.TensorView;
import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufTensorStore;
import io.streamllm.kv.DensePolicy;
import io.streamllm.kv.KvCache;
import io.streamllm.testing.References;
import io.streamllm.testing.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Hugging Face GPT-NeoX directory, written here from reference/arch/gptneox.gguf the way transformers lays out
 * Pythia (names, and query_key_value interleaved head by head: q, k, v of head 0, then of head 1 ...), gives the
 * logits of the GGUF file bit for bit.
 */
class GptNeoXHuggingFaceTest {
    private static final int HEADS = 4;
    private static final int HEAD_DIM = 16;

    @TempDir
    Path dir;

    @Test
    void interleavedQueryKeyValueIsReorderedAndTheNetworkIsTheGgufOne() throws IOException {
        Path gguf = References.file("arch/gptneox.gguf");
        Map<String, Object> reference = References.json("arch/gptneox.json");
        int[] tokens = References.ints(reference.get("tokens"));
        Path hf = dir.resolve("pythia-tiny");
        List<String> names = writeHuggingFaceDirectory(gguf, hf, false);

        float[] fromGguf = denseLogits(gguf, tokens);
        assertThat(denseLogits(hf, tokens)).containsExactly(fromGguf);

        // Transformers' buffers that are not weights are refused by name, not skipped.
        writeHuggingFaceDirectory(gguf, hf, true);
        assertThatThrownBy(() -> ModelLoader.load(hf)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'gpt_neox.layers.0.attention.masked_bias' is not part of architecture gptneox");
        assertThat(names).contains("gpt_neox.layers.1.attention.query_key_value.bias");
    }

    private static float[] denseLogits(Path model, int[] tokens) {
        try (Model m = ModelLoader.load(model)) {
            Transformer network = m.network();
            float[] logits = new float[tokens.length * m.config().vocabularySize()];
            network.forward(tokens, 0, tokens.length, new KvCache(m.config(), new DensePolicy(), 1, tokens.length),
                    network.newState(tokens.length), logits, true);
            return logits;
        }
    }

    /** GGUF name to the Hugging Face name, for the tensors of gptneox.gguf. */
    private static String huggingFaceName(String gguf) {
        Map<String, String> global = Map.of("token_embd.weight", "gpt_neox.embed_in.weight",
                "output_norm.weight", "gpt_neox.final_layer_norm.weight",
                "output_norm.bias", "gpt_neox.final_layer_norm.bias",
                "output.weight", "embed_out.weight");
        if (global.containsKey(gguf)) {
            return global.get(gguf);
        }
        String[] parts = gguf.split("\\.", 3); // blk, N, rest
        String layer = switch (parts[2]) {
            case "attn_norm.weight" -> "input_layernorm.weight";
            case "attn_norm.bias" -> "input_layernorm.bias";
            case "attn_qkv.weight" -> "attention.query_key_value.weight";
            case "attn_qkv.bias" -> "attention.query_key_value.bias";
            case "attn_output.weight" -> "attention.dense.weight";
            case "attn_output.bias" -> "attention.dense.bias";
            case "ffn_norm.weight" -> "post_attention_layernorm.weight";
            case "ffn_norm.bias" -> "post_attention_layernorm.bias";
            case "ffn_up.weight" -> "mlp.dense_h_to_4h.weight";
            case "ffn_up.bias" -> "mlp.dense_h_to_4h.bias";
            case "ffn_down.weight" -> "mlp.dense_4h_to_h.weight";
            case "ffn_down.bias" -> "mlp.dense_4h_to_h.bias";
            default -> throw new IllegalArgumentException(gguf);
        };
        return "gpt_neox.layers." + parts[1] + "." + layer;
    }

    private static List<String> writeHuggingFaceDirectory(Path gguf, Path hf, boolean withMaskedBias) throws IOException {
        Files.createDirectories(hf);
        Map<String, TensorView> tensors = new HashMap<>();
        try (GgufFile file = GgufFile.open(gguf)) {
            GgufTensorStore store = new GgufTensorStore(file);
            for (String name : store.names()) {
                TensorView t = store.get(name);
                MemorySegment data = MemorySegment.ofArray(t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                if (name.contains("attn_qkv")) {
                    data = interleavePerHead(data, t.shape().length == 2 ? t.shape()[0] * Float.BYTES : Float.BYTES);
                }
                String hfName = huggingFaceName(name);
                tensors.put(hfName, new TensorView(hfName, t.type(), t.shape(), data));
            }
        }
        if (withMaskedBias) {
            String name = "gpt_neox.layers.0.attention.masked_bias";
            tensors.put(name, new TensorView(name, tensors.get("embed_out.weight").type(), new long[] {1},
                    MemorySegment.ofArray(new byte[Float.BYTES])));
        }
        List<String> names = new ArrayList<>(tensors.keySet());
        Safetensors.write(hf.resolve("model.safetensors"), tensors, names);
        Files.writeString(hf.resolve("config.json"), """
                {"model_type": "gpt_neox", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2,
                 "intermediate_size": 128, "vocab_size": 300, "max_position_embeddings": 256, "rotary_pct": 0.25,
                 "rotary_emb_base": 10000, "layer_norm_eps": 1e-05, "use_parallel_residual": true,
                 "hidden_act": "gelu", "tie_word_embeddings": false}
                """);
        Files.copy(References.tinystories656k().resolve("tokenizer.json"), hf.resolve("tokenizer.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return names;
    }

    /** llama.cpp's Q rows, K rows, V rows of {@code rowBytes} each, reordered as transformers keeps them: per head. */
    private static MemorySegment interleavePerHead(MemorySegment qkv, long rowBytes) {
        MemorySegment out = MemorySegment.ofArray(new byte[(int) qkv.byteSize()]);
        int q = HEADS * HEAD_DIM;
        for (int part = 0; part < 3; part++) {
            for (int h = 0; h < HEADS; h++) {
                for (int r = 0; r < HEAD_DIM; r++) {
                    long from = (long) (part * q + h * HEAD_DIM + r) * rowBytes;
                    long to = (long) ((h * 3 + part) * HEAD_DIM + r) * rowBytes;
                    MemorySegment.copy(qkv, from, out, to, rowBytes);
                }
            }
        }
        return out;
    }
}
