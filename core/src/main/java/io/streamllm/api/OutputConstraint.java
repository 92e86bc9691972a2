package io.streamllm.api;

import io.streamllm.structured.Grammar;
import io.streamllm.structured.SchemaCompiler;

/**
 * A constraint on generated text: the output is a JSON document that validates against a schema (structured
 * output, OpenAI's {@code response_format}). At each step the tokens that cannot continue a valid document are
 * masked out of the logits, so the output parses and validates whatever the model, and generation ends as soon as
 * the document is complete (an end-of-generation token is allowed only then).
 *
 * <p>The JSON is written in a canonical compact form: no whitespace between tokens (so that a small model cannot
 * loop on spaces), properties in the schema's order, numbers as {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?} with at most
 * 15 digits before and after the point, strings with the escapes {@code \" \\ \/ \b \f \n \r \t} (not
 * {@code \\u}). The schema subset: {@code type} (object, array, string, number, integer, boolean, null, or a list
 * of them), {@code properties}, {@code required} (the others are optional), {@code additionalProperties}
 * ({@code false}, or {@code true}/absent: only declared properties are written either way), {@code enum},
 * {@code const}, {@code items}, {@code minItems}, {@code maxItems}, {@code minLength}, {@code maxLength} (in code
 * points), {@code pattern}, {@code anyOf} with options starting with different JSON types, and non-recursive
 * {@code $ref} into {@code $defs} or {@code definitions}; descriptions, titles and other annotations are ignored.
 * A pattern is generated as a whole-string match of a regular-expression subset: literals, {@code .}, classes,
 * {@code \d \w \s}, groups, {@code |} and {@code * + ? {n,m}} over printable ASCII without {@code "} and
 * {@code \}; it cannot be combined with minLength/maxLength. Any other keyword is refused with an
 * {@link InvalidSettingException} naming it.
 *
 * <p>If the token budget ({@link Sampling#maxTokens()}) runs low, only tokens after which the document can still
 * be finished in the tokens left are allowed, so a budget of at least the shortest document's length in bytes
 * always yields a complete document; with less, the text is cut at the budget ({@link StopReason#MAX_TOKENS}).
 * Stop strings still apply and may cut the document.
 */
public final class OutputConstraint {
    private final Grammar grammar;
    private final String description;

    private OutputConstraint(Grammar grammar, String description) {
        this.grammar = grammar;
        this.description = description;
    }

    /**
     * Output that validates against a JSON schema.
     *
     * @param schemaJson the schema, as JSON text
     * @return the constraint
     * @throws InvalidSettingException if the schema is malformed or uses a feature outside the subset (named)
     */
    public static OutputConstraint jsonSchema(String schemaJson) {
        return new OutputConstraint(SchemaCompiler.compile(schemaJson), "jsonSchema(" + schemaJson + ")");
    }

    /**
     * Output that is any JSON object (OpenAI's {@code json_object} mode).
     *
     * @return the constraint
     */
    public static OutputConstraint anyJsonObject() {
        return new OutputConstraint(SchemaCompiler.anyObject(), "anyJsonObject()");
    }

    /**
     * Whether {@code text} is a complete document that this constraint accepts, as generation writes it (the
     * canonical compact form).
     *
     * @param text the text
     * @return true if the constrained decoder could have produced it
     */
    public boolean accepts(String text) {
        return grammar.matches(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Grammar grammar() {
        return grammar;
    }

    @Override
    public String toString() {
        return description;
    }
}
