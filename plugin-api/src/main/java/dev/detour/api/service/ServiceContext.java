package dev.detour.api.service;

import dev.detour.api.Clock;
import io.vertx.core.Vertx;

import java.nio.file.Path;

/**
 * What core hands a service factory.
 *
 * @param vertx     the gateway's Vert.x
 * @param clock     the time source
 * @param configDir the folder of the config file, for resolving relative paths
 */
public record ServiceContext(Vertx vertx, Clock clock, Path configDir) {
}
