package io.streamllm.server;

import java.time.Duration;

/**
 * The completion requests being answered, so that a shutdown can let them finish: once it
 * {@link #stopAdmitting() stops admitting}, new requests are refused and {@link #awaitNone} waits for
 * the ones in flight.
 */
final class InFlight {
    private int requests;
    private boolean admitting = true;

    /** Counts a request in; false once the server is shutting down (then the request is refused, not counted). */
    synchronized boolean enter() {
        if (!admitting) {
            return false;
        }
        requests++;
        return true;
    }

    synchronized void exit() {
        requests--;
        if (requests == 0) {
            notifyAll();
        }
    }

    synchronized void stopAdmitting() {
        admitting = false;
    }

    /** Waits until no request is in flight, or for {@code timeout}; returns whether none is. */
    synchronized boolean awaitNone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (requests > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
