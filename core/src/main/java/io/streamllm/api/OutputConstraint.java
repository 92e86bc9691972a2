package io.streamllm.api;

/**
 * TEMPORARY stub (branch issue-tools): the shape of the constrained-decoding API that branch
 * issue-structured implements. It only stores the schema; no engine reads it.
 */
public final class OutputConstraint {
    private final String schemaJson;

    private OutputConstraint(String schemaJson) {
        this.schemaJson = schemaJson;
    }

    /**
     * Output that is JSON valid against a schema.
     *
     * @param schemaJson the JSON schema, as text
     * @return the constraint
     */
    public static OutputConstraint jsonSchema(String schemaJson) {
        return new OutputConstraint(schemaJson);
    }

    /**
     * Output that is any JSON object.
     *
     * @return the constraint
     */
    public static OutputConstraint anyJsonObject() {
        return new OutputConstraint("{\"type\": \"object\"}");
    }

    /**
     * The schema of this constraint.
     *
     * @return the schema, as JSON text
     */
    public String schemaJson() {
        return schemaJson;
    }
}
