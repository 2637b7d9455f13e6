package dev.detour.plugin.guardrails;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.Callable;

/** Runs a scan inline when its text is small, on a worker when it is large, never blocking an event loop long. */
final class Work {
    private Work() {
    }

    static <T> Future<T> run(Vertx vertx, long chars, int workerAbove, Callable<T> scan) {
        if (vertx != null && chars > workerAbove) {
            return vertx.executeBlocking(scan, false);
        }
        try {
            return Future.succeededFuture(scan.call());
        } catch (Exception | StackOverflowError e) {
            return Future.failedFuture(e);
        }
    }
}
