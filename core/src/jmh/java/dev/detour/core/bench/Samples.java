package dev.detour.core.bench;

import java.nio.charset.StandardCharsets;

/**
 * The wire samples the microbenchmarks share: the same typical request, completion and 20-chunk
 * stream that the end-to-end benchmark (distribution/bench) sends and serves.
 */
final class Samples {
    private Samples() {
    }

    static final String REQUEST = "{\"model\":\"bench\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You are a concise assistant.\"},"
            + "{\"role\":\"user\",\"content\":\"In two sentences, why put a failover gateway in front of LLM providers?\"}],"
            + "\"temperature\":0.2,\"max_tokens\":128}";

    static final String COMPLETION = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"A failover gateway keeps answers flowing when one provider fails, and it costs almost nothing when all "
            + "is well.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":22,"
            + "\"total_tokens\":64}}";

    private static final String CHUNK_PREFIX = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1700000000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,";

    /** One content chunk, as the data of one SSE event. */
    static final String CHUNK = CHUNK_PREFIX + "\"delta\":{\"content\":\"failover \"},\"finish_reason\":null}]}";

    /** A whole stream: role, 18 tokens, finish (20 chunks), then [DONE]. */
    static final byte[] STREAM;

    static {
        String[] words = ("A failover gateway keeps answers flowing when one provider fails, and it costs almost "
                + "nothing when all is well today.").split(" ");
        StringBuilder sb = new StringBuilder();
        sb.append("data: ").append(CHUNK_PREFIX).append("\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"finish_reason\":null}]}\n\n");
        for (int i = 0; i < 18; i++) {
            sb.append("data: ").append(CHUNK_PREFIX).append("\"delta\":{\"content\":\"").append(words[i])
                    .append(" \"},\"finish_reason\":null}]}\n\n");
        }
        sb.append("data: ").append(CHUNK_PREFIX).append("\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        sb.append("data: [DONE]\n\n");
        STREAM = sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
