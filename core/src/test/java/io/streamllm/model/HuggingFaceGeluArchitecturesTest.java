package io.streamllm.model;

import io.streamllm.api.ModelFormatException;
import io.streamllm.format.TensorView;
import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufTensorStore;
import io.streamllm.kv.DensePolicy;
import io.streamllm.kv.KvCache;
import io.streamllm.testing.References;
import io.streamllm.testing.Safetensors;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hugging Face directories of GPT-NeoX, Falcon and MPT, written here from the reference/arch GGUF files the way
 * transformers lays them out (names; GPT-NeoX's query_key_value interleaved head by head: q, k, v of head 0, then
 * of head 1 ...), give the logits of the GGUF files bit for bit.
 */
class HuggingFaceGeluArchitecturesTest {
    private static final int HEADS = 4;
    private static final int HEAD_DIM = 16;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"gptneox", "falcon", "mpt"})
    void aHuggingFaceDirectoryIsTheGgufNetwork(String name) throws IOException {
        Path gguf = References.file("arch/" + name + ".gguf");
        int[] tokens = References.ints(References.json("arch/" + name + ".json").get("tokens"));
        Path hf = writeHuggingFaceDirectory(name, gguf, dir.resolve(name), Map.of());
        assertThat(denseLogits(hf, tokens)).containsExactly(denseLogits(gguf, tokens));
    }

    @Test
    void aTransformersBufferThatIsNotAWeightIsRefusedByName() throws IOException {
        String buffer = "gpt_neox.layers.0.attention.masked_bias";
        Path hf = writeHuggingFaceDirectory("gptneox", References.file("arch/gptneox.gguf"), dir.resolve("extra"),
                Map.of(buffer, new TensorView(buffer, io.streamllm.tensor.GgmlType.F32, new long[] {1},
                        MemorySegment.ofArray(new byte[Float.BYTES]))));
        assertThatThrownBy(() -> ModelLoader.load(hf, TestPool.shared())).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor '" + buffer + "' is not part of architecture gptneox");
    }

    private static float[] denseLogits(Path model, int[] tokens) {
        try (Model m = ModelLoader.load(model, TestPool.shared())) {
            Transformer network = m.network();
            float[] logits = new float[tokens.length * m.config().vocabularySize()];
            network.forward(tokens, 0, tokens.length, new KvCache(m.config().kvShape(), new DensePolicy(), 1, tokens.length),
                    network.newState(tokens.length), logits, true);
            return logits;
        }
    }

    /** transformers' name of a tensor of the reference GGUF files. */
    private static String huggingFaceName(String arch, String gguf) {
        String[] parts = gguf.split("\\.", 3); // blk, N, rest
        boolean layer = parts[0].equals("blk");
        String name = layer ? parts[2] : gguf;
        return switch (arch) {
            case "gptneox" -> layer ? "gpt_neox.layers." + parts[1] + "." + switch (name) {
                case "attn_norm.weight", "attn_norm.bias" -> name.replace("attn_norm", "input_layernorm");
                case "attn_qkv.weight", "attn_qkv.bias" -> name.replace("attn_qkv", "attention.query_key_value");
                case "attn_output.weight", "attn_output.bias" -> name.replace("attn_output", "attention.dense");
                case "ffn_norm.weight", "ffn_norm.bias" -> name.replace("ffn_norm", "post_attention_layernorm");
                case "ffn_up.weight", "ffn_up.bias" -> name.replace("ffn_up", "mlp.dense_h_to_4h");
                case "ffn_down.weight", "ffn_down.bias" -> name.replace("ffn_down", "mlp.dense_4h_to_h");
                default -> throw new IllegalArgumentException(gguf);
            } : switch (name) {
                case "token_embd.weight" -> "gpt_neox.embed_in.weight";
                case "output_norm.weight", "output_norm.bias" -> name.replace("output_norm", "gpt_neox.final_layer_norm");
                case "output.weight" -> "embed_out.weight";
                default -> throw new IllegalArgumentException(gguf);
            };
            case "falcon" -> layer ? "transformer.h." + parts[1] + "." + switch (name) {
                case "attn_norm.weight", "attn_norm.bias" -> name.replace("attn_norm", "input_layernorm");
                case "attn_qkv.weight" -> "self_attention.query_key_value.weight";
                case "attn_output.weight" -> "self_attention.dense.weight";
                case "ffn_up.weight" -> "mlp.dense_h_to_4h.weight";
                case "ffn_down.weight" -> "mlp.dense_4h_to_h.weight";
                default -> throw new IllegalArgumentException(gguf);
            } : switch (name) {
                case "token_embd.weight" -> "transformer.word_embeddings.weight";
                case "output_norm.weight", "output_norm.bias" -> name.replace("output_norm", "transformer.ln_f");
                case "output.weight" -> "lm_head.weight";
                default -> throw new IllegalArgumentException(gguf);
            };
            default -> layer ? "transformer.blocks." + parts[1] + "." + switch (name) {
                case "attn_norm.weight" -> "norm_1.weight";
                case "attn_qkv.weight" -> "attn.Wqkv.weight";
                case "attn_output.weight" -> "attn.out_proj.weight";
                case "ffn_norm.weight" -> "norm_2.weight";
                case "ffn_up.weight" -> "ffn.up_proj.weight";
                case "ffn_down.weight" -> "ffn.down_proj.weight";
                default -> throw new IllegalArgumentException(gguf);
            } : switch (name) {
                case "token_embd.weight" -> "transformer.wte.weight";
                case "output_norm.weight" -> "transformer.norm_f.weight";
                default -> throw new IllegalArgumentException(gguf);
            };
        };
    }

    private static String configJson(String arch) {
        return switch (arch) {
            case "gptneox" -> """
                    {"model_type": "gpt_neox", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2,
                     "intermediate_size": 128, "vocab_size": 300, "max_position_embeddings": 256, "rotary_pct": 0.25,
                     "rotary_emb_base": 10000, "layer_norm_eps": 1e-05, "use_parallel_residual": true}""";
            case "falcon" -> """
                    {"model_type": "falcon", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2,
                     "ffn_hidden_size": 128, "vocab_size": 300, "max_position_embeddings": 256, "multi_query": true,
                     "new_decoder_architecture": false, "parallel_attn": true, "bias": false, "alibi": false,
                     "layer_norm_epsilon": 1e-05}""";
            default -> """
                    {"model_type": "mpt", "d_model": 64, "n_heads": 4, "n_layers": 2, "expansion_ratio": 2,
                     "vocab_size": 300, "max_seq_len": 256, "no_bias": true,
                     "attn_config": {"alibi": true, "alibi_bias_max": 8, "clip_qkv": 0.6, "qk_ln": false}}""";
        };
    }

    private static Path writeHuggingFaceDirectory(String arch, Path gguf, Path hf, Map<String, TensorView> extra)
            throws IOException {
        Files.createDirectories(hf);
        Map<String, TensorView> tensors = new HashMap<>(extra);
        try (GgufFile file = GgufFile.open(gguf)) {
            GgufTensorStore store = new GgufTensorStore(file);
            for (String name : store.names()) {
                TensorView t = store.get(name);
                MemorySegment data = MemorySegment.ofArray(t.data().toArray(ValueLayout.JAVA_BYTE));
                if (arch.equals("gptneox") && name.contains("attn_qkv")) {
                    data = interleavePerHead(data, t.shape().length == 2 ? t.shape()[0] * Float.BYTES : Float.BYTES);
                }
                String hfName = huggingFaceName(arch, name);
                tensors.put(hfName, new TensorView(hfName, t.type(), t.shape(), data));
            }
        }
        Safetensors.write(hf.resolve("model.safetensors"), tensors, new ArrayList<>(tensors.keySet()));
        Files.writeString(hf.resolve("config.json"), configJson(arch));
        Files.copy(References.tinystories656k().resolve("tokenizer.json"), hf.resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
        return hf;
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
