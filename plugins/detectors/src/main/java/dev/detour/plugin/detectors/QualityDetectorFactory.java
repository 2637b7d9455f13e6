package dev.detour.plugin.detectors;

import dev.detour.api.detector.DetectorContext;
import dev.detour.api.detector.DetectorFactory;
import dev.detour.api.detector.QualityDetector;
import org.pf4j.Extension;

/**
 * {@code detectors: [quality]}: empty, repetitive, truncated, invalid-JSON and refusing answers; see
 * {@link AnswerQualityDetector}.
 */
@Extension
public final class QualityDetectorFactory implements DetectorFactory<QualityOptions> {

    @Override
    public String type() {
        return AnswerQualityDetector.TYPE;
    }

    @Override
    public Class<QualityOptions> optionsType() {
        return QualityOptions.class;
    }

    @Override
    public QualityDetector create(QualityOptions options, DetectorContext context) {
        return new AnswerQualityDetector(options);
    }
}
