package io.streamllm.flink;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The input file as {@link Event}s, one per line. Lines are read as bytes (not through a charset reader, which
 * would replace invalid UTF-8 unnoticed). The format is not splittable, so the line numbers count from the start
 * of the file; after a restore Flink re-reads and skips the records already emitted, which keeps them right.
 */
final class EventLineFormat extends SimpleStreamFormat<Event> {
    private static final long serialVersionUID = 1L;

    /** Longer lines are cut here and reported as an error: a record must fit a cache anyway. */
    static final int MAX_LINE_BYTES = 1 << 20;

    @Override
    public StreamFormat.Reader<Event> createReader(Configuration config, FSDataInputStream stream) {
        return new LineReader(new BufferedInputStream(stream, 1 << 16));
    }

    @Override
    public TypeInformation<Event> getProducedType() {
        return TypeInformation.of(Event.class);
    }

    private static final class LineReader implements StreamFormat.Reader<Event> {
        private final InputStream in;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private long lineNumber;

        LineReader(InputStream in) {
            this.in = in;
        }

        @Override
        public Event read() throws IOException {
            buffer.reset();
            boolean tooLong = false;
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (buffer.size() < MAX_LINE_BYTES) {
                    buffer.write(b);
                } else {
                    tooLong = true;
                }
            }
            if (b == -1 && buffer.size() == 0 && !tooLong) {
                return null; // end of input (a last line without '\n' is still read above)
            }
            lineNumber++;
            if (tooLong) {
                return Event.bad(lineNumber, "", "record longer than " + MAX_LINE_BYTES + " bytes");
            }
            return EventParser.parse(lineNumber, buffer.toByteArray());
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
