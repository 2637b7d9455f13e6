package dev.detour.wire.openai;

import dev.detour.wire.http.WireJson;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The tree-free readers give exactly what the tree readers give, or nothing: they only ever
 * change the speed. Every plain body is read both ways and compared; every other body must be
 * left to the tree reader.
 */
class OpenAiFastPathTest {

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "{\"model\":\"chat\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"h\\u00e9\\n\\\"q\\\"\",\"name\":\"ann\"},"
                + "{\"role\":\"assistant\",\"content\":\"\"},{\"role\":\"developer\",\"content\":\"x\"}],\"temperature\":0.2,\"top_p\":1,"
                + "\"max_tokens\":128,\"max_completion_tokens\":64,\"seed\":9007199254740993,\"n\":2,\"user\":\"u-1\"}",
        "{ \"stream\" : true , \"stream_options\" : { \"include_usage\" : true }, \"messages\" : [ { \"content\" : \"hi\", \"role\" : \"user\" } ], \"model\" : \"m\" }",
        "{\"model\":\"m\",\"stream\":false,\"stream_options\":{},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":2}",
    })
    void a_plain_request_reads_the_same_as_through_the_tree(String body) throws Exception {
        byte[] b = utf8(body);
        ChatRequest fast = OpenAiJson.parsePlainRequest(b);
        assertNotNull(fast, "a plain request is read without a tree");
        ChatRequest tree = OpenAiJson.parseRequest(WireJson.MAPPER.readTree(b));
        assertEquals(tree, fast, "records compare by value: the same request, however it was read");
        assertEquals(tree.hashCode(), fast.hashCode());
        assertArrayEquals(OpenAiJson.spliceRequest(tree.toBuilder().model("x").build(), b),
                OpenAiJson.spliceRequest(fast.toBuilder().model("x").build(), b));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "[]",
        "{\"model\":\"chat\",\"messages\":[]}",
        "{\"model\":\"\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "{\"model\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"r\",\"tool_call_id\":\"c1\"}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":true}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":3}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":null}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1.5}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream_options\":{\"include_usage\":true,\"x\":1}}",
        "{\"model\":\"m\",\"model\":\"n\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} trailing",
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"",
    })
    void any_other_request_is_left_to_the_tree_reader(String body) {
        assertNull(OpenAiJson.parsePlainRequest(utf8(body)));
    }

    static final String USAGE = "\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":22,\"total_tokens\":64,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":5,\"audio_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":3,\"audio_tokens\":0,\"accepted_prediction_tokens\":0}}";

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello \\u2603\\n\",\"refusal\":null,\"annotations\":[]},"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}]," + USAGE + ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_1\"}",
        "{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"no role\"},\"finish_reason\":\"length\"},"
                + "{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I can't\"},\"finish_reason\":\"content_filter\"}]}",
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"t\",\"reasoning_content\":\"because\"}}],\"usage\":null}",
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"t\",\"reasoning\":\"r\",\"name\":\"bot\",\"tool_calls\":null}}],"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"prompt_tokens_details\":null}}",
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\"},\"finish_reason\":null}],\"created\":5}",
        "{\"choices\":[]}",
    })
    void a_plain_answer_reads_the_same_as_through_the_tree(String body) throws Exception {
        byte[] b = utf8(body);
        ChatResponse fast = OpenAiJson.parsePlainResponse(b);
        assertNotNull(fast, "a plain answer is read without a tree");
        ChatResponse tree = OpenAiJson.parseResponse(WireJson.MAPPER.readTree(b));
        assertEquals(tree, fast);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}",
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}]}",
        "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\"}}",
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"t\"}}],\"error\":null}",
        "{\"id\":1,\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"t\"}}]}",
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"tool\",\"content\":\"t\"}}]}",
        "{\"choices\":[{\"index\":0}]}",
        "{\"choices\":[{\"index\":0,\"message\":{\"content\":null,\"tool_calls\":null}}]}",
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"t\"}}],\"usage\":{\"prompt_tokens\":\"7\"}}",
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"t\"}}],\"created\":\"yesterday\"}",
        "{\"object\":\"chat.completion\"}",
        "[1]",
        "not json",
    })
    void any_other_answer_is_left_to_the_tree_reader(String body) {
        assertNull(OpenAiJson.parsePlainResponse(utf8(body)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]}",
        "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"H\\u00e9llo \\n\"},\"finish_reason\":null}],\"usage\":null}",
        "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}",
        "{\"id\":\"c1\",\"choices\":[]," + USAGE + "}",
        "{\"choices\":[{\"delta\":{\"reasoning_content\":\"think\",\"tool_calls\":null}}]}",
        "{\"choices\":[{\"index\":2,\"delta\":{\"reasoning\":\"r\",\"audio\":{\"x\":1}}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}",
        "{\"choices\":null,\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}",
    })
    void a_plain_stream_event_reads_the_same_as_through_the_tree(String data) throws Exception {
        dev.detour.api.model.ChatChunk fast = OpenAiJson.parsePlainChunk(utf8(data));
        assertNotNull(fast, "a plain event is read without a tree");
        java.util.List<dev.detour.api.model.ChatChunk> tree = OpenAiJson.parseChunk(WireJson.MAPPER.readTree(data));
        assertEquals(1, tree.size());
        assertEquals(tree.get(0), fast);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}},{\"index\":1,\"delta\":{\"content\":\"b\"}}]}",
        "{\"error\":{\"message\":\"overloaded\"}}",
        "{\"choices\":[]}",
        "{\"id\":7,\"choices\":[{\"delta\":{\"content\":\"a\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":5}}]}",
        "{\"choices\":[{\"delta\":{\"content\":\"a\"}}]",
        "[DONE]",
    })
    void any_other_stream_event_is_left_to_the_tree_reader(String data) {
        assertNull(OpenAiJson.parsePlainChunk(utf8(data)));
    }
}
