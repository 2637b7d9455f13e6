package dev.detour.api.cache;

import dev.detour.api.model.ChatResponse;

/**
 * A stored answer.
 *
 * @param response the answer
 * @param target   the id of the target that produced it
 * @param storedAtMillis when it was stored (wall clock, epoch ms)
 * @param stale    whether its TTL has passed (served only when every target failed)
 */
public record CachedResponse(ChatResponse response, String target, long storedAtMillis, boolean stale) {
}
