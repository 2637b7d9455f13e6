package dev.detour.sample.sticky;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import org.pf4j.Extension;

/**
 * {@code strategy: sticky}: keeps each user (or conversation) on the same target, for better
 * prompt-cache hit rates and consistent answers, while spreading users over targets by
 * {@code weight}.
 *
 * <pre>{@code
 * routes:
 *   chat:
 *     strategy: { type: sticky, key: user }   # clients send  x-detour-metadata: {"user": "alice"}
 *     targets:
 *       - { provider: openai-us, model: gpt-4o, weight: 2 }
 *       - { provider: anthropic, model: claude-sonnet-4-5 }
 * }</pre>
 *
 * <p>This is the whole contract of a routing plugin: a public {@link Extension} class with a
 * no-argument constructor, the {@code type:} it answers to, its options record, and a
 * {@link RoutingStrategy} per route. See {@link StickyStrategy} for the ordering.
 */
@Extension
public final class StickyStrategyFactory implements RoutingStrategyFactory<StickyOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "sticky";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<StickyOptions> optionsType() {
        return StickyOptions.class;
    }

    @Override
    public RoutingStrategy create(StickyOptions options, StrategyContext context) {
        // Stickiness must not depend on chance, so context.random() is deliberately unused.
        return new StickyStrategy(options.key(), options.avoidDegraded());
    }
}
