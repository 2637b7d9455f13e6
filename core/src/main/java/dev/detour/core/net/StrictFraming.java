package dev.detour.core.net;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses HTTP/1.1 requests that carry both {@code Content-Length} and {@code Transfer-Encoding}
 * (RFC 9112 §6.1 lets a server reject them, and a proxy in front that frames by the other header
 * would otherwise let a second, smuggled request through). Netty's decoder resolves the conflict
 * by dropping {@code Content-Length} and reading the body as chunked, so the handler can no longer
 * see it; this decoder fails the message instead, which Vert.x answers with 400 and closes the
 * connection, so nothing after the conflicting head is ever parsed as a request.
 *
 * <p>Installed per connection by replacing Vert.x's own request decoder, before the connection has
 * read anything. This reaches into Vert.x's implementation (the decoder's class and its name in the
 * pipeline, both stable through Vert.x 5.0); if either is missing the connection keeps Vert.x's
 * decoder, a warning is logged once, and {@code HardeningIT} fails the build. It needs the server's
 * h2c upgrade off: with Vert.x's upgrade handler in the pipeline a replaced decoder loses request
 * bodies.
 */
public final class StrictFraming {
    private static final Logger LOG = LoggerFactory.getLogger(StrictFraming.class);
    private static final String DECODER = "httpDecoder";
    private static volatile boolean warned;

    private StrictFraming() {
    }

    /** Replaces the connection's request decoder with the strict one; HTTP/2 connections are left alone. */
    public static void install(HttpConnection connection, HttpServerOptions options) {
        if (!(connection instanceof ConnectionBase base)) {
            return;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        ChannelHandler current = pipeline.get(DECODER);
        if (current == null) {
            return;   // HTTP/2, or already upgraded
        }
        if (current.getClass() != VertxHttpRequestDecoder.class) {
            if (!(current instanceof Decoder) && !warned) {
                warned = true;
                LOG.warn("unexpected HTTP decoder {}; requests with both Content-Length and Transfer-Encoding are not "
                        + "refused", current.getClass().getName());
            }
            return;
        }
        pipeline.replace(DECODER, DECODER, new Decoder(options));
    }

    /** Vert.x's decoder, failing a head that frames its body two ways. */
    static final class Decoder extends VertxHttpRequestDecoder {
        Decoder(HttpServerOptions options) {
            super(options);
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            throw new IllegalArgumentException("a request may not carry both Content-Length and Transfer-Encoding");
        }
    }
}
