package io.streamllm.fuzz;

import java.util.List;

/** JSON fragments for the text mutator: syntax, boundary numbers, escapes and deep nesting. */
final class JsonDictionary {
    static final List<String> TOKENS = List.of(
            "{", "}", "[", "]", ":", ",", "\"", "\\", "\\u", "\\u0000", "\\ud800", "\\uDFFF", "null", "true", "false",
            "\"\"", "{}", "[]", "[[[[[[[[", "]]]]]]]]", "{\"a\":{\"a\":{\"a\":", "-", "0", "-1", "1e999", "-0.0",
            "2147483647", "2147483648", "-2147483649", "9223372036854775807", "18446744073709551615",
            "0.000000001", "1.5", "\"type\"", "\"id\"", "\"content\"", "\"ids\"", "\"vocab\"", "\"merges\"",
            "\"pattern\"", "\"Regex\"", "\"String\"", "\"Sequence\"", "\"(\"", "\"[\"", "\"\\\\\"", "\"(a+)+$\"",
            "\"special\"", "\"normalized\"", "\"added_tokens\"", "\"hidden_size\"", "\"num_attention_heads\"",
            "\"head_dim\"", "\"rope_scaling\"", "\"num_key_value_heads\"", "\"vocab_size\"", "\"model_type\"",
            "\"messages\"", "\"role\"", "\"prompt\"", "\"stop\"", "\"max_tokens\"", "\"temperature\"", "\"stream\"",
            "\u2581", "\u00e9", "\ud83d\ude42", "\u0000", "\r\n", "\t");

    private JsonDictionary() {
    }
}
