package io.streamllm.hf;

import io.streamllm.util.Quote;
import io.streamllm.api.ModelFormatException;
import io.streamllm.api.UnsupportedTensorTypeException;
import io.streamllm.format.MappedFile;
import io.streamllm.format.TensorView;
import io.streamllm.tensor.GgmlType;
import io.streamllm.util.Json;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped .safetensors file: an 8-byte little-endian header length, a JSON header
 * describing each tensor (dtype, shape in row-major order, byte range), then the raw data.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final long MAX_HEADER = 100L << 20;

    private final MappedFile mapped;
    private final Map<String, TensorView> tensors;

    private SafetensorsFile(MappedFile mapped, Map<String, TensorView> tensors) {
        this.mapped = mapped;
        this.tensors = tensors;
    }

    public static SafetensorsFile open(Path path) {
        return MappedFile.open(path, mapped -> new SafetensorsFile(mapped, parse(path.toString(), mapped.segment())));
    }

    /** Reads a safetensors image held in memory, with the same checks as {@link #open} (for tools and fuzzing). */
    public static SafetensorsFile read(String name, MemorySegment image) {
        return new SafetensorsFile(MappedFile.ofImage(Path.of(name), image), parse(name, image));
    }

    private static Map<String, TensorView> parse(String name, MemorySegment file) {
        if (file.byteSize() < 8) {
            throw new ModelFormatException(name + ": not a safetensors file (only " + file.byteSize() + " bytes)");
        }
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > file.byteSize()) {
            throw new ModelFormatException(name + ": not a safetensors file or truncated (header length "
                    + headerLength + ", file " + file.byteSize() + " bytes)");
        }
        String headerText = new String(file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        Map<String, Object> header;
        try {
            header = Json.parseObject(headerText);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(name + ": corrupt safetensors header: " + e.getMessage());
        }
        long dataStart = 8 + headerLength;
        long dataSize = file.byteSize() - dataStart;
        Map<String, TensorView> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : header.entrySet()) {
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            String tensor = entry.getKey();
            if (!(entry.getValue() instanceof Map<?, ?> info)
                    || !(info.get("dtype") instanceof String dtype)
                    || !(info.get("shape") instanceof List<?> shapeList)
                    || !(info.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2) {
                throw new ModelFormatException(name + ": corrupt safetensors entry for " + Quote.of(tensor));
            }
            GgmlType type = switch (dtype) {
                case "F32" -> GgmlType.F32;
                case "F16" -> GgmlType.F16;
                case "BF16" -> GgmlType.BF16;
                default -> throw new UnsupportedTensorTypeException(name + ": tensor " + Quote.of(tensor) + " has dtype " + dtype
                        + ", which streamllm does not read (supported: F32, F16, BF16)");
            };
            // safetensors shapes are row-major (outermost first); ggml order is the reverse.
            long[] shape = new long[Math.max(1, shapeList.size())];
            shape[0] = 1;
            long elements = 1;
            for (int i = 0; i < shapeList.size(); i++) {
                long dimension = nonNegative(shapeList.get(i), name, tensor, "shape");
                shape[shapeList.size() - 1 - i] = dimension;
                // Every element takes at least two bytes, so this bound also keeps the product from overflowing.
                elements *= dimension;
                if (dimension > Integer.MAX_VALUE || elements > dataSize) {
                    throw new ModelFormatException(name + ": tensor " + Quote.of(tensor) + " has shape " + shapeList
                            + ", more elements than the file's " + dataSize + " bytes of data hold");
                }
            }
            long begin = nonNegative(offsets.get(0), name, tensor, "data_offsets");
            long end = nonNegative(offsets.get(1), name, tensor, "data_offsets");
            if (end < begin || end > dataSize) {
                throw new ModelFormatException(name + ": truncated or corrupt file: tensor " + Quote.of(tensor) + " has data_offsets "
                        + offsets + " but the data section has " + dataSize + " bytes (file " + file.byteSize() + " bytes)");
            }
            if (end - begin != type.bytesFor(elements)) {
                throw new ModelFormatException(name + ": tensor " + Quote.of(tensor) + " has " + (end - begin)
                        + " bytes but its shape needs " + type.bytesFor(elements));
            }
            tensors.put(tensor, new TensorView(tensor, type, shape, file.asSlice(dataStart + begin, end - begin)));
        }
        return tensors;
    }

    /** A shape dimension or data offset of the header: a non-negative JSON integer. */
    private static long nonNegative(Object value, String name, String tensor, String field) {
        if (value instanceof Long number && number >= 0) {
            return number;
        }
        throw new ModelFormatException(name + ": tensor " + Quote.of(tensor) + " has " + field + " value " + value
                + ", not a non-negative integer");
    }

    public Map<String, TensorView> tensors() {
        return tensors;
    }

    /** Throws a {@link io.streamllm.api.ModelFormatException} if the file was truncated since it was opened. */
    public void checkUnchanged() {
        mapped.checkUnchanged();
    }

    @Override
    public void close() {
        mapped.close();
    }
}
