package io.streamllm.gguf;

import io.streamllm.testing.ByteSearch;
import io.streamllm.api.ModelFormatException;
import io.streamllm.model.ModelLoader;
import io.streamllm.tensor.GgmlType;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufFileTest {
    @TempDir
    Path dir;

    @Test
    void readsTheShippedModel() {
        try (GgufFile gguf = GgufFile.open(References.stories260K())) {
            assertThat(gguf.version()).isEqualTo(3);
            assertThat(gguf.metadata().getString("general.architecture")).isEqualTo("llama");
            assertThat(gguf.metadata().getInt("llama.embedding_length")).isEqualTo(64);
            assertThat(gguf.metadata().getStringArray("tokenizer.ggml.tokens")).hasSize(512);
            GgufTensorInfo embedding = gguf.tensor("token_embd.weight");
            assertThat(embedding.shape()).containsExactly(64, 512);
            assertThat(gguf.data(embedding).byteSize()).isEqualTo(64 * 512 * 4);
        }
    }

    @Test
    void writerAndReaderRoundTripMetadataAndTensors() {
        Path file = dir.resolve("round.gguf");
        float[] values = {1, 2, 3, 4, 5, 6};
        new GgufWriter()
                .putString("general.architecture", "test")
                .putUInt32("a.u32", 4_000_000_000L)
                .putInt32("a.i32", -7)
                .putFloat32("a.f32", 0.25f)
                .putBool("a.bool", true)
                .putStrings("a.strings", new String[] {"x", "▁y", ""})
                .putFloats("a.floats", new float[] {1.5f, -2})
                .putInts("a.ints", new int[] {3, -4})
                .addTensor("t", new long[] {3, 2}, values)
                .write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufMetadata m = gguf.metadata();
            assertThat(m.getLong("a.u32")).isEqualTo(4_000_000_000L);
            assertThat(m.getInt("a.i32")).isEqualTo(-7);
            assertThat(m.getFloat("a.f32")).isEqualTo(0.25f);
            assertThat(m.getBoolean("a.bool", false)).isTrue();
            assertThat(m.getStringArray("a.strings")).containsExactly("x", "▁y", "");
            assertThat(m.getFloatArray("a.floats")).containsExactly(1.5f, -2f);
            assertThat(m.getIntArray("a.ints")).containsExactly(3, -4);
            GgufTensorInfo t = gguf.tensor("t");
            assertThat(t.type()).isEqualTo(GgmlType.F32);
            assertThat(gguf.data(t).toArray(ValueLayout.JAVA_FLOAT)).containsExactly(values);
        }
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> GgufFile.open(dir.resolve("nope.gguf")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("nope.gguf: no such file");
    }

    @Test
    void foreignFileIsRejected() throws IOException {
        Path file = dir.resolve("foreign.gguf");
        Files.writeString(file, "PK\u0003\u0004 this is a zip, not a model");
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("not a GGUF file");
    }

    @Test
    void versionOneIsRejectedByName() throws IOException {
        Path file = dir.resolve("v1.gguf");
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(1).putInt(0).putInt(0);
        Files.write(file, b.array());
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("GGUF version 1 is not supported");
    }

    @Test
    void truncatedFilesAreRejectedWhereverTheyAreCut() throws IOException {
        byte[] whole = Files.readAllBytes(References.stories260K());
        for (int length : new int[] {3, 10, 30, 1000, 20_000, whole.length / 2, whole.length - 1}) {
            Path file = dir.resolve("cut" + length + ".gguf");
            Files.write(file, Arrays.copyOf(whole, length));
            assertThatThrownBy(() -> GgufFile.open(file)).as("cut at %d bytes", length)
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageMatching(".*(truncated|not a GGUF file).*");
        }
    }

    @Test
    void unknownTensorTypeIdIsNamed() throws IOException {
        Path file = dir.resolve("type.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("some_tensor", new long[] {4}, new float[4]).write(file);
        ByteSearch.patchTensorType(file, "some_tensor", 1, 99);
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("unknown tensor type id 99");
    }

    @Test
    void tensorTypeWithoutKernelsIsNamed() throws IOException {
        Path file = dir.resolve("unsupported.gguf");
        SyntheticModel.write(SyntheticModel.TINY, GgmlType.F32, file, 1, TestPool.shared(), bytes -> { });
        // A quantized type's data of this shape is smaller than the F32 data, so the file stays well-formed.
        GgmlType unsupported = Arrays.stream(GgmlType.values())
                .filter(t -> !t.supported() && t.blockSize() > 1).findFirst().orElseThrow();
        ByteSearch.patchTensorType(file, "blk.0.ffn_down.weight", 2, unsupported.id());
        assertThatThrownBy(() -> ModelLoader.load(file, TestPool.shared()).close())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'blk.0.ffn_down.weight' has type " + unsupported + ", which streamllm cannot compute with yet")
                .hasMessageContaining("(supported: " + GgmlType.supportedNames() + ")")
                .hasMessageNotContaining("\n");
    }

    @Test
    void unknownArchitectureIsNamed() {
        Path file = dir.resolve("mamba.gguf");
        new GgufWriter().putString("general.architecture", "mamba")
                .addTensor("token_embd.weight", new long[] {4, 2}, new float[8]).write(file);
        assertThatThrownBy(() -> ModelLoader.load(file, TestPool.shared()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("unsupported architecture 'mamba' (supported: "
                        + String.join(", ", io.streamllm.model.Architectures.ggufNames()) + ")");
    }
}
