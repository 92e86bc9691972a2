package io.streamllm.server;

import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Shares the one model among all generations, a token at a time, round-robin.
 *
 * <p>The forward pass already spreads each matmul over every core, so two passes at once would only
 * compete for the same cores (and the shared worker pool); instead generations take turns. A
 * generation holds the model for its prefill, then, after every token it generates, hands it to the
 * generation that has waited longest ({@link #yieldTurn}) and queues behind the others. A long answer
 * thus cannot starve a short one, and a new request waits for one step of each generation ahead of it,
 * not for whole answers.
 *
 * <p>The model is handed over explicitly (the releasing thread names the next owner): a fair
 * {@link ReentrantLock} released and re-acquired does not keep this order, its queue lets the
 * releasing thread back in ahead of waiters now and then.
 */
public final class ModelScheduler {
    private final ReentrantLock queueLock = new ReentrantLock();
    private final ArrayDeque<Thread> waiting = new ArrayDeque<>(); // guarded by queueLock
    private volatile Thread owner;

    /** Runs {@code work} holding the model; {@code work} calls {@link #yieldTurn} between its steps. */
    public <T> T exclusive(Supplier<T> work) {
        acquire();
        try {
            return work.get();
        } finally {
            release();
        }
    }

    private void acquire() {
        Thread me = Thread.currentThread();
        queueLock.lock();
        try {
            if (owner == null && waiting.isEmpty()) {
                owner = me;
                return;
            }
            waiting.add(me);
        } finally {
            queueLock.unlock();
        }
        awaitTurn(me);
    }

    private void release() {
        queueLock.lock();
        try {
            handTo(waiting.poll());
        } finally {
            queueLock.unlock();
        }
    }

    /** Lets every generation waiting for the model take a step first (called by the holder). */
    public void yieldTurn() {
        Thread me = Thread.currentThread();
        queueLock.lock();
        try {
            Thread next = waiting.poll();
            if (next == null) {
                return;
            }
            waiting.add(me);
            handTo(next);
        } finally {
            queueLock.unlock();
        }
        awaitTurn(me);
    }

    private void handTo(Thread next) {
        owner = next;
        if (next != null) {
            LockSupport.unpark(next);
        }
    }

    private void awaitTurn(Thread me) {
        boolean interrupted = false;
        while (owner != me) {
            LockSupport.park(this);
            interrupted |= Thread.interrupted(); // a generation is stopped by its cancel flag, not by interrupts
        }
        if (interrupted) {
            me.interrupt();
        }
    }

    /** Generations waiting for the model. */
    public int queueLength() {
        queueLock.lock();
        try {
            return waiting.size();
        } finally {
            queueLock.unlock();
        }
    }
}
