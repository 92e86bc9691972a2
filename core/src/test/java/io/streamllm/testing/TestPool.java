package io.streamllm.testing;

import io.streamllm.tensor.Parallel;

/**
 * One thread pool shared by the tests that run kernels or load engine models without the public API (which gives
 * every model a pool of its own). Sized by the system property {@code streamllm.threads}, else one thread per
 * core; never closed: its daemon threads end with the test JVM.
 */
public final class TestPool {
    private TestPool() {
    }

    private static final class Holder {
        static final Parallel POOL = Parallel.create(Integer.getInteger("streamllm.threads", Parallel.defaultThreads()));
    }

    public static Parallel shared() {
        return Holder.POOL;
    }
}
