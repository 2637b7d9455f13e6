package dev.detour.plugin.detectors;

import dev.detour.api.detector.DetectorContext;
import dev.detour.api.detector.DetectorFactory;
import dev.detour.api.detector.QualityDetector;
import org.pf4j.Extension;

/** {@code detectors: [errors]}: windowed failure rate with bursts weighing more; see {@link ErrorsDetector}. */
@Extension
public final class ErrorsDetectorFactory implements DetectorFactory<ErrorsOptions> {

    @Override
    public String type() {
        return ErrorsDetector.TYPE;
    }

    @Override
    public Class<ErrorsOptions> optionsType() {
        return ErrorsOptions.class;
    }

    @Override
    public QualityDetector create(ErrorsOptions options, DetectorContext context) {
        return new ErrorsDetector(options);
    }
}
