package io.streamllm.model;

import io.streamllm.api.ModelFormatException;

/**
 * Range checks of the hyper-parameters a model file declares, each naming the key and the value:
 * a zero would divide by zero further on.
 */
public record ConfigCheck(String source) {
    public int positive(String key, int value) {
        if (value <= 0) {
            throw invalid(key, value, "must be positive");
        }
        return value;
    }

    public double positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw invalid(key, value, "must be a positive number");
        }
        return value;
    }

    public float epsilon(String key, float value) {
        if (!(value >= 0) || Float.isInfinite(value)) {
            throw invalid(key, value, "must be a non-negative number");
        }
        return value;
    }

    public int kvHeads(String key, int value, int heads, int headDim) {
        positive(key, value);
        if (heads % value != 0) {
            throw invalid(key, value, "does not divide the " + heads + " query heads");
        }
        if ((long) heads * headDim > Integer.MAX_VALUE) {
            throw invalid("head count x head size", (long) heads * headDim, "is too large");
        }
        return value;
    }

    public int ropeDimensions(String key, int value, int headDim) {
        if (value <= 0 || value % 2 != 0 || value > headDim) {
            throw invalid(key, value, "must be even and between 2 and the head size " + headDim);
        }
        return value;
    }

    public ModelFormatException invalid(String key, Object value, String why) {
        return new ModelFormatException(source + ": " + key + " = " + value + " " + why);
    }
}
