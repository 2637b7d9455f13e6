package dev.detour.plugin.detectors;

import dev.detour.api.detector.DetectorContext;
import dev.detour.api.detector.DetectorFactory;
import dev.detour.api.detector.QualityDetector;
import org.pf4j.Extension;

/** {@code detectors: [feedback]}: moving average of users' scores per target; see {@link FeedbackDetector}. */
@Extension
public final class FeedbackDetectorFactory implements DetectorFactory<FeedbackOptions> {

    @Override
    public String type() {
        return FeedbackDetector.TYPE;
    }

    @Override
    public Class<FeedbackOptions> optionsType() {
        return FeedbackOptions.class;
    }

    @Override
    public QualityDetector create(FeedbackOptions options, DetectorContext context) {
        return new FeedbackDetector(options);
    }
}
