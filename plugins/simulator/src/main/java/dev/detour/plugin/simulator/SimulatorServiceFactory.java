package dev.detour.plugin.simulator;

import dev.detour.api.service.Service;
import dev.detour.api.service.ServiceContext;
import dev.detour.api.service.ServiceFactory;
import org.pf4j.Extension;

/**
 * The {@code simulator} service: a fake provider server run inside the gateway process (the
 * {@code simulator:} block of the YAML, and {@code detour simulate}). The returned service is a
 * {@link SimulatorService}; its {@link SimulatorService#server()} exposes the bound port, faults
 * and statistics.
 */
@Extension
public final class SimulatorServiceFactory implements ServiceFactory<SimulatorOptions> {

    @Override
    public String type() {
        return "simulator";
    }

    @Override
    public Class<SimulatorOptions> optionsType() {
        return SimulatorOptions.class;
    }

    @Override
    public Service create(SimulatorOptions options, ServiceContext context) {
        SimulatorOptions o = options == null ? new SimulatorOptions(null, null, null, null) : options;
        SimulatorServer server = SimulatorServer.create(context.vertx(), o,
                () -> context.clock().now().getEpochSecond());
        return new SimulatorService(server, o.host());
    }
}
