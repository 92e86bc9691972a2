package io.streamllm.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.api.OutputConstraint;
import io.streamllm.api.Sampling;
import io.streamllm.chat.RenderedChat;
import io.streamllm.chat.ToolCall;
import io.streamllm.chat.ToolCallFormat;
import io.streamllm.chat.ToolCallParser;

import java.util.List;
import java.util.function.Consumer;

/**
 * One chat turn with tools, in the model's call format: prefills and constrains a forced call
 * ({@code required} or a named tool_choice), reads the calls in the answer, and rewrites the
 * answer's JSON into OpenAI's {@code tool_calls} shape, whole or streamed.
 */
final class ToolTurn {
    /** How many characters of a call's arguments go in one streamed chunk, as OpenAI streams them in pieces. */
    private static final int ARGUMENT_FRAGMENT = 16;

    private final ToolRequest tools;
    private final ToolCallFormat format;
    private final ToolCallParser parser;

    ToolTurn(ToolRequest tools, ToolCallFormat format) {
        this.tools = tools;
        this.format = format;
        this.parser = new ToolCallParser(format);
    }

    /** Whether the answer is read for calls (tools offered, tool_choice not "none"). */
    boolean active() {
        return tools.parsesCalls();
    }

    /** The text the answer starts with: the format's opening of a call when one is forced, else nothing. */
    String prefill() {
        return tools.forced() ? format.opening() : "";
    }

    /** The prompt, followed by the forced call's opening. */
    RenderedChat prefilled(RenderedChat prompt) {
        return prefill().isEmpty() ? prompt : new RenderedChat(prompt.text() + prefill(), prompt.content());
    }

    /**
     * A forced call's sampling: constrained to a call's JSON object (the constraint ends the answer with it).
     * Until the constrained decoder is in the engine, the model may write anything; the answer is then text.
     */
    Sampling constrained(Sampling sampling) {
        return tools.forced() ? sampling.constraint(OutputConstraint.jsonSchema(tools.callSchema(format))) : sampling;
    }

    ToolCallParser.Parsed parse(String answer) {
        return parser.parse(prefill() + answer);
    }

    /** Rewrites a whole chat completion whose answer holds calls: message.tool_calls, finish_reason "tool_calls". */
    ObjectNode rewrite(ObjectNode completion, String answer) {
        ToolCallParser.Parsed parsed = parse(answer);
        if (!parsed.hasCalls()) {
            return completion;
        }
        ObjectNode choice = (ObjectNode) completion.get("choices").get(0);
        ObjectNode message = (ObjectNode) choice.get("message");
        if (parsed.content().isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", parsed.content());
        }
        ArrayNode calls = message.putArray("tool_calls");
        for (ToolCall call : parsed.calls()) {
            ObjectNode node = calls.addObject();
            node.put("id", call.id());
            node.put("type", "function");
            node.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        }
        choice.put("finish_reason", "tool_calls");
        return completion;
    }

    /**
     * Streams an answer of {@code answer}'s chunks into {@code chunks}: text goes out as it comes, except from
     * where a call may begin, which is held until the call is complete or turns out to be text.
     */
    Stream stream(OpenAiJson.Answer answer, Consumer<ObjectNode> chunks) {
        return new Stream(text -> chunks.accept(OpenAiJson.textChunk(answer, text, false)), delta -> {
            ObjectNode chunk = OpenAiJson.textChunk(answer, null, false);
            ((ObjectNode) chunk.get("choices").get(0)).set("delta", delta);
            chunks.accept(chunk);
        });
    }

    /** A streamed answer's last chunk: finish_reason "tool_calls" when it called. */
    static ObjectNode finished(ObjectNode finishChunk, boolean called) {
        if (called) {
            ((ObjectNode) finishChunk.get("choices").get(0)).put("finish_reason", "tool_calls");
        }
        return finishChunk;
    }

    final class Stream implements Consumer<String> {
        private final Consumer<String> text;
        private final Consumer<ObjectNode> deltas;
        private final StringBuilder answer = new StringBuilder();
        private int released;

        private Stream(Consumer<String> text, Consumer<ObjectNode> deltas) {
            this.text = text;
            this.deltas = deltas;
        }

        @Override
        public void accept(String piece) {
            answer.append(piece);
            if (tools.forced()) {
                return; // all of it is the call
            }
            int start = parser.possibleCallStart(answer.toString());
            int end = start < 0 ? answer.length() : start;
            if (end > released) {
                text.accept(answer.substring(released, end));
                released = end;
            }
        }

        /**
         * Sends what was held: the calls as {@code delta.tool_calls} chunks (each built by
         * {@code deltaChunk}), or the text. Returns whether there were calls.
         */
        boolean finish() {
            ToolCallParser.Parsed parsed = parse(answer.toString());
            if (!parsed.hasCalls()) {
                if (released < answer.length()) {
                    text.accept(answer.substring(released));
                }
                return false;
            }
            List<ToolCall> calls = parsed.calls();
            for (int i = 0; i < calls.size(); i++) {
                ToolCall call = calls.get(i);
                ObjectNode first = deltaCall(i);
                first.put("id", call.id());
                first.put("type", "function");
                first.putObject("function").put("name", call.name()).put("arguments", "");
                deltas.accept(wrap(first));
                String arguments = call.arguments();
                for (int from = 0; from < arguments.length(); from += ARGUMENT_FRAGMENT) {
                    ObjectNode fragment = deltaCall(i);
                    fragment.putObject("function").put("arguments", arguments.substring(from, Math.min(arguments.length(), from + ARGUMENT_FRAGMENT)));
                    deltas.accept(wrap(fragment));
                }
            }
            return true;
        }

        private ObjectNode deltaCall(int index) {
            ObjectNode call = ServerJson.MAPPER.createObjectNode();
            call.put("index", index);
            return call;
        }

        /** A delta with one element of tool_calls. */
        private ObjectNode wrap(ObjectNode call) {
            ObjectNode delta = ServerJson.MAPPER.createObjectNode();
            delta.putArray("tool_calls").add(call);
            return delta;
        }
    }
}
