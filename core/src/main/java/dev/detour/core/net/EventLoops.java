package dev.detour.core.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.IntSupplier;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.transport.Transport;

import java.net.SocketAddress;
import java.util.concurrent.ThreadFactory;

/**
 * The Vert.x a Detour process runs on: Netty's native epoll transport where it loads (fewer
 * syscalls and allocations per request than NIO), NIO elsewhere; and, on epoll, event loops that
 * <em>poll before they sleep</em>.
 *
 * <p>A gateway's event loop typically has nothing to do for the few tens of microseconds between
 * sending a request upstream and its answer. Blocking in {@code epoll_wait} for that gap costs a
 * sleep and a wake-up, which on a virtual machine is tens of microseconds of latency and leaves
 * the caches cold for the answer. So after its last I/O event an event loop keeps polling
 * (non-blocking {@code epoll_wait}) for up to {@code spin} before it blocks. Under load the loop is
 * never idle and this costs nothing; at low traffic it costs at most {@code spin} of CPU per idle
 * gap. Each round of polling yields the CPU, so other threads sharing it (the JIT compiler, the
 * collector) are not held up. {@code spin} zero is plain epoll. The acceptor loop never spins.
 */
public final class EventLoops {

    private EventLoops() {
    }

    /** A Vert.x whose I/O event loops poll for up to {@code spinNanos} before they sleep. */
    public static Vertx vertx(long spinNanos) {
        VertxOptions options = new VertxOptions().setPreferNativeTransport(true);
        if (spinNanos <= 0 || !Transport.EPOLL.available()) {
            return Vertx.builder().with(options).build();
        }
        return Vertx.builder().with(options).withTransport(new SpinningEpoll(spinNanos)).build();
    }

    /** Polls for events until {@code spinNanos} have passed since the last ones, then sleeps. */
    static final class PollBeforeSleep implements SelectStrategy {
        private final long spinNanos;
        private final java.util.function.LongSupplier nanos;
        private long lastActive;
        private boolean slept;

        PollBeforeSleep(long spinNanos, java.util.function.LongSupplier nanos) {
            this.spinNanos = spinNanos;
            this.nanos = nanos;
            this.lastActive = nanos.getAsLong();
        }

        @Override
        public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
            long now = nanos.getAsLong();
            if (slept) {
                // Back from a blocking wait: something woke the loop, which counts as activity.
                slept = false;
                lastActive = now;
            }
            if (hasTasks) {
                int ready = selectNow.get();
                if (ready > 0) {
                    lastActive = now;
                }
                return ready;
            }
            if (now - lastActive < spinNanos) {
                int ready = selectNow.get();
                if (ready > 0) {
                    lastActive = now;
                    return ready;
                }
                // Yield, not just spin: a compiler or GC thread sharing this CPU runs in the gap
                // instead of waiting for the scheduler to preempt the loop (a stall of milliseconds).
                Thread.yield();
                return SelectStrategy.CONTINUE;
            }
            slept = true;
            return SelectStrategy.SELECT;
        }
    }

    /** Vert.x's epoll transport with {@link PollBeforeSleep} on its I/O event loops. */
    private static final class SpinningEpoll implements Transport {
        private final io.vertx.core.spi.transport.Transport impl;

        SpinningEpoll(long spinNanos) {
            io.vertx.core.spi.transport.Transport epoll = Transport.EPOLL.implementation();
            this.impl = new io.vertx.core.spi.transport.Transport() {
                @Override
                public IoHandlerFactory ioHandlerFactory() {
                    return EpollIoHandler.newFactory(0, () -> new PollBeforeSleep(spinNanos, System::nanoTime));
                }

                @Override
                public EventLoopGroup eventLoopGroup(int type, int nThreads, ThreadFactory threadFactory, int ioRatio) {
                    if (type == ACCEPTOR_EVENT_LOOP_GROUP) {
                        return epoll.eventLoopGroup(type, nThreads, threadFactory, ioRatio);
                    }
                    return new MultiThreadIoEventLoopGroup(nThreads, threadFactory, ioHandlerFactory());
                }

                @Override public boolean supportsDomainSockets() { return epoll.supportsDomainSockets(); }
                @Override public boolean supportFileRegion() { return epoll.supportFileRegion(); }
                @Override public boolean isAvailable() { return epoll.isAvailable(); }
                @Override public Throwable unavailabilityCause() { return epoll.unavailabilityCause(); }
                @Override public SocketAddress convert(io.vertx.core.net.SocketAddress address) { return epoll.convert(address); }
                @Override public io.vertx.core.net.SocketAddress convert(SocketAddress address) { return epoll.convert(address); }
                @Override public io.netty.channel.socket.DatagramChannel datagramChannel() { return epoll.datagramChannel(); }

                @Override
                public io.netty.channel.socket.DatagramChannel datagramChannel(
                        io.netty.channel.socket.InternetProtocolFamily family) {
                    return epoll.datagramChannel(family);
                }

                @Override
                public io.netty.channel.ChannelFactory<? extends io.netty.channel.Channel> channelFactory(boolean domain) {
                    return epoll.channelFactory(domain);
                }

                @Override
                public io.netty.channel.ChannelFactory<? extends io.netty.channel.ServerChannel> serverChannelFactory(
                        boolean domain) {
                    return epoll.serverChannelFactory(domain);
                }

                @Override
                public void configure(io.netty.channel.socket.DatagramChannel channel, DatagramSocketOptions options) {
                    epoll.configure(channel, options);
                }

                @Override
                public void configure(ClientOptionsBase options, int connectTimeout, boolean domain,
                                      io.netty.bootstrap.Bootstrap bootstrap) {
                    epoll.configure(options, connectTimeout, domain, bootstrap);
                }

                @Override
                public void configure(NetServerOptions options, boolean domain, io.netty.bootstrap.ServerBootstrap bootstrap) {
                    epoll.configure(options, domain, bootstrap);
                }
            };
        }

        @Override public String name() { return "epoll"; }
        @Override public boolean available() { return impl.isAvailable(); }
        @Override public Throwable unavailabilityCause() { return impl.unavailabilityCause(); }
        @Override public io.vertx.core.spi.transport.Transport implementation() { return impl; }
    }
}
