package io.streamllm.structured;

/**
 * A JSON number in the canonical form {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?} (the fraction only for type number;
 * no exponent), with at most {@link #MAX_DIGITS} digits in each part so that a model cannot write digits for ever.
 */
final class NumberNode extends Node {
    static final int MAX_DIGITS = 15;
    private static final int START = 0, MINUS = 1, ZERO = 2, INTEGER = 3, POINT = 4, FRACTION = 5;
    private final boolean integer;

    NumberNode(boolean integer) {
        this.integer = integer;
    }

    @Override
    Frame accept(Frame self, int c) {
        int phase = self.a & 15;
        int digits = self.a >>> 4;
        boolean digit = c >= '0' && c <= '9';
        return switch (phase) {
            case START -> c == '-' ? state(self, MINUS, 0) : firstDigit(self, c);
            case MINUS -> firstDigit(self, c);
            case ZERO -> c == '.' && !integer ? state(self, POINT, 0) : null;
            case INTEGER -> digit && digits < MAX_DIGITS ? state(self, INTEGER, digits + 1)
                    : c == '.' && !integer ? state(self, POINT, 0) : null;
            case POINT -> digit ? state(self, FRACTION, 1) : null;
            case FRACTION -> digit && digits < MAX_DIGITS ? state(self, FRACTION, digits + 1) : null;
            default -> null;
        };
    }

    private static Frame firstDigit(Frame self, int c) {
        if (c == '0') {
            return state(self, ZERO, 1);
        }
        return c >= '1' && c <= '9' ? state(self, INTEGER, 1) : null;
    }

    private static Frame state(Frame self, int phase, int digits) {
        return self.with(phase | digits << 4, 0);
    }

    @Override
    boolean complete(Frame self) {
        int phase = self.a & 15;
        return phase == ZERO || phase == INTEGER || phase == FRACTION;
    }

    @Override
    int minRemaining(Frame self) {
        int phase = self.a & 15;
        return phase == START || phase == MINUS || phase == POINT ? 1 : 0;
    }
}
