package dev.detour.core.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.spend.KeyLedger;

/**
 * {@code GET /admin/keys}: each virtual key by name (never the key nor its digest) with its limits
 * and what it used of them now: requests and tokens in the last minute, budget spent, reserved
 * by requests in flight, and left over its rolling period. A limit the key does not have is null.
 */
final class KeysView {
    private KeysView() {
    }

    static ObjectNode of(KeyLedger ledger) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode arr = root.putArray("keys");
        for (KeyLedger.KeyState s : ledger.states()) {
            GatewayConfig.Key k = s.key();
            ObjectNode o = arr.addObject().put("name", k.name()).put("priority", k.priority().wire());
            if (k.routes() == null) {
                o.putNull("routes");
            } else {
                ArrayNode routes = o.putArray("routes");
                k.routes().stream().sorted().forEach(routes::add);
            }
            ObjectNode rpm = o.putObject("rpm");
            if (k.rpm() > 0) {
                rpm.put("limit", k.rpm()).put("used", ledger.requestsUsed(s));
            } else {
                rpm.putNull("limit").putNull("used");
            }
            ObjectNode tpm = o.putObject("tpm");
            if (k.tpm() > 0) {
                tpm.put("limit", k.tpm()).put("used", ledger.tokensUsed(s));
            } else {
                tpm.putNull("limit").putNull("used");
            }
            GatewayConfig.Budget b = k.budget();
            if (b == null) {
                o.putNull("budget");
            } else {
                double spent = ledger.spent(s);
                long wait = ledger.budgetWait(s);
                ObjectNode budget = o.putObject("budget").put("usd", b.usd()).put("period", KeyLedger.period(b.period()))
                        .put("spent_usd", round(spent)).put("reserved_usd", round(ledger.reserved(s)))
                        .put("left_usd", round(Math.max(0, b.usd() - spent)));
                if (wait > 0) {
                    budget.put("exceeded_for_s", (wait + 999) / 1000);
                } else {
                    budget.putNull("exceeded_for_s");
                }
            }
        }
        return root;
    }

    /** USD to 10 decimal places: a sum of many small prices carries binary noise past that. */
    private static double round(double usd) {
        return Math.round(usd * 1e10) / 1e10;
    }
}
