package dev.detour.plugin.cache.semantic;

import io.vertx.core.Future;

/** Turns a message into a unit vector, off the event loop and within a deadline. */
interface Embedder {
    /** The message's embedding, scaled to length 1; fails (a cache miss) past the deadline. */
    Future<float[]> embed(String text);

    /** Scales {@code v} to length 1 in place and returns it; a zero vector stays zero. */
    static float[] normalize(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        if (sum > 0) {
            float inv = (float) (1 / Math.sqrt(sum));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        return v;
    }
}
