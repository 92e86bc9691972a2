package io.streamllm.server;

import io.streamllm.api.Conversation;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamllmException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Sessions on disk ({@code serve --state-dir}). Each session has a transcript, {@code <stem>.json},
 * and the cache snapshot of the same turn, {@code <stem>.<turn>.snapshot}. A turn is saved in this
 * order: the new snapshot (under a new name), then the transcript naming it and its checksum (the
 * commit point), then the old snapshot is deleted. A crash at any point thus leaves a transcript and
 * the snapshot it names, or a transcript whose snapshot is missing or fails its checksum, which is
 * then rebuilt from the transcript's tokens: never a mix of two turns.
 *
 * <p>Replicas may share the directory: {@code leases/<stem>.lock} is the lock file of each session ({@link SessionLocks}).
 *
 * <p>The stem is {@code s-<id>} for ids of plain characters and {@code h-<sha-256 of the id>} for any
 * other, so that any id maps to one safe file name.
 */
final class StateDirectory {
    /** Ids used as they are in file names: no dots, so that a stem never prefixes another session's files. */
    private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9_-]{1,100}");

    /** The sessions' lock files live in this subdirectory (no dot: never taken for a session's files). */
    static final String LOCKS = "leases";
    /**
     * A temporary file older than this is a crashed write's; a younger one may be another replica's write in
     * progress (replicas may share the directory), so it is left to that replica.
     */
    static final Duration ABANDONED_TEMPORARY = Duration.ofMinutes(10);

    private final Path directory;
    private final SessionLocks locks;

    StateDirectory(Path directory) {
        try {
            Files.createDirectories(directory);
            removeTemporaryFiles(directory);
            locks = new SessionLocks(directory.resolve(LOCKS), SessionLocks.processOwner());
        } catch (IOException e) {
            throw new StreamllmException("cannot use state directory " + directory + ": " + e.getMessage());
        }
        if (!Files.isWritable(directory)) {
            throw new StreamllmException("state directory " + directory + " is not writable");
        }
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    /** The sessions' lock files, which keep server replicas sharing this directory from writing a session at once. */
    SessionLocks locks() {
        return locks;
    }

    /** Saves the turn: snapshot, then transcript; returns the transcript as saved (naming its snapshot). */
    Transcript save(Transcript transcript, Conversation conversation) throws IOException {
        String stem = stem(transcript.id());
        String snapshotName = stem + "." + transcript.stats().turns() + ".snapshot";
        long crc = SnapshotFile.write(directory.resolve(snapshotName), conversation);
        Transcript saved = transcript.withSnapshot(snapshotName, crc);
        byte[] json = saved.toJson();
        DurableFiles.write(transcriptFile(transcript.id()), out -> out.write(json));
        return saved;
    }

    /** Deletes the snapshot of a turn that a newer one replaced (best effort, as below). */
    void deleteSnapshot(String name) {
        try {
            Files.deleteIfExists(directory.resolve(name));
        } catch (IOException e) {
            // only disk space: no transcript names it
        }
    }

    /**
     * Deletes the snapshots of session {@code id} but {@code keep} (null: all), left behind by the turns
     * before it; best effort, since a snapshot no transcript names is never read, only disk space.
     */
    void deleteSnapshotsExcept(String id, String keep) {
        try (DirectoryStream<Path> snapshots = Files.newDirectoryStream(directory, stem(id) + ".*.snapshot")) {
            for (Path snapshot : snapshots) {
                if (!snapshot.getFileName().toString().equals(keep)) {
                    Files.deleteIfExists(snapshot);
                }
            }
        } catch (IOException e) {
            // left for the next turn of the session to clean up
        }
    }

    /** Whether session {@code id} has a transcript (readable or not). */
    boolean has(String id) {
        return Files.exists(transcriptFile(id));
    }

    /** The saved transcript of session {@code id}, if any. */
    Optional<Transcript> transcript(String id) throws IOException {
        byte[] json;
        try {
            json = Files.readAllBytes(transcriptFile(id));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Transcript transcript = Transcript.fromJson(json);
        if (!transcript.id().equals(id)) {
            throw new IOException("the transcript is of session '" + transcript.id() + "'");
        }
        return Optional.of(transcript);
    }

    /**
     * The conversation saved in the snapshot the transcript names.
     *
     * @throws IOException when there is none, it is damaged, or it was taken under other session options
     *                     (cache policy, KV type, chunks) than {@code model}'s
     */
    Conversation restoreSnapshot(Transcript transcript, ServedModel model) throws IOException {
        if (transcript.snapshot() == null || !transcript.snapshot().equals(Path.of(transcript.snapshot()).getFileName().toString())) {
            throw new IOException("the transcript names no snapshot");
        }
        Conversation conversation = SnapshotFile.read(directory.resolve(transcript.snapshot()),
                transcript.snapshotCrc32c(), model.model());
        if (!conversation.options().equals(model.sessionOptions())) {
            throw new IOException("snapshot " + transcript.snapshot() + " was taken under " + describe(conversation.options())
                    + "; the server runs " + describe(model.sessionOptions()));
        }
        return conversation;
    }

    private static String describe(SessionOptions options) {
        return "cache " + options.policy().spec() + ", KV " + options.kvType() + ", prefill chunk "
                + options.prefillChunk() + ", evict chunk " + options.evictChunk();
    }

    /** Moves a session's unusable files aside (kept for inspection) so that the id starts afresh. */
    Path setAside(String id) throws IOException {
        Path transcript = transcriptFile(id);
        Path aside = transcript.resolveSibling(transcript.getFileName() + ".unusable-" + System.currentTimeMillis());
        Files.move(transcript, aside);
        DurableFiles.syncDirectory(directory);
        return aside;
    }

    /** The files of one session (or of one set aside), under the stem of their names. */
    record StoredSession(String stem, long bytes, long lastModifiedMillis) {
    }

    /** The sessions on disk, least recently saved first. */
    List<StoredSession> list() throws IOException {
        Map<String, StoredSession> sessions = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                int dot = name.indexOf('.');
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(file, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    continue; // replaced or deleted meanwhile
                }
                if (dot <= 0 || !attributes.isRegularFile() || name.contains(DurableFiles.TEMP_MARK)) {
                    continue;
                }
                StoredSession entry = new StoredSession(name.substring(0, dot), attributes.size(),
                        attributes.lastModifiedTime().toMillis());
                sessions.merge(entry.stem(), entry, (a, b) -> new StoredSession(a.stem(), a.bytes() + b.bytes(),
                        Math.max(a.lastModifiedMillis(), b.lastModifiedMillis())));
            }
        }
        List<StoredSession> oldestFirst = new ArrayList<>(sessions.values());
        oldestFirst.sort(Comparator.comparingLong(StoredSession::lastModifiedMillis));
        return oldestFirst;
    }

    /**
     * Deletes every file of the stem, the transcript first, so that a crash half-way leaves at most unnamed
     * snapshots. Not fsynced: a session that a crash brings back is only disk space until the next sweep.
     */
    void deleteStem(String stem) throws IOException {
        Files.deleteIfExists(directory.resolve(stem + ".json"));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, stem + ".*")) {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Forgets session {@code id}: its transcript and snapshots. */
    void delete(String id) throws IOException {
        Files.deleteIfExists(transcriptFile(id));
        deleteSnapshotsExcept(id, null);
        DurableFiles.syncDirectory(directory);
    }

    private Path transcriptFile(String id) {
        return directory.resolve(stem(id) + ".json");
    }

    static String stem(String id) {
        if (PLAIN_ID.matcher(id).matches()) {
            return "s-" + id;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return "h-" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static void removeTemporaryFiles(Path directory) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + DurableFiles.TEMP_MARK + "*")) {
            long abandonedBefore = System.currentTimeMillis() - ABANDONED_TEMPORARY.toMillis();
            for (Path file : files) {
                try {
                    if (Files.getLastModifiedTime(file).toMillis() < abandonedBefore) {
                        Files.deleteIfExists(file);
                    }
                } catch (NoSuchFileException e) {
                    // its writer renamed or deleted it meanwhile
                }
            }
        }
    }
}
