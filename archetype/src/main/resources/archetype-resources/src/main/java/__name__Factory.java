package ${package};

#if( $kind == "routing" )
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import org.pf4j.Extension;

/** The {@code ${type}} routing strategy's factory: core creates one strategy per route that names it. */
@Extension
public final class ${name}Factory implements RoutingStrategyFactory<${name}Options> {
    @Override
    public String type() {
        return "${type}";
    }

    @Override
    public Class<${name}Options> optionsType() {
        return ${name}Options.class;
    }

    @Override
    public RoutingStrategy create(${name}Options options, StrategyContext context) {
        return new ${name}(options);
    }
}
#elseif( $kind == "detector" )
import dev.detour.api.detector.DetectorContext;
import dev.detour.api.detector.DetectorFactory;
import dev.detour.api.detector.QualityDetector;
import org.pf4j.Extension;

/** The {@code ${type}} detector's factory: core creates one detector per route that lists it. */
@Extension
public final class ${name}Factory implements DetectorFactory<${name}Options> {
    @Override
    public String type() {
        return "${type}";
    }

    @Override
    public Class<${name}Options> optionsType() {
        return ${name}Options.class;
    }

    @Override
    public QualityDetector create(${name}Options options, DetectorContext context) {
        return new ${name}(options);
    }
}
#elseif( $kind == "guardrail" )
import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailContext;
import dev.detour.api.guardrail.GuardrailFactory;
import org.pf4j.Extension;

/** The {@code ${type}} guardrail's factory: core creates one guardrail per route that lists it. */
@Extension
public final class ${name}Factory implements GuardrailFactory<${name}Options> {
    @Override
    public String type() {
        return "${type}";
    }

    @Override
    public Class<${name}Options> optionsType() {
        return ${name}Options.class;
    }

    @Override
    public Guardrail create(${name}Options options, GuardrailContext context) {
        return new ${name}(options);
    }
}
#elseif( $kind == "cache" )
import dev.detour.api.cache.CacheContext;
import dev.detour.api.cache.CacheFactory;
import dev.detour.api.cache.ResponseCache;
import org.pf4j.Extension;

/** The {@code ${type}} cache's factory: core creates one cache per route that names it. */
@Extension
public final class ${name}Factory implements CacheFactory<${name}Options> {
    @Override
    public String type() {
        return "${type}";
    }

    @Override
    public Class<${name}Options> optionsType() {
        return ${name}Options.class;
    }

    @Override
    public ResponseCache create(${name}Options options, CacheContext context) {
        return new ${name}(options, context);
    }
}
#elseif( $kind == "provider" )
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.provider.ProviderContext;
import org.pf4j.Extension;

/** The {@code ${type}} provider type's factory: core creates one adapter per provider of this type. */
@Extension
public final class ${name}Factory implements ProviderAdapterFactory<${name}Options> {
    @Override
    public String type() {
        return "${type}";
    }

    @Override
    public Class<${name}Options> optionsType() {
        return ${name}Options.class;
    }

    @Override
    public ProviderAdapter create(${name}Options options, ProviderContext context) {
        return new ${name}(options, context);
    }
}
#end
