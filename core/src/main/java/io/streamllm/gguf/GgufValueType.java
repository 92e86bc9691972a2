package io.streamllm.gguf;

/** The metadata value types of GGUF, by their on-disk id. */
public enum GgufValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1),
    STRING(-1), ARRAY(-1), UINT64(8), INT64(8), FLOAT64(8);

    private final int fixedBytes;

    GgufValueType(int fixedBytes) {
        this.fixedBytes = fixedBytes;
    }

    /** Bytes a value of this type takes, or -1 for the variable-length STRING and ARRAY. */
    public int fixedBytes() {
        return fixedBytes;
    }

    /** The type with on-disk id {@code id} (the ordinal), or null when there is none. */
    public static GgufValueType byId(int id) {
        GgufValueType[] all = values();
        return id >= 0 && id < all.length ? all[id] : null;
    }
}
