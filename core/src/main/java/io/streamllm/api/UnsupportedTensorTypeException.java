package io.streamllm.api;

/** A model with a tensor stored in a type this engine cannot compute with; the message names tensor and type. */
public class UnsupportedTensorTypeException extends ModelFormatException {
    /**
     * An error with a one-line message.
     *
     * @param message names the tensor and its type
     */
    public UnsupportedTensorTypeException(String message) {
        super(message);
    }
}
