package dev.detour.plugin.detectors;

import dev.detour.api.detector.DetectorContext;
import dev.detour.api.detector.DetectorFactory;
import dev.detour.api.detector.QualityDetector;
import org.pf4j.Extension;

/** {@code detectors: [tokens]}: throughput and output length drifting from baseline; see {@link TokensDetector}. */
@Extension
public final class TokensDetectorFactory implements DetectorFactory<TokensOptions> {

    @Override
    public String type() {
        return TokensDetector.TYPE;
    }

    @Override
    public Class<TokensOptions> optionsType() {
        return TokensOptions.class;
    }

    @Override
    public QualityDetector create(TokensOptions options, DetectorContext context) {
        return new TokensDetector(options);
    }
}
