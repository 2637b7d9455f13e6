package dev.detour.sample.refusal;

import dev.detour.api.detector.DetectorContext;
import dev.detour.api.detector.DetectorFactory;
import dev.detour.api.detector.QualityDetector;
import org.pf4j.Extension;

/** {@code detectors: [ { type: refusal, window: 20 } ]}: one detector per route that lists it. */
@Extension
public final class RefusalDetectorFactory implements DetectorFactory<RefusalOptions> {
    @Override
    public String type() {
        return RefusalDetector.TYPE;
    }

    @Override
    public Class<RefusalOptions> optionsType() {
        return RefusalOptions.class;
    }

    @Override
    public QualityDetector create(RefusalOptions options, DetectorContext context) {
        return new RefusalDetector(options);
    }
}
