package io.streamllm.gguf;

import io.streamllm.tensor.GgmlType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes GGUF v3 files: metadata first, then tensors whose bytes are produced by a callback straight
 * into the memory-mapped output, so that multi-gigabyte files never sit in the Java heap.
 * The file is written under a temporary name and renamed when complete.
 */
public final class GgufWriter {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private record Entry(GgufValueType type, Object value) {
    }

    private record PendingTensor(String name, GgmlType type, long[] shape, Consumer<MemorySegment> fill) {
    }

    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final int alignment;

    public GgufWriter() {
        this(GgufFile.DEFAULT_ALIGNMENT);
    }

    public GgufWriter(int alignment) {
        this.alignment = alignment;
        if (alignment != GgufFile.DEFAULT_ALIGNMENT) {
            putUInt32("general.alignment", alignment);
        }
    }

    public GgufWriter put(String key, GgufValueType type, Object value) {
        metadata.put(key, new Entry(type, value));
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putArray(String key, GgufArray array) {
        return put(key, GgufValueType.ARRAY, array);
    }

    public GgufWriter putStrings(String key, String[] values) {
        return putArray(key, new GgufArray(GgufValueType.STRING, values));
    }

    public GgufWriter putFloats(String key, float[] values) {
        return putArray(key, new GgufArray(GgufValueType.FLOAT32, values));
    }

    public GgufWriter putInts(String key, int[] values) {
        return putArray(key, new GgufArray(GgufValueType.INT32, values));
    }

    /**
     * Adds a tensor; {@code fill} receives the tensor's slice of the output file (exactly
     * {@code type.bytesFor(elements)} bytes) and must write all of it.
     *
     * @param shape ggml order: the contiguous dimension first
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, Consumer<MemorySegment> fill) {
        tensors.add(new PendingTensor(name, type, shape.clone(), fill));
        return this;
    }

    /** Adds an F32 tensor from an array. */
    public GgufWriter addTensor(String name, long[] shape, float[] values) {
        return addTensor(name, GgmlType.F32, shape, dst -> MemorySegment.copy(values, 0, dst, F32, 0, values.length));
    }

    /** Writes the file: header and metadata, tensor infos, then the tensor data, each tensor aligned. */
    public void write(Path path) {
        MemorySegment header = encodeHeader();
        long dataStart = GgufFile.alignUp(header.byteSize(), alignment);
        long[] offsets = new long[tensors.size()];
        long dataSize = 0;
        for (int i = 0; i < tensors.size(); i++) {
            offsets[i] = dataSize;
            dataSize = GgufFile.alignUp(dataSize + byteSize(tensors.get(i)), alignment);
        }
        // The header holds the offsets, so encode it again now that they are known (same size).
        header = encodeHeader(offsets);
        Path tmp = path.resolveSibling(path.getFileName() + ".part");
        try (Arena arena = Arena.ofShared(); // tensor fillers may write from worker threads
             FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                     StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long total = dataStart + dataSize;
            MemorySegment out = channel.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
            MemorySegment.copy(header, 0, out, 0, header.byteSize());
            for (int i = 0; i < tensors.size(); i++) {
                PendingTensor t = tensors.get(i);
                t.fill().accept(out.asSlice(dataStart + offsets[i], byteSize(t)));
            }
            out.force();
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        try {
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the original error matters more
        }
    }

    private static long byteSize(PendingTensor t) {
        long n = 1;
        for (long d : t.shape()) {
            n *= d;
        }
        return t.type().bytesFor(n);
    }

    private MemorySegment encodeHeader() {
        return encodeHeader(new long[tensors.size()]);
    }

    private MemorySegment encodeHeader(long[] offsets) {
        Buffer b = new Buffer();
        b.i32(GgufFile.MAGIC);
        b.i32(3);
        b.i64(tensors.size());
        b.i64(metadata.size());
        metadata.forEach((key, entry) -> {
            b.string(key);
            b.i32(entry.type().ordinal());
            b.value(entry.type(), entry.value());
        });
        for (int i = 0; i < tensors.size(); i++) {
            PendingTensor t = tensors.get(i);
            b.string(t.name());
            b.i32(t.shape().length);
            for (long d : t.shape()) {
                b.i64(d);
            }
            b.i32(t.type().id());
            b.i64(offsets[i]);
        }
        return b.segment();
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class Buffer {
        private MemorySegment data = MemorySegment.ofArray(new byte[1 << 16]);
        private long size;

        private void ensure(long more) {
            if (size + more > data.byteSize()) {
                long capacity = Math.max(data.byteSize() * 2, size + more);
                MemorySegment bigger = MemorySegment.ofArray(new byte[Math.toIntExact(capacity)]);
                MemorySegment.copy(data, 0, bigger, 0, size);
                data = bigger;
            }
        }

        MemorySegment segment() {
            return data.asSlice(0, size);
        }

        void i8(int v) {
            ensure(1);
            data.set(ValueLayout.JAVA_BYTE, size++, (byte) v);
        }

        void i16(int v) {
            ensure(2);
            data.set(I16, size, (short) v);
            size += 2;
        }

        void i32(int v) {
            ensure(4);
            data.set(I32, size, v);
            size += 4;
        }

        void i64(long v) {
            ensure(8);
            data.set(I64, size, v);
            size += 8;
        }

        void f32(float v) {
            ensure(4);
            data.set(F32, size, v);
            size += 4;
        }

        void f64(double v) {
            ensure(8);
            data.set(F64, size, v);
            size += 8;
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            i64(bytes.length);
            ensure(bytes.length);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, data, size, bytes.length);
            size += bytes.length;
        }

        void value(GgufValueType type, Object value) {
            switch (type) {
                case UINT8, INT8 -> i8(((Number) value).intValue());
                case UINT16, INT16 -> i16(((Number) value).intValue());
                case UINT32, INT32 -> i32((int) ((Number) value).longValue());
                case UINT64, INT64 -> i64(((Number) value).longValue());
                case FLOAT32 -> f32(((Number) value).floatValue());
                case FLOAT64 -> f64(((Number) value).doubleValue());
                case BOOL -> i8((Boolean) value ? 1 : 0);
                case STRING -> string((String) value);
                case ARRAY -> array((GgufArray) value);
            }
        }

        void array(GgufArray array) {
            i32(array.elementType().ordinal());
            int n = array.length();
            i64(n);
            for (int i = 0; i < n; i++) {
                value(array.elementType(), java.lang.reflect.Array.get(array.values(), i));
            }
        }
    }
}
