package dev.detour.plugin.detectors;

import dev.detour.api.detector.DetectorContext;
import dev.detour.api.detector.DetectorFactory;
import dev.detour.api.detector.QualityDetector;
import org.pf4j.Extension;

/** {@code detectors: [latency]}: sustained latency rises against a learned baseline; see {@link LatencyDetector}. */
@Extension
public final class LatencyDetectorFactory implements DetectorFactory<LatencyOptions> {

    @Override
    public String type() {
        return LatencyDetector.TYPE;
    }

    @Override
    public Class<LatencyOptions> optionsType() {
        return LatencyOptions.class;
    }

    @Override
    public QualityDetector create(LatencyOptions options, DetectorContext context) {
        return new LatencyDetector(options);
    }
}
