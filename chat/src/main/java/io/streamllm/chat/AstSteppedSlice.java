package io.streamllm.chat;

import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/**
 * Python's slice with a step, {@code seq[start:stop:step]} (Qwen3's template walks {@code messages[::-1]}),
 * which Jinjava's parser lacks. Bounds follow Python: absent ones default by the step's sign, negative ones
 * count from the end, all are clamped. A string gives a string, anything else iterable a list.
 */
final class AstSteppedSlice extends AstRightValue {
    private final AstNode sequence;
    private final AstNode start;
    private final AstNode stop;
    private final AstNode step;

    /** @param start, stop null when absent */
    AstSteppedSlice(AstNode sequence, AstNode start, AstNode stop, AstNode step) {
        this.sequence = sequence;
        this.start = start;
        this.stop = stop;
        this.step = step;
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object base = sequence.eval(bindings, context);
        if (base == null) {
            return null;
        }
        List<Object> items = items(base);
        int length = items.size();
        int stride = index(step, bindings, context, 1);
        if (stride == 0) {
            throw new ELException("slice step cannot be zero");
        }
        int first = bound(index(start, bindings, context, stride > 0 ? 0 : length - 1), length, stride);
        int end = bound(index(stop, bindings, context, stride > 0 ? length : -length - 1), length, stride);
        List<Object> sliced = new ArrayList<>();
        for (int i = first; stride > 0 ? i < end : i > end; i += stride) {
            sliced.add(items.get(i));
        }
        if (base instanceof CharSequence) {
            StringBuilder text = new StringBuilder(sliced.size());
            sliced.forEach(text::append);
            return text.toString();
        }
        return sliced;
    }

    /** A Python index into a sequence of {@code length}: negative counts from the end, then clamped to the walk. */
    private static int bound(int index, int length, int stride) {
        if (index < 0) {
            index += length;
        }
        return stride > 0 ? Math.clamp(index, 0, length) : Math.clamp(index, -1, length - 1);
    }

    private static int index(AstNode node, Bindings bindings, ELContext context, int absent) {
        if (node == null) {
            return absent;
        }
        Object value = node.eval(bindings, context);
        if (value == null) {
            return absent;
        }
        if (value instanceof Number number) {
            return Math.toIntExact(number.longValue());
        }
        throw new ELException("slice indices must be integers, not " + value.getClass().getSimpleName());
    }

    private static List<Object> items(Object base) {
        List<Object> items = new ArrayList<>();
        if (base instanceof CharSequence text) {
            text.codePoints().forEach(c -> items.add(Character.toString(c)));
        } else if (base instanceof Iterable<?> iterable) {
            iterable.forEach(items::add);
        } else if (base.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(base); i++) {
                items.add(Array.get(base, i));
            }
        } else {
            throw new ELException("cannot slice a " + base.getClass().getSimpleName());
        }
        return items;
    }

    @Override
    public void appendStructure(StringBuilder builder, Bindings bindings) {
        sequence.appendStructure(builder, bindings);
        builder.append('[');
        appendBound(builder, start, bindings);
        builder.append(':');
        appendBound(builder, stop, bindings);
        builder.append(':');
        step.appendStructure(builder, bindings);
        builder.append(']');
    }

    private static void appendBound(StringBuilder builder, AstNode bound, Bindings bindings) {
        if (bound != null) {
            bound.appendStructure(builder, bindings);
        }
    }

    @Override
    public String toString() {
        return "[::]";
    }

    @Override
    public int getCardinality() {
        return 4;
    }

    @Override
    public AstNode getChild(int i) {
        return switch (i) {
            case 0 -> sequence;
            case 1 -> start;
            case 2 -> stop;
            case 3 -> step;
            default -> null;
        };
    }
}
