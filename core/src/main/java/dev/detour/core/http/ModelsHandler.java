package dev.detour.core.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.Gateway;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.TargetRuntime;

/**
 * {@code GET /v1/models}: the routes and targets (as {@code provider/model} names) the caller's key
 * may use, in OpenAI's model list shape. Each entry's {@code created} is when this gateway loaded
 * its configuration (read from the gateway's clock), the moment these names came into being here:
 * Detour does not know when a provider released a model.
 */
final class ModelsHandler {
    private final Gateway gateway;
    private final ApiAdmission admission;
    private final Responder responder;
    /** When the configuration was loaded, in epoch seconds. */
    private final long created;

    ModelsHandler(Gateway gateway, ApiAdmission admission, Responder responder) {
        this.gateway = gateway;
        this.admission = admission;
        this.responder = responder;
        this.created = gateway.clock().now().getEpochSecond();
    }

    void handle(Exchange ex) {
        GatewayConfig.Key key = admission.key(ex, ErrorStyle.OPENAI);
        if (key == null && admission.keysRequired()) {
            return;
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String r : gateway.routes().keySet()) {
            if (key == null || key.routes() == null || key.routes().contains(r)) {
                data.addObject().put("id", r).put("object", "model").put("created", created).put("owned_by", "detour");
            }
        }
        for (TargetRuntime t : gateway.targets()) {
            if (key == null || key.routes() == null || key.routes().contains(t.id())) {
                data.addObject().put("id", t.id()).put("object", "model").put("created", created)
                        .put("owned_by", t.provider());
            }
        }
        responder.json(ex.response, 200, root);
    }
}
