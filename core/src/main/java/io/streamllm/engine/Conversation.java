package io.streamllm.engine;

import io.streamllm.api.Generation;
import io.streamllm.api.Tokenizer;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * @deprecated the front ends move to the public {@link io.streamllm.api.Conversation}; this copy goes with them.
 *
 * A conversation that goes on for ever: one {@link Session} plus the full token history fed to it.
 * Each turn passes the whole conversation rendered as tokens (as OpenAI-style clients send it);
 * only the part past what was already fed is prefilled. Before each turn the cache makes room for
 * the new tokens and the answer ("evict for space"), so a turn never evicts mid-answer.
 */
@Deprecated(forRemoval = true)
public final class Conversation {

    /** What a turn cost and produced. */
    public record Turn(Generation result, int reusedTokens, int prefilledTokens, boolean restarted) {
    }

    private final Session session;
    private final Generator generator;
    private int[] history = new int[1024];
    private int historyLength;
    private long restarts;

    public Conversation(Session session, Tokenizer tokenizer) {
        this.session = session;
        this.generator = new Generator(session, tokenizer);
    }

    public Session session() {
        return session;
    }

    /** Tokens fed so far, prompts and answers. */
    public int historyLength() {
        return historyLength;
    }

    /** A copy of the token history. */
    public int[] history() {
        return Arrays.copyOf(history, historyLength);
    }

    /** How often a turn could not reuse the cache and the conversation was re-read from scratch. */
    public long restarts() {
        return restarts;
    }

    /**
     * Runs one turn: {@code conversation} is the whole conversation so far as tokens, ending with
     * the prompt for the answer (e.g. the chat template's generation prompt).
     */
    public Turn reply(int[] conversation, Generator.Settings settings, Consumer<String> onText, BooleanSupplier cancelled) {
        int common = commonPrefix(conversation);
        if (common == conversation.length && common > 0) {
            // Everything was fed already (a retried request): the answer needs the logits after the
            // last prompt token, so that token is fed again.
            common--;
        }
        boolean restarted = false;
        if (common < historyLength && !session.rollbackTo(common)) {
            // The conversation changed inside the evicted past: read it again from the start.
            session.reset();
            historyLength = 0;
            common = 0;
            restarted = true;
            restarts++;
        }
        historyLength = common;
        int[] newTokens = Arrays.copyOfRange(conversation, common, conversation.length);
        int budget = settings.maxTokens() < 0 ? 0 : settings.maxTokens();
        session.makeRoom(newTokens.length + budget);

        Generation result = generator.generate(newTokens, settings, onText, cancelled, this::append);
        return new Turn(result, common, newTokens.length, restarted);
    }

    /** Writes the token history and the session state, for {@link #readFrom}. */
    public void writeTo(DataOutputStream out) throws IOException {
        out.writeInt(historyLength);
        for (int i = 0; i < historyLength; i++) {
            out.writeInt(history[i]);
        }
        out.writeLong(restarts);
        session.writeTo(out);
    }

    /** Restores a conversation written by {@link #writeTo} (same model and cache policy). */
    public void readFrom(DataInputStream in) throws IOException {
        int length = in.readInt();
        int available = in.available(); // checked before allocating, when the stream knows what is left
        if (length < 0 || (available > 0 && length > available / Integer.BYTES)) {
            throw new IOException("corrupt conversation snapshot: a history of " + length + " tokens");
        }
        int[] tokens = new int[Math.max(1024, length)];
        for (int i = 0; i < length; i++) {
            tokens[i] = Session.checkedToken(in.readInt(), session.network().config().vocabularySize());
        }
        long restartCount = in.readLong();
        session.readFrom(in);
        history = tokens;
        historyLength = length;
        restarts = restartCount;
    }

    private int commonPrefix(int[] tokens) {
        int n = Math.min(historyLength, tokens.length);
        int i = 0;
        while (i < n && history[i] == tokens[i]) {
            i++;
        }
        return i;
    }

    private void append(int token) {
        if (historyLength == history.length) {
            history = Arrays.copyOf(history, history.length * 2);
        }
        history[historyLength++] = token;
    }
}
