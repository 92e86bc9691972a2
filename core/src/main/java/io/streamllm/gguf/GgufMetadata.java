package io.streamllm.gguf;

import io.streamllm.util.Quote;
import io.streamllm.api.ModelFormatException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file with typed getters. A missing or mistyped key gets a
 * {@link ModelFormatException} that names the key. Scalars are stored as Integer (8/16/32-bit
 * signed and small unsigned), Long (UINT32, UINT64, INT64), Float, Double, Boolean or String;
 * arrays as {@link GgufArray}.
 */
public final class GgufMetadata {
    private final String source;
    private final Map<String, Object> values;
    private final Map<String, GgufValueType> types;

    GgufMetadata(String source, Map<String, Object> values, Map<String, GgufValueType> types) {
        this.source = source;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The raw value (see the class comment for the Java types), or null when absent. */
    public Object get(String key) {
        return values.get(key);
    }

    public GgufValueType type(String key) {
        return types.get(key);
    }

    public String getString(String key) {
        return require(key, String.class, "a string");
    }

    public Optional<String> findString(String key) {
        return has(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    public long getLong(String key) {
        return require(key, Number.class, "an integer").longValue();
    }

    public int getInt(String key) {
        long value = getLong(key);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new ModelFormatException(source + ": metadata " + Quote.of(key) + " = " + value + " is out of range");
        }
        return (int) value;
    }

    public int getInt(String key, int fallback) {
        return has(key) ? getInt(key) : fallback;
    }

    public float getFloat(String key) {
        return require(key, Number.class, "a number").floatValue();
    }

    public float getFloat(String key, float fallback) {
        return has(key) ? getFloat(key) : fallback;
    }

    public boolean getBoolean(String key, boolean fallback) {
        return has(key) ? require(key, Boolean.class, "a boolean") : fallback;
    }

    public GgufArray getArray(String key) {
        return require(key, GgufArray.class, "an array");
    }

    public String[] getStringArray(String key) {
        GgufArray array = getArray(key);
        if (!(array.values() instanceof String[] strings)) {
            throw mistyped(key, "an array of strings");
        }
        return strings;
    }

    public float[] getFloatArray(String key) {
        GgufArray array = getArray(key);
        return switch (array.values()) {
            case float[] floats -> floats;
            case double[] doubles -> {
                float[] out = new float[doubles.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) doubles[i];
                }
                yield out;
            }
            default -> throw mistyped(key, "an array of floats");
        };
    }

    public int[] getIntArray(String key) {
        GgufArray array = getArray(key);
        return switch (array.values()) {
            case int[] ints -> ints;
            case long[] longs -> {
                int[] out = new int[longs.length];
                for (int i = 0; i < out.length; i++) {
                    if (longs[i] < Integer.MIN_VALUE || longs[i] > Integer.MAX_VALUE) {
                        throw new ModelFormatException(source + ": metadata '" + key + "'[" + i + "] = " + longs[i]
                                + " is out of range");
                    }
                    out[i] = (int) longs[i];
                }
                yield out;
            }
            default -> throw mistyped(key, "an array of integers");
        };
    }

    private <T> T require(String key, Class<T> type, String what) {
        Object value = values.get(key);
        if (value == null) {
            throw new ModelFormatException(source + ": metadata key " + Quote.of(key) + " is missing");
        }
        if (!type.isInstance(value)) {
            throw mistyped(key, what);
        }
        return type.cast(value);
    }

    private ModelFormatException mistyped(String key, String what) {
        return new ModelFormatException(source + ": metadata " + Quote.of(key) + " should be " + what
                + " but is " + types.get(key));
    }
}
