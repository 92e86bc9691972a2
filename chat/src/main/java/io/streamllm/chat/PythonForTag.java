package io.streamllm.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ObjectTruthValue;
import org.apache.commons.lang3.tuple.Pair;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinjava's {@code for} with jinja2's loop filter, {@code {% for m in messages if m.role == 'user' %}}: only
 * the items the condition keeps are iterated, and {@code loop.index}, {@code loop.first}, {@code loop.last}
 * count those alone. Jinjava reads the {@code if} as a conditional expression instead and iterates nothing.
 * In jinja2 a bare {@code if} after the iterable is always the filter (a conditional iterable needs
 * parentheses), so the first {@code if} outside brackets and strings starts it.
 */
final class PythonForTag extends ForTag {
    private static final long serialVersionUID = 1L;

    @Override
    public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
        Pair<List<String>, String> loop = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
        String expression = loop.getRight();
        int filter = filterStart(expression);
        if (filter < 0) {
            return super.interpretUnchecked(tagNode, interpreter);
        }
        Object collection = interpreter.resolveELExpression(expression.substring(0, filter), tagNode.getLineNumber());
        String condition = expression.substring(filter + " if ".length());
        List<Object> kept = new ArrayList<>();
        for (Object item : items(collection)) {
            try (var scope = interpreter.enterScope()) {
                bind(loop.getLeft(), item, interpreter);
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition, tagNode.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return renderForCollection(tagNode, interpreter, loop.getLeft(), kept);
    }

    /** Where " if " first occurs outside brackets and string literals, or -1. */
    static int filterStart(String expression) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && expression.startsWith(" if ", i)) {
                return i;
            }
        }
        return -1;
    }

    /** The loop variables for one item: the item itself, or its parts when several names unpack it. */
    private static void bind(List<String> names, Object item, JinjavaInterpreter interpreter) {
        if (names.size() == 1) {
            interpreter.getContext().put(names.getFirst(), item);
            return;
        }
        List<Object> parts = item instanceof Map.Entry<?, ?> entry ? List.of(entry.getKey(), entry.getValue()) : items(item);
        for (int i = 0; i < names.size() && i < parts.size(); i++) {
            interpreter.getContext().put(names.get(i), parts.get(i));
        }
    }

    private static List<Object> items(Object collection) {
        List<Object> items = new ArrayList<>();
        if (collection instanceof Map<?, ?> map) {
            items.addAll(map.keySet()); // iterating a dict gives its keys, as in Python
        } else if (collection instanceof Iterable<?> iterable) {
            iterable.forEach(items::add);
        } else if (collection != null && collection.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(collection); i++) {
                items.add(Array.get(collection, i));
            }
        } else if (collection != null) {
            items.add(collection);
        }
        return items;
    }
}
