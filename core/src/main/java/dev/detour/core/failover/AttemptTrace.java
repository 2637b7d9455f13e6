package dev.detour.core.failover;

import dev.detour.api.ProviderException;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Usage;

import java.util.Map;

/** The span of one upstream call ({@link RequestTrace#attempt}); ended once, on the event loop. */
public interface AttemptTrace {

    /** The headers that carry this span's context upstream ({@code traceparent}, {@code tracestate}). */
    Map<String, String> headers();

    /**
     * The call answered.
     *
     * @param model  the model the upstream says answered, or null
     * @param usage  its token usage, or null
     * @param finish why it stopped, or null
     * @param text   the answer's text when content is captured (a stream's sample), else null
     */
    void answered(String model, Usage usage, FinishReason finish, String text);

    /** The call failed with {@code e} ({@code cancelled}: it lost a hedged race). */
    void failed(ProviderException e, boolean cancelled);
}
