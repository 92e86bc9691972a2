package io.streamllm.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;

import java.util.Map;

/** Filters whose Jinjava versions differ from jinja2 / transformers in ways chat templates notice. */
final class PythonFilters {
    private PythonFilters() {
    }

    /** {@code |trim}: Python's {@code str.strip()} (Jinjava trims only characters up to U+0020). */
    static final class Trim implements AdvancedFilter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            String chars = args.length > 0 && args[0] != null ? args[0].toString() : null;
            return PythonStr.strip(value == null ? "" : value.toString(), chars, true, true);
        }
    }

    /** {@code |tojson}: transformers' {@code json.dumps} version, with {@code indent} and {@code sort_keys}. */
    static final class ToJson implements AdvancedFilter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            return PythonJson.dumps(value, indent instanceof Number n ? n.intValue() : -1, sortKeys);
        }
    }
}
