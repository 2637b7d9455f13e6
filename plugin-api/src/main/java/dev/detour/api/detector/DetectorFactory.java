package dev.detour.api.detector;

import dev.detour.api.DetourExtension;

/**
 * Extension point for quality-signal detectors ({@code detectors: [latency, {type: quality, ...}]}).
 *
 * @param <O> the options record
 */
public interface DetectorFactory<O> extends DetourExtension<O> {

    QualityDetector create(O options, DetectorContext context);
}
