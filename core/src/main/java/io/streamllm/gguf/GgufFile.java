package io.streamllm.gguf;

import io.streamllm.util.Quote;
import io.streamllm.api.ModelFormatException;
import io.streamllm.api.UnsupportedTensorTypeException;
import io.streamllm.format.MappedFile;
import io.streamllm.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF (v2 or v3) file, memory-mapped. Tensor data is never copied: {@link #data} hands out
 * slices of the mapping. Everything the header claims is checked against the file before it is
 * used, so a truncated or foreign file fails here with one message naming the problem.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;
    /** No format has more than 8 elements per byte, so more elements than this cannot fit in the file. */
    private static final int MAX_ELEMENTS_PER_BYTE = 8;
    /** Arrays of arrays are legal but unused; a bound keeps a crafted file from exhausting the stack. */
    private static final int MAX_ARRAY_NESTING = 8;

    private final Path path;
    private final MappedFile mapped;
    private final MemorySegment file;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final int alignment;
    private final long dataStart;

    private GgufFile(Path path, MappedFile mapped, MemorySegment file, int version, GgufMetadata metadata,
                     Map<String, GgufTensorInfo> tensors, int alignment, long dataStart) {
        this.path = path;
        this.mapped = mapped;
        this.file = file;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    /** Maps and validates {@code path}. */
    public static GgufFile open(Path path) {
        return MappedFile.open(path, mapped -> parse(path, mapped));
    }

    /**
     * Reads a GGUF image held in memory, with the same checks as {@link #open} (for tools and fuzzing,
     * which would otherwise pay a mapping per input).
     */
    public static GgufFile read(String name, MemorySegment image) {
        return parse(Path.of(name), MappedFile.ofImage(Path.of(name), image));
    }

    private static GgufFile parse(Path path, MappedFile mapped) {
        MemorySegment file = mapped.segment();
        String name = path.toString();
        Reader in = new Reader(name, file);
        if (file.byteSize() < 4) {
            throw new ModelFormatException(name + ": not a GGUF file (only " + file.byteSize() + " bytes)");
        }
        int magic = in.i32();
        if (magic != MAGIC) {
            throw new ModelFormatException(name + ": not a GGUF file (it starts with " + describeMagic(file) + ", not \"GGUF\")");
        }
        int version = in.i32();
        if (version == 1) {
            throw new ModelFormatException(name + ": GGUF version 1 is not supported (only v2 and v3); "
                    + "re-convert the model with a current llama.cpp");
        }
        if (version != 2 && version != 3) {
            throw new ModelFormatException(name + ": unknown GGUF version " + version + " (supported: 2 and 3)");
        }
        long tensorCount = in.u64("tensor count");
        long kvCount = in.u64("metadata count");
        // Each entry takes at least a few bytes, so counts beyond the file size are lies.
        if (tensorCount > file.byteSize() / 8 || kvCount > file.byteSize() / 8) {
            throw new ModelFormatException(name + ": truncated or corrupt file: the header claims " + tensorCount + " tensors and "
                    + kvCount + " metadata entries, more than fit in " + file.byteSize() + " bytes");
        }

        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, GgufValueType> types = new HashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key");
            GgufValueType type = in.valueType("metadata " + Quote.of(key));
            values.put(key, in.value(type, key));
            types.put(key, type);
        }
        GgufMetadata metadata = new GgufMetadata(name, values, types);

        int alignment = DEFAULT_ALIGNMENT;
        if (metadata.has("general.alignment")) {
            alignment = metadata.getInt("general.alignment");
            if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
                throw new ModelFormatException(name + ": general.alignment " + alignment + " is not a power of two");
            }
        }

        List<GgufTensorInfo> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String tensorName = in.string("tensor name");
            int dims = in.i32();
            if (dims < 1 || dims > MAX_DIMS) {
                throw new ModelFormatException(name + ": tensor " + Quote.of(tensorName) + " has " + dims + " dimensions (1 to 4 allowed)");
            }
            long[] shape = new long[dims];
            long elements = 1;
            for (int d = 0; d < dims; d++) {
                shape[d] = in.u64("shape of tensor " + Quote.of(tensorName));
                if (shape[d] <= 0 || shape[d] > Integer.MAX_VALUE) {
                    throw new ModelFormatException(name + ": tensor " + Quote.of(tensorName) + " has an invalid dimension " + shape[d]);
                }
                // Checked as it grows: four dimensions of up to 2^31 each would overflow a long.
                elements *= shape[d];
                if (elements > file.byteSize() * MAX_ELEMENTS_PER_BYTE) {
                    throw new ModelFormatException(name + ": tensor " + Quote.of(tensorName) + " has shape "
                            + Arrays.toString(Arrays.copyOf(shape, d + 1))
                            + ", more elements than fit in " + file.byteSize() + " bytes");
                }
            }
            if (elements / shape[0] > Integer.MAX_VALUE) {
                throw new ModelFormatException(name + ": tensor " + Quote.of(tensorName) + " has " + elements / shape[0]
                        + " rows (at most " + Integer.MAX_VALUE + ")");
            }
            int typeId = in.i32();
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new UnsupportedTensorTypeException(name + ": tensor " + Quote.of(tensorName) + " has unknown tensor type id " + typeId);
            }
            long offset = in.u64("offset of tensor " + Quote.of(tensorName));
            GgufTensorInfo info = new GgufTensorInfo(tensorName, shape, type, offset);
            if (info.elementCount() % type.blockSize() != 0) {
                throw new ModelFormatException(name + ": tensor " + Quote.of(tensorName) + " of type " + type
                        + " has " + info.elementCount() + " elements, not a multiple of its block size " + type.blockSize());
            }
            if (offset % alignment != 0) {
                throw new ModelFormatException(name + ": tensor " + Quote.of(tensorName) + " data offset " + offset
                        + " is not aligned to " + alignment);
            }
            infos.add(info);
        }

        long dataStart = alignUp(in.position(), alignment);
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (GgufTensorInfo info : infos) {
            if (byName.put(info.name(), info) != null) {
                throw new ModelFormatException(name + ": tensor " + Quote.of(info.name()) + " appears twice");
            }
            // Compared by subtraction: offset + size may overflow a long, and must never reach the mapping.
            long room = Math.max(0, file.byteSize() - dataStart);
            if (info.offset() > room || info.byteSize() > room - info.offset()) {
                throw new ModelFormatException(name + ": truncated file: tensor " + Quote.of(info.name()) + " at data offset "
                        + info.offset() + " with " + info.byteSize() + " bytes ends past the end of the file ("
                        + file.byteSize() + " bytes, tensor data from byte " + dataStart + ")");
            }
        }
        return new GgufFile(path, mapped, file, version, metadata, Collections.unmodifiableMap(byName), alignment, dataStart);
    }

    private static String describeMagic(MemorySegment file) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            int b = file.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            sb.append(b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return "\"" + sb + "\"";
    }

    static long alignUp(long value, int alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** All tensors, in file order. */
    public Map<String, GgufTensorInfo> tensors() {
        return tensors;
    }

    /** The tensor called {@code name}, or null. */
    public GgufTensorInfo tensor(String name) {
        return tensors.get(name);
    }

    /** The bytes of a tensor, as a slice of the mapping (no copy). */
    public MemorySegment data(GgufTensorInfo info) {
        return file.asSlice(dataStart + info.offset(), info.byteSize());
    }

    /** Size of the whole file in bytes. */
    public long fileSize() {
        return file.byteSize();
    }

    /** Throws a {@link io.streamllm.api.ModelFormatException} if the file was truncated since it was opened. */
    public void checkUnchanged() {
        mapped.checkUnchanged();
    }

    @Override
    public void close() {
        mapped.close();
    }

    /** A bounds-checked little-endian cursor over the mapping. */
    private static final class Reader {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final String name;
        private final MemorySegment file;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        private long pos;

        Reader(String name, MemorySegment file) {
            this.name = name;
            this.file = file;
        }

        long position() {
            return pos;
        }

        private void need(long bytes, String what) {
            // pos + bytes could overflow for a declared length near 2^63.
            if (bytes < 0 || bytes > file.byteSize() - pos) {
                throw new ModelFormatException(name + ": truncated file: " + what + " runs past the end ("
                        + file.byteSize() + " bytes)");
            }
        }

        int i32() {
            need(4, "the header");
            int v = file.get(I32, pos);
            pos += 4;
            return v;
        }

        long u64(String what) {
            need(8, what);
            long v = file.get(I64, pos);
            pos += 8;
            if (v < 0) {
                throw new ModelFormatException(name + ": corrupt " + what + " (" + Long.toUnsignedString(v) + ")");
            }
            return v;
        }

        String string(String what) {
            long length = u64(what + " length");
            need(length, what);
            if (length > Integer.MAX_VALUE - 8) {
                throw new ModelFormatException(name + ": corrupt file: " + what + " of " + length + " bytes");
            }
            byte[] bytes = new byte[(int) length];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, pos, bytes, 0, bytes.length);
            pos += length;
            try {
                return utf8.reset().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                // Some vocabularies hold pieces that are not valid UTF-8 on their own; keep them readable.
                return new String(bytes, StandardCharsets.ISO_8859_1);
            }
        }

        GgufValueType valueType(String what) {
            int id = i32();
            GgufValueType type = GgufValueType.byId(id);
            if (type == null) {
                throw new ModelFormatException(name + ": " + what + " has unknown value type " + id);
            }
            return type;
        }

        Object value(GgufValueType type, String key) {
            if (type == GgufValueType.STRING) {
                return string("metadata " + Quote.of(key));
            }
            if (type == GgufValueType.ARRAY) {
                return array(key, 1);
            }
            need(type.fixedBytes(), "metadata " + Quote.of(key));
            long at = pos;
            pos += type.fixedBytes();
            return switch (type) {
                case UINT8 -> file.get(ValueLayout.JAVA_BYTE, at) & 0xff;
                case INT8 -> (int) file.get(ValueLayout.JAVA_BYTE, at);
                case UINT16 -> file.get(I16, at) & 0xffff;
                case INT16 -> (int) file.get(I16, at);
                case UINT32 -> file.get(I32, at) & 0xffffffffL;
                case INT32 -> file.get(I32, at);
                case FLOAT32 -> file.get(F32, at);
                case BOOL -> file.get(ValueLayout.JAVA_BYTE, at) != 0;
                case UINT64, INT64 -> file.get(I64, at);
                case FLOAT64 -> file.get(F64, at);
                default -> throw new IllegalStateException(type.toString());
            };
        }

        GgufArray array(String key, int depth) {
            if (depth > MAX_ARRAY_NESTING) {
                throw new ModelFormatException(name + ": metadata " + Quote.of(key) + " nests arrays more than "
                        + MAX_ARRAY_NESTING + " deep");
            }
            GgufValueType elementType = valueType("array " + Quote.of(key) + "");
            long count = u64("length of array " + Quote.of(key) + "");
            // Before allocating: every element takes at least a few bytes of the file.
            if (count > (file.byteSize() - pos) / minimumBytes(elementType)) {
                throw new ModelFormatException(name + ": truncated or corrupt file: array " + Quote.of(key) + " of " + count
                        + " " + elementType + " elements runs past the end (" + file.byteSize() + " bytes)");
            }
            int n = Math.toIntExact(count);
            Object values = switch (elementType) {
                case UINT8, INT8, UINT16, INT16, INT32 -> {
                    int[] out = new int[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = ((Number) value(elementType, key)).intValue();
                    }
                    yield out;
                }
                case UINT32, UINT64, INT64 -> {
                    long[] out = new long[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = ((Number) value(elementType, key)).longValue();
                    }
                    yield out;
                }
                case FLOAT32 -> {
                    need(4L * n, "array " + Quote.of(key));
                    float[] out = file.asSlice(pos, 4L * n).toArray(F32);
                    pos += 4L * n;
                    yield out;
                }
                case FLOAT64 -> {
                    need(8L * n, "array " + Quote.of(key));
                    double[] out = file.asSlice(pos, 8L * n).toArray(F64);
                    pos += 8L * n;
                    yield out;
                }
                case BOOL -> {
                    boolean[] out = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = (Boolean) value(elementType, key);
                    }
                    yield out;
                }
                case STRING -> {
                    String[] out = new String[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = string("element of " + Quote.of(key));
                    }
                    yield out;
                }
                case ARRAY -> {
                    GgufArray[] out = new GgufArray[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = array(key, depth + 1);
                    }
                    yield out;
                }
            };
            return new GgufArray(elementType, values);
        }

        /** The fewest bytes one value of {@code type} takes: a string its length, an array its type and count. */
        private static int minimumBytes(GgufValueType type) {
            return switch (type) {
                case STRING -> 8;
                case ARRAY -> 12;
                default -> type.fixedBytes();
            };
        }
    }
}
