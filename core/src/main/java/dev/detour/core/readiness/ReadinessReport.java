package dev.detour.core.readiness;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What one readiness run found: per route, per target, per case whether the answer passed its
 * checks, how long it took, why it failed, and how similar it is to the route's first target's
 * answer when an embedder is configured. Immutable.
 *
 * @param at         when the run started
 * @param durationMs how long the whole run took
 * @param similarity how similarity was computed ({@code "route NAME"}), or why it was not
 * @param computed   whether similarities were computed
 * @param routes     the routes run, in config order
 */
public record ReadinessReport(Instant at, long durationMs, String similarity, boolean computed,
                              List<RouteResult> routes) {
    public ReadinessReport {
        routes = List.copyOf(routes);
    }

    /** One route's targets, in the route's order (the first is what the others are compared to). */
    public record RouteResult(String route, List<TargetResult> targets) {
        public RouteResult {
            targets = List.copyOf(targets);
        }
    }

    /** One target's cases, in the file's order. */
    public record TargetResult(String target, List<CaseResult> cases) {
        public TargetResult {
            cases = List.copyOf(cases);
        }

        public int passed() {
            return (int) cases.stream().filter(CaseResult::passed).count();
        }

        public int failed() {
            return cases.size() - passed();
        }
    }

    /**
     * One case on one target.
     *
     * @param failures   why it failed (the call's error, or each failed check); empty when it passed
     * @param similarity cosine similarity of the answer to the first target's, or null when not computed
     */
    public record CaseResult(String name, long latencyMs, List<String> failures, Double similarity) {
        public CaseResult {
            failures = List.copyOf(failures);
        }

        public boolean passed() {
            return failures.isEmpty();
        }
    }

    /** Whether every target passed every case. */
    public boolean passed() {
        return routes.stream().allMatch(r -> r.targets().stream().allMatch(t -> t.failed() == 0));
    }

    /** The report as {@code /admin/readiness} answers it (HTTP-API.md "Operations"). */
    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("at", at.toString()).put("duration_ms", durationMs).put("passed", passed());
        root.putObject("similarity").put("computed", computed).put(computed ? "with" : "why", similarity);
        ArrayNode rs = root.putArray("routes");
        for (RouteResult r : routes) {
            ObjectNode ro = rs.addObject().put("route", r.route());
            ArrayNode ts = ro.putArray("targets");
            for (TargetResult t : r.targets()) {
                ObjectNode to = ts.addObject().put("target", t.target()).put("passed", t.passed())
                        .put("failed", t.failed());
                ArrayNode cs = to.putArray("cases");
                for (CaseResult c : t.cases()) {
                    ObjectNode co = cs.addObject().put("case", c.name()).put("passed", c.passed())
                            .put("latency_ms", c.latencyMs());
                    ArrayNode f = co.putArray("failures");
                    c.failures().forEach(f::add);
                    if (c.similarity() != null) {
                        co.put("similarity", Math.round(c.similarity() * 1000) / 1000.0);
                    }
                }
            }
        }
        return root;
    }

    /** The report as {@code detour check} prints it: one table per route, then a summary line. */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        int targets = 0;
        int failing = 0;
        for (RouteResult r : routes) {
            out.append("route ").append(r.route()).append('\n');
            int tw = "target".length();
            int cw = "case".length();
            for (TargetResult t : r.targets()) {
                tw = Math.max(tw, t.target().length());
                for (CaseResult c : t.cases()) {
                    cw = Math.max(cw, c.name().length());
                }
            }
            String fmt = "  %-" + tw + "s  %-" + cw + "s  %-6s  %8s  %10s  %s%n";
            out.append(String.format(Locale.ROOT, fmt, "target", "case", "result", "latency", "similarity", "why"));
            for (TargetResult t : r.targets()) {
                targets++;
                if (t.failed() > 0) {
                    failing++;
                }
                for (CaseResult c : t.cases()) {
                    out.append(String.format(Locale.ROOT, fmt, t.target(), c.name(), c.passed() ? "pass" : "FAIL",
                            c.latencyMs() + "ms", c.similarity() == null ? "-"
                                    : String.format(Locale.ROOT, "%.3f", c.similarity()),
                            String.join("; ", c.failures())));
                }
            }
        }
        out.append(computed ? "similarity to each route's first target: cosine, embedded with " + similarity
                : "similarity was not computed: " + similarity).append('\n');
        out.append(targets).append(targets == 1 ? " target, " : " targets, ").append(failing)
                .append(failing == 1 ? " failed" : " failed").append(" a case: ")
                .append(failing == 0 ? "ready" : "NOT ready").append('\n');
        return out.toString();
    }
}
