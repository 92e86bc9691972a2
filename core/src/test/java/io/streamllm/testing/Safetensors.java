package io.streamllm.testing;

import io.streamllm.format.TensorView;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** Writes safetensors files for tests. */
public final class Safetensors {
    private Safetensors() {
    }

    /** Writes a safetensors file holding {@code names}: header length, JSON header, then the raw bytes. */
    public static void write(Path file, Map<String, TensorView> tensors, List<String> names) throws IOException {
        StringJoiner header = new StringJoiner(",", "{", "}");
        long offset = 0;
        for (String name : names) {
            TensorView t = tensors.get(name);
            StringJoiner shape = new StringJoiner(",", "[", "]");
            for (int d = t.shape().length - 1; d >= 0; d--) { // safetensors lists the outermost dimension first
                shape.add(Long.toString(t.shape()[d]));
            }
            long size = t.data().byteSize();
            header.add("\"" + name + "\": {\"dtype\": \"" + t.type() + "\", \"shape\": " + shape
                    + ", \"data_offsets\": [" + offset + ", " + (offset + size) + "]}");
            offset += size;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            for (String name : names) {
                out.write(tensors.get(name).data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }
}
