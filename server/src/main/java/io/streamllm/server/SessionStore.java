package io.streamllm.server;

import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import io.streamllm.api.StreamllmException;
import io.streamllm.chat.ChatMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sessions in memory, at most {@code maxSessions} (each holds a whole KV cache), least recently
 * used first out. A request takes a session by a {@link Lease}: one request per session at a time;
 * a few more wait in line for a while, then get 409. With a state directory, a session that is not in
 * memory (evicted, or the server restarted) is restored from disk when it is next named, and every
 * turn is saved before the client is told it is done. {@link #sweep()} deletes sessions unused for
 * longer than their time to live, and the least recently used ones while the state directory is too big.
 *
 * <p>Server replicas may share one state directory. A request then also holds its session's lock file
 * ({@link SessionLocks}) from before the session is opened until its turn is saved: a request for a session another
 * replica is answering waits for it up to {@code --session-wait}, then gets 409 with Retry-After. A session kept
 * in memory is used only while its saved turn is still the last one on disk; when another replica has saved a
 * turn since, it is restored from that one.
 */
final class SessionStore {
    private static final Logger LOG = LoggerFactory.getLogger(SessionStore.class);
    /** Prefix of temporary sessions' internal ids: clients cannot name them (control characters are refused). */
    private static final String TEMPORARY = "\u0000temporary-";
    /** How often a request waiting for another replica's session tries its lock again. */
    private static final long LOCK_POLL_MILLIS = 20;

    private final ServedModel model;
    private final int maxSessions;
    private final ServerLimits limits;
    private final StateDirectory state;
    /** The sessions' lock files, with a state directory (null without). */
    private final SessionLocks locks;
    private final ModelScheduler scheduler;
    private final ServerMetrics metrics;
    private final LinkedHashMap<String, ChatSession> live = new LinkedHashMap<>(16, 0.75f, true);
    private final AtomicLong temporaryCount = new AtomicLong();
    private int waiting;
    /** Requests waiting for their session's lock, held by another replica. */
    private final AtomicInteger waitingForLock = new AtomicInteger();

    SessionStore(ServedModel model, int maxSessions, ServerLimits limits, StateDirectory state, ModelScheduler scheduler,
                 ServerMetrics metrics) {
        this.model = model;
        this.maxSessions = maxSessions;
        this.limits = limits;
        this.state = state;
        this.locks = state == null ? null : state.locks();
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    int maxSessions() {
        return maxSessions;
    }

    /** Takes session {@code id} (null: a new temporary one) for one request; close the lease when done. */
    Lease acquire(String id) {
        ChatSession session = claim(id);
        SessionLocks.Held lock;
        try {
            lock = persistent(session) ? lockAcross(session.id()) : null;
        } catch (RuntimeException | Error e) {
            release(session, false); // what it holds in memory is still good
            throw e;
        }
        try {
            if (session.conversation() != null && lock != null && !savedTurnIsLast(session)) {
                session.conversation(null);
                session.transcript(null);
                session.historyText(null);
            }
            if (session.conversation() == null) {
                open(session);
            }
            return new Lease(session, lock);
        } catch (RuntimeException | Error e) {
            closeQuietly(lock);
            release(session, true);
            throw e;
        }
    }

    private boolean persistent(ChatSession session) {
        return state != null && !session.temporary();
    }

    /**
     * Takes the session's lock file, waiting up to {@code --session-wait} while another replica holds it; 409 with
     * Retry-After naming the holder when it stays held.
     */
    private SessionLocks.Held lockAcross(String id) {
        String stem = StateDirectory.stem(id);
        long deadline = System.nanoTime() + limits.sessionWait().toNanos();
        boolean waited = false;
        try {
            while (true) {
                Optional<SessionLocks.Held> held = locks.tryLock(stem);
                if (held.isPresent()) {
                    if (waited) {
                        metrics.sessionLockWaited();
                    }
                    return held.get();
                }
                if (!waited) {
                    waited = true;
                    waitingForLock.incrementAndGet();
                }
                if (System.nanoTime() - deadline >= 0) {
                    metrics.sessionLockRefused();
                    throw ApiError.conflict("session '" + id + "' is answering a request on another server replica ("
                            + locks.holder(stem) + "); retry when it is done", 1 + limits.sessionWait().toSeconds());
                }
                Thread.sleep(LOCK_POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.conflict("session '" + id + "' is locked by another server replica; retry when it is done",
                    1 + limits.sessionWait().toSeconds());
        } catch (IOException e) {
            throw ApiError.unavailable("the lock file of session '" + id + "' cannot be used: " + e.getMessage(),
                    "session_unavailable");
        } finally {
            if (waited) {
                waitingForLock.decrementAndGet();
            }
        }
    }

    /**
     * Whether the turn the session holds in memory is still the last one saved (under its lock: no one saves
     * meanwhile). Another replica may have answered it since; then it must be restored from that replica's turn.
     */
    private boolean savedTurnIsLast(ChatSession session) {
        Transcript inMemory = session.transcript();
        Optional<Transcript> onDisk;
        try {
            onDisk = state.transcript(session.id());
        } catch (IOException | RuntimeException e) {
            return false; // open() sets it aside and starts afresh, as after a restart
        }
        if (inMemory == null || onDisk.isEmpty()) {
            return inMemory == null && onDisk.isEmpty();
        }
        Transcript saved = onDisk.get();
        return Objects.equals(saved.snapshot(), inMemory.snapshot()) && saved.snapshotCrc32c() == inMemory.snapshotCrc32c()
                && Objects.equals(saved.updated(), inMemory.updated());
    }

    private static void closeQuietly(SessionLocks.Held lock) {
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException e) {
                LOG.warn("cannot release a session lock: " + e.getMessage());
            }
        }
    }

    private synchronized ChatSession claim(String id) {
        if (id != null) {
            ChatSession session = live.get(id);
            if (session != null && session.busy) {
                session = awaitFree(session);
            }
            if (session != null) {
                session.busy = true;
                return session;
            }
        }
        makeRoom();
        ChatSession session = id != null ? new ChatSession(id, false)
                : new ChatSession(TEMPORARY + temporaryCount.incrementAndGet(), true);
        session.busy = true;
        live.put(session.id(), session);
        return session;
    }

    /**
     * Waits in the session's line until it is free (then returns it) or gone from memory (then null: the
     * caller opens it again); 409 with Retry-After when the line is full or the wait runs out (the caller holds the lock).
     */
    private ChatSession awaitFree(ChatSession session) {
        if (session.waiting >= limits.sessionQueue()) {
            throw busy(session.id());
        }
        long deadline = System.nanoTime() + limits.sessionWait().toNanos();
        session.waiting++;
        waiting++;
        try {
            while (session.busy && live.get(session.id()) == session) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw busy(session.id());
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy(session.id());
        } finally {
            session.waiting--;
            waiting--;
        }
        return live.get(session.id()) == session ? session : null;
    }

    private ApiError busy(String id) {
        return ApiError.conflict("session '" + id + "' is answering another request and " + limits.sessionQueue()
                + " more wait for it; retry when it is done", 1 + limits.sessionWait().toSeconds());
    }

    /** Evicts the least recently used idle session when all slots are taken (the caller holds the lock). */
    private void makeRoom() {
        if (live.size() < maxSessions) {
            return;
        }
        for (Iterator<ChatSession> sessions = live.values().iterator(); sessions.hasNext(); ) {
            if (!sessions.next().busy) {
                sessions.remove();
                metrics.sessionEvicted();
                return;
            }
        }
        throw ApiError.unavailable("all " + maxSessions + " sessions are answering requests; retry later,"
                + " or start the server with a larger --max-sessions", "too_many_sessions");
    }

    private synchronized void release(ChatSession session, boolean broken) {
        session.busy = false;
        session.lastUsedNanos = System.nanoTime();
        if (broken || session.temporary()) {
            live.remove(session.id());
        }
        notifyAll(); // whoever waits for this session
    }

    /** Creates the session's conversation, restoring it from disk when it was saved. */
    private void open(ChatSession session) {
        Optional<Transcript> saved = state == null || session.temporary() ? Optional.empty() : savedTranscript(session.id());
        if (saved.isEmpty()) {
            session.conversation(fresh());
            return;
        }
        Transcript transcript = saved.get();
        Conversation conversation;
        try {
            conversation = state.restoreSnapshot(transcript, model);
            if (!Arrays.equals(conversation.history(), transcript.tokens())) {
                throw new IOException("its token history differs from the transcript's");
            }
            metrics.sessionRestored("snapshot");
        } catch (IOException | RuntimeException e) {
            LOG.warn("session '" + session.id() + "': the cache snapshot cannot be used (" + firstLine(e)
                    + "); rebuilding it from the transcript's " + transcript.tokens().length + " tokens");
            conversation = prefilled(transcript.tokens());
            metrics.sessionRestored("transcript");
        }
        session.conversation(conversation);
        state.deleteSnapshotsExcept(session.id(), transcript.snapshot());
        session.transcript(transcript.withStats(transcript.stats().withCacheOf(conversation)));
    }

    /** A new, empty conversation; 503 when its cache cannot be had. */
    private Conversation fresh() {
        try {
            return model.newConversation();
        } catch (StreamllmException e) {
            throw ApiError.unavailable("no memory for another session: " + e.getMessage(), "insufficient_memory");
        }
    }

    /** The saved transcript of a session of this model; an unreadable or foreign one is set aside. */
    private Optional<Transcript> savedTranscript(String id) {
        String problem;
        try {
            Optional<Transcript> saved = state.transcript(id);
            if (saved.isEmpty() || saved.get().model().equals(model.id())) {
                return saved;
            }
            problem = "it is a conversation with model " + saved.get().model() + ", not " + model.id();
        } catch (IOException | RuntimeException e) {
            problem = "its transcript cannot be read (" + firstLine(e) + ")";
        }
        try {
            state.deleteSnapshotsExcept(id, null); // no transcript names them any more
            Path aside = state.setAside(id);
            LOG.warn("session '" + id + "' starts afresh: " + problem + "; its file was moved to " + aside);
        } catch (IOException e) {
            throw ApiError.unavailable("session '" + id + "' cannot be restored: " + problem
                    + ", and its file cannot be moved aside: " + e.getMessage(), "session_unavailable");
        }
        metrics.sessionRestored("unusable");
        return Optional.empty();
    }

    private static String firstLine(Exception e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** A conversation rebuilt by reading {@code tokens} again (the fallback when no snapshot can be used). */
    private Conversation prefilled(int[] tokens) {
        Conversation conversation = fresh();
        Sampling readOnly = Sampling.greedy().maxTokens(0);
        scheduler.exclusive(() -> conversation.reply(tokens, readOnly, text -> { }, () -> false));
        return conversation;
    }

    /** The last transcript of session {@code id}, from memory or disk. */
    Optional<Transcript> describe(String id) {
        synchronized (this) {
            ChatSession session = live.get(id);
            if (session != null && session.transcript() != null) {
                return Optional.of(session.transcript());
            }
        }
        if (state == null) {
            return Optional.empty();
        }
        try {
            return state.transcript(id);
        } catch (IOException e) {
            throw new ApiError(500, "server_error", "the saved transcript of session '" + id + "' cannot be read ("
                    + firstLine(e) + "); the session's next turn starts it afresh", "id", "session_unreadable");
        }
    }

    /** Forgets session {@code id}, in memory and on disk; false when there was no such session. */
    boolean delete(String id) throws IOException {
        boolean existed;
        synchronized (this) {
            ChatSession session = live.get(id);
            if (session != null && session.busy) {
                throw ApiError.conflict("session '" + id + "' is answering a request; delete it when that is done");
            }
            existed = live.remove(id) != null;
        }
        if (state != null) {
            Optional<SessionLocks.Held> lock = locks.tryLock(StateDirectory.stem(id));
            if (lock.isEmpty()) {
                throw ApiError.conflict("session '" + id + "' is answering a request (" + locks.holder(StateDirectory.stem(id))
                        + "); delete it when that is done");
            }
            try {
                existed |= state.has(id);
                state.delete(id);
            } finally {
                lock.get().deleteAndClose();
            }
        }
        return existed;
    }

    /**
     * Deletes, in memory and on disk, the idle sessions unused for longer than {@code --session-ttl}, then
     * the least recently used idle ones until the state directory fits {@code --state-max-bytes}.
     */
    void sweep() {
        if (state == null) {
            expireInMemory();
            return;
        }
        List<StateDirectory.StoredSession> stored;
        try {
            stored = state.list(); // oldest first
        } catch (IOException e) {
            LOG.warn("cannot list the state directory " + state.directory() + ": " + firstLine(e));
            return;
        }
        long listedNanos = System.nanoTime();
        long bytes = stored.stream().mapToLong(StateDirectory.StoredSession::bytes).sum();
        long expiredBefore = System.currentTimeMillis() - limits.sessionTtl().toMillis();
        for (StateDirectory.StoredSession session : stored) {
            boolean expired = session.lastModifiedMillis() < expiredBefore;
            if (!expired && bytes <= limits.stateMaxBytes()) {
                break;
            }
            if (deleteIfIdle(session, listedNanos)) {
                bytes -= session.bytes();
                metrics.sessionExpired(expired ? "ttl" : "size");
            }
        }
        metrics.stateDirectory(bytes);
    }

    /** Without a state directory: forgets the idle sessions unused for longer than their time to live. */
    private synchronized void expireInMemory() {
        long now = System.nanoTime();
        for (Iterator<ChatSession> sessions = live.values().iterator(); sessions.hasNext(); ) {
            ChatSession session = sessions.next();
            if (!session.busy && now - session.lastUsedNanos > limits.sessionTtl().toNanos()) {
                sessions.remove();
                metrics.sessionExpired("ttl");
            }
        }
    }

    /**
     * Deletes a stored session unless a request uses it, or used it since the directory was listed (then its
     * files are newer than listed). Under the lock: a request for it then opens it afresh, after the deletion.
     */
    private synchronized boolean deleteIfIdle(StateDirectory.StoredSession stored, long listedNanos) {
        for (Iterator<ChatSession> sessions = live.values().iterator(); sessions.hasNext(); ) {
            ChatSession session = sessions.next();
            if (StateDirectory.stem(session.id()).equals(stored.stem())) {
                if (session.busy || session.waiting > 0 || session.lastUsedNanos - listedNanos > 0) {
                    return false;
                }
                sessions.remove();
            }
        }
        try {
            Optional<SessionLocks.Held> lock = locks.tryLock(stored.stem());
            if (lock.isEmpty()) {
                return false; // another replica answers it: it is in use
            }
            try {
                state.deleteStem(stored.stem());
            } finally {
                lock.get().deleteAndClose();
            }
            return true;
        } catch (IOException e) {
            LOG.warn("cannot delete session files " + stored.stem() + ".* from " + state.directory() + ": " + firstLine(e));
            return false;
        }
    }

    /** Stats of the sessions in memory that have had a turn. */
    synchronized List<SessionStats> liveStats() {
        List<SessionStats> stats = new ArrayList<>(live.size());
        for (ChatSession session : live.values()) {
            Transcript transcript = session.transcript();
            if (transcript != null) {
                stats.add(transcript.stats());
            }
        }
        return stats;
    }

    /** A session clients named, as {@code GET /slots} shows it. */
    record Slot(String id, boolean busy, Transcript transcript) {
    }

    /** The sessions in memory that clients named (not the temporary ones), least recently used first. */
    synchronized List<Slot> slots() {
        List<Slot> slots = new ArrayList<>(live.size());
        for (ChatSession session : live.values()) {
            if (!session.temporary()) {
                slots.add(new Slot(session.id(), session.busy, session.transcript()));
            }
        }
        return slots;
    }

    /** Whether session {@code id} exists, in memory or in the state directory. */
    boolean exists(String id) {
        synchronized (this) {
            if (live.containsKey(id)) {
                return true;
            }
        }
        return state != null && state.has(id);
    }

    /** Requests waiting for their busy session (here, or on another replica sharing the state directory). */
    synchronized int waitingCount() {
        return waiting + waitingForLock.get();
    }

    synchronized int liveCount() {
        return live.size();
    }

    /** One request's hold on a session. */
    final class Lease implements AutoCloseable {
        private final ChatSession session;
        /** The session's lock file, held until the lease closes (null: no state directory, or a temporary session). */
        private final SessionLocks.Held lock;
        private boolean broken;
        private boolean closed;

        private Lease(ChatSession session, SessionLocks.Held lock) {
            this.session = session;
            this.lock = lock;
        }

        /** The client's id of the session, or null for a temporary one. */
        String sessionId() {
            return session.temporary() ? null : session.id();
        }

        Conversation conversation() {
            return session.conversation();
        }

        /** The last committed turn's transcript, or null before the first. */
        Transcript transcript() {
            return session.transcript();
        }

        Optional<HistoryText> historyText() {
            return session.historyText();
        }

        void historyText(HistoryText text) {
            session.historyText(text);
        }

        /**
         * Commits a turn: the new transcript becomes the session's, saved (snapshot and transcript,
         * durably) first when the session is kept on disk. On failure the session is dropped from memory,
         * so that its next request starts again from the last saved turn.
         */
        Transcript commit(SessionStats stats, List<ChatMessage> messages) throws IOException {
            Conversation conversation = session.conversation();
            Transcript previous = session.transcript();
            int[] history = conversation.history();
            Transcript transcript = new Transcript(Transcript.FORMAT, Transcript.VERSION, session.id(), model.id(),
                    model.policy().spec(), Instant.now().toString(), stats, messages,
                    model.model().tokenizer().decode(history), history, null, 0);
            if (state != null && !session.temporary()) {
                long start = System.nanoTime();
                try {
                    lock.verify();
                    transcript = state.save(transcript, conversation);
                } catch (IOException | RuntimeException e) {
                    broken = true;
                    throw e;
                }
                metrics.sessionSaved(System.nanoTime() - start);
                if (previous != null && previous.snapshot() != null && !previous.snapshot().equals(transcript.snapshot())) {
                    state.deleteSnapshot(previous.snapshot());
                }
            }
            session.transcript(transcript);
            return transcript;
        }

        /**
         * Puts {@code restored} in place of the session's conversation (llama-server's slot restore) and commits
         * it as a turn of its own, so that a state directory keeps it; the history's text is not known.
         */
        Transcript replace(Conversation restored) throws IOException {
            Transcript previous = session.transcript();
            SessionStats base = previous != null ? previous.stats() : SessionStats.empty(model.cacheCapacity());
            SessionStats counted = new SessionStats(base.turns() + 1, 0, 0, base.cacheCapacity(), 0, 0, 0, 0,
                    base.promptTokens(), base.reusedTokens(), base.prefilledTokens(), base.completionTokens(), 0, null, 0);
            session.conversation(restored);
            session.historyText(null);
            return commit(counted.withCacheOf(restored), null);
        }

        /** Marks the session's conversation as no longer trustworthy (a turn failed half-way). */
        void markBroken() {
            broken = true;
        }

        /** Gives the session back (again: nothing). */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                closeQuietly(lock);
                release(session, broken);
            }
        }
    }
}
