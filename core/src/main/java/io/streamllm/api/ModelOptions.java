package io.streamllm.api;

/**
 * How a model is loaded.
 *
 * @param threads the threads its matrix kernels run on; the model owns this pool and stops it on close
 */
public record ModelOptions(int threads) {

    /** Checks the thread count. */
    public ModelOptions {
        if (threads < 1) {
            throw new InvalidSettingException("a model needs at least 1 thread, got " + threads);
        }
    }

    /** {@return one thread per physical core the JVM may use (hyper-threads share a core's FMA units, so they are not counted)} */
    public static ModelOptions defaults() {
        return new ModelOptions(io.streamllm.tensor.Parallel.defaultThreads());
    }

    /**
     * A copy running on other threads.
     *
     * @param count threads, at least 1
     * @return the copy
     */
    public ModelOptions threads(int count) {
        return new ModelOptions(count);
    }
}
