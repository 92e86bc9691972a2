package io.streamllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.chat.ToolCallFormat;
import org.junit.jupiter.api.Test;

/** tools and tool_choice read from a body, and the schema a forced call is constrained to. */
class ToolRequestTest {
    private static final String WEATHER = "{\"type\": \"function\", \"function\": {\"name\": \"weather\", \"parameters\":"
            + " {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}";
    private static final String TIME = "{\"type\": \"function\", \"function\": {\"name\": \"time\"}}";

    private static JsonNode json(String text) throws Exception {
        return TestServers.JSON.readTree(text);
    }

    @Test
    void choicesAreRead() throws Exception {
        assertThat(ToolRequest.parse(json("{}"))).isSameAs(ToolRequest.NONE);
        assertThat(ToolRequest.parse(json("{\"tools\": [" + WEATHER + "]}")).choice()).isEqualTo(ToolRequest.Choice.AUTO);
        ToolRequest none = ToolRequest.parse(json("{\"tools\": [" + WEATHER + "], \"tool_choice\": \"none\"}"));
        assertThat(none.parsesCalls()).isFalse();
        assertThat(none.definitions()).hasSize(1); // still rendered
        assertThat(ToolRequest.parse(json("{\"tools\": [" + WEATHER + "], \"tool_choice\": \"required\"}")).forced()).isTrue();
    }

    @Test
    void namedCallSchemaFixesTheNameAndTakesTheParameters() throws Exception {
        ToolRequest named = ToolRequest.parse(json("{\"tools\": [" + WEATHER + ", " + TIME + "],"
                + " \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"weather\"}}}"));
        assertThat(json(named.callSchema(ToolCallFormat.HERMES))).isEqualTo(json("{\"type\": \"object\", \"properties\": {"
                + "\"name\": {\"const\": \"weather\"}, \"arguments\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}},"
                + " \"required\": [\"city\"]}}, \"required\": [\"name\", \"arguments\"], \"additionalProperties\": false}"));
    }

    @Test
    void requiredCallSchemaListsTheNamesAndUsesTheFormatsKey() throws Exception {
        ToolRequest required = ToolRequest.parse(json("{\"tools\": [" + WEATHER + ", " + TIME + "], \"tool_choice\": \"required\"}"));
        assertThat(json(required.callSchema(ToolCallFormat.LLAMA_JSON))).isEqualTo(json("{\"type\": \"object\", \"properties\": {"
                + "\"name\": {\"enum\": [\"time\", \"weather\"]}, \"parameters\": {\"type\": \"object\"}},"
                + " \"required\": [\"name\", \"parameters\"], \"additionalProperties\": false}"));
        ToolRequest one = ToolRequest.parse(json("{\"tools\": [" + TIME + "], \"tool_choice\": \"required\"}"));
        assertThat(json(one.callSchema(ToolCallFormat.MISTRAL)).get("properties").get("arguments")).isEqualTo(json("{\"type\": \"object\"}"));
    }
}
