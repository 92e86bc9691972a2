package io.streamllm.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;

import java.time.Instant;
import java.time.ZonedDateTime;

/**
 * The global functions Hugging Face gives chat templates. Jinjava calls static methods; the clock
 * comes from the rendering interpreter's configuration.
 */
public final class TemplateFunctions {
    private TemplateFunctions() {
    }

    /** {@code raise_exception(message)}: the template rejects the conversation. */
    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(String.valueOf(message));
    }

    /** {@code strftime_now(format)}: the current time, formatted as Python's strftime does. */
    public static String strftimeNow(Object format) {
        var config = JinjavaInterpreter.getCurrent().getConfig();
        Instant now = Instant.ofEpochMilli(config.getDateTimeProvider().getCurrentTimeMillis());
        return Strftime.format(String.valueOf(format), ZonedDateTime.ofInstant(now, config.getTimeZone()));
    }

    /** What {@code raise_exception} throws; the renderer turns it into a one-line error. */
    static final class TemplateRaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaisedException(String message) {
            super(message, null, false, false);
        }
    }
}
