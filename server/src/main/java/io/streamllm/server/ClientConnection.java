package io.streamllm.server;

import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.BooleanSupplier;

/**
 * Tells whether the client of a request whose answer is not streamed has closed its connection. Jetty
 * does not read a connection while its request is handled, so nothing notices the close; this reads
 * the socket itself (non-blocking, at most every {@link #POLL_NANOS}) once the body has been read:
 * end of stream or an error means the client is gone. A client that pipelines its next request meanwhile
 * (no OpenAI client does) would lose it, so such a connection is closed after its answer.
 */
final class ClientConnection implements BooleanSupplier {
    private static final long POLL_NANOS = 50_000_000;

    private final SocketChannel channel;
    private final Runnable closeAfterAnswer;
    private final ByteBuffer probe = ByteBuffer.allocate(1);
    private long lastPoll = System.nanoTime();
    private boolean gone;
    private boolean stopped;

    private ClientConnection(SocketChannel channel, Runnable closeAfterAnswer) {
        this.channel = channel;
        this.closeAfterAnswer = closeAfterAnswer;
    }

    /** The watch over the connection of {@code request}; one that never says gone where the connection is no plain socket. */
    static BooleanSupplier of(HttpServletRequest request, Runnable closeAfterAnswer) {
        ServletContextRequest jettyRequest = ServletContextRequest.getServletContextRequest(request);
        if (jettyRequest == null) {
            return () -> false;
        }
        EndPoint endPoint = jettyRequest.getConnectionMetaData().getConnection().getEndPoint();
        return endPoint instanceof SocketChannelEndPoint socket ? new ClientConnection(socket.getChannel(), closeAfterAnswer)
                : () -> false;
    }

    @Override
    public boolean getAsBoolean() {
        if (gone || stopped) {
            return gone;
        }
        long now = System.nanoTime();
        if (now - lastPoll < POLL_NANOS) {
            return false;
        }
        lastPoll = now;
        try {
            int read = channel.read(probe.clear());
            if (read < 0) {
                gone = true;
            } else if (read > 0) {
                stopped = true; // the next request came early: stop reading, close once answered
                closeAfterAnswer.run();
            }
        } catch (IOException e) {
            gone = true;
        }
        return gone;
    }
}
