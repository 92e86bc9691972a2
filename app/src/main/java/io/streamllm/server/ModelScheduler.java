package io.streamllm.server;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Shares the one model among all generations, a token at a time, round-robin.
 *
 * <p>The forward pass already spreads each matmul over every core, so two passes at once would only
 * compete for the same cores (and the shared worker pool); instead generations take turns. A
 * generation holds the model for its prefill, then gives it up after every token it generates
 * ({@link #yieldTurn}); the lock is fair, so each waiting generation gets one step before the same one
 * runs again. A long answer thus cannot starve a short one, and a new request waits for at most one
 * step of each generation ahead of it, not for whole answers.
 */
public final class ModelScheduler {
    private final ReentrantLock model = new ReentrantLock(true);

    /** Runs {@code work} holding the model; {@code work} calls {@link #yieldTurn} between its steps. */
    public <T> T exclusive(Supplier<T> work) {
        model.lock();
        try {
            return work.get();
        } finally {
            model.unlock();
        }
    }

    /** Lets every generation waiting for the model take a step first (called by the holder). */
    public void yieldTurn() {
        if (model.hasQueuedThreads()) {
            model.unlock();
            model.lock(); // fair: queues behind those already waiting
        }
    }

    /** Generations waiting for the model. */
    public int queueLength() {
        return model.getQueueLength();
    }
}
