package io.streamllm.chat;

import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import io.streamllm.api.StreamllmException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's own Jinja chat template (GGUF {@code tokenizer.chat_template} or Hugging Face
 * {@code tokenizer_config.json}), rendered as transformers renders it: variables {@code messages},
 * {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}.
 */
public final class JinjaChatTemplate implements ChatTemplate {
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final PythonJinjava jinjava;

    /**
     * @param bosToken the text of the model's BOS token ("" when it has none)
     * @param eosToken the text of the model's EOS token ("" when it has none)
     * @throws StreamllmException when Jinjava cannot parse the template
     */
    public JinjaChatTemplate(String source, String bosToken, String eosToken) {
        this(source, bosToken, eosToken, SystemClockJinjava.INSTANCE);
    }

    /** As above, with the clock that {@code strftime_now} reads. */
    public JinjaChatTemplate(String source, String bosToken, String eosToken, Clock clock) {
        this(source, bosToken, eosToken, new PythonJinjava(clock));
    }

    private JinjaChatTemplate(String source, String bosToken, String eosToken, PythonJinjava jinjava) {
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinjava = jinjava;
        checkSyntax();
    }

    /** Setting up Jinjava takes milliseconds; with the system clock one instance serves every template. */
    private static final class SystemClockJinjava {
        static final PythonJinjava INSTANCE = new PythonJinjava(Clock.systemDefaultZone());
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, List.of(), addGenerationPrompt);
    }

    /**
     * Templates that show tools get them in their {@code tools} variable and the messages' {@code tool_calls}
     * as transformers passes them (arguments as a mapping); the others get the Hermes rewriting.
     */
    @Override
    public String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt) {
        if (!ToolCallFormat.templateRendersTools(source) && HermesToolPrompt.needed(messages, tools)) {
            try {
                return renderBound(HermesToolPrompt.lower(messages, tools), List.of(), addGenerationPrompt);
            } catch (StreamllmException e) {
                if (tools.isEmpty() || messages.stream().anyMatch(m -> m.role().equals("system"))) {
                    throw e;
                }
                // Some templates (Gemma) refuse a system message: the signatures then open the first user message.
                return renderBound(HermesToolPrompt.lower(messages, tools, false), List.of(), addGenerationPrompt);
            }
        }
        return renderBound(messages, tools, addGenerationPrompt);
    }

    @Override
    public ToolCallFormat toolCallFormat() {
        return ToolCallFormat.templateRendersTools(source) ? ToolCallFormat.of(source) : ToolCallFormat.HERMES;
    }

    private String renderBound(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("role", message.role());
            entry.put("content", message.content());
            // Only present when there are some: templates ask "'tool_calls' in message" or "is defined".
            if (message.callsTools()) {
                List<Map<String, Object>> calls = new ArrayList<>();
                for (ToolCall call : message.toolCalls()) {
                    Map<String, Object> function = new LinkedHashMap<>();
                    function.put("name", call.name());
                    function.put("arguments", ToolCallParser.argumentsMap(call.arguments()));
                    Map<String, Object> wrapped = new LinkedHashMap<>();
                    wrapped.put("id", call.id());
                    wrapped.put("type", "function");
                    wrapped.put("function", function);
                    calls.add(wrapped);
                }
                entry.put("tool_calls", calls);
            }
            if (message.toolCallId() != null) {
                entry.put("tool_call_id", message.toolCallId());
            }
            list.add(entry);
        }
        Map<String, Object> bindings = new HashMap<>();
        if (!tools.isEmpty()) {
            bindings.put("tools", tools);
        }
        bindings.put("messages", list);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        // transformers defines strftime_now as a global, and Llama 3.2 asks "strftime_now is defined".
        bindings.put("strftime_now", true);
        RenderResult result = jinjava.renderForResult(source, bindings);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(error);
            }
        }
        return result.getOutput();
    }

    /** None: the end of an answer is the model's end-of-turn token, a special token that ends generation. */
    @Override
    public List<String> stopStrings() {
        return List.of();
    }

    @Override
    public String name() {
        return "model";
    }

    /** Parse errors show at parse time; rendering errors only for the conversations that reach them. */
    private void checkSyntax() {
        var interpreter = jinjava.newInterpreter();
        try {
            interpreter.parse(source);
        } catch (TemplateSyntaxException e) {
            // Some malformed tags ("{%}") are thrown rather than collected as errors.
            throw new StreamllmException("the model's chat template cannot be parsed: " + e.getMessage());
        }
        for (TemplateError error : interpreter.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL || error.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR) {
                throw new StreamllmException("the model's chat template cannot be parsed: " + describe(error));
            }
        }
    }

    private static StreamllmException failure(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateFunctions.TemplateRaisedException raised) {
                return new StreamllmException("the model's chat template rejects this conversation: " + raised.getMessage());
            }
        }
        return new StreamllmException("the model's chat template failed: " + describe(error));
    }

    private static String describe(TemplateError error) {
        String where = error.getLineno() > 0 ? " (line " + error.getLineno() + ")" : "";
        return error.getMessage() + where;
    }
}
