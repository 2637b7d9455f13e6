package dev.detour.it;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code detour demo} on the assembled distribution and its shipped config: every incident, no failed request. */
class DemoIT {

    @Test
    void the_demo_keeps_every_request_answered_through_the_incident_timeline() {
        Cli.Result r = Cli.run("demo", "--duration", "8s", "--rps", "15", "--seed", "7");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("100.0% succeeded, 0 failed"), r.out());
        for (String incident : new String[] {"primary region down", "backup region slow", "rate-limit storm",
                "cuts every stream", "quality degradation", "recovery"}) {
            assertTrue(r.out().contains(incident), "the summary lists '" + incident + "':\n" + r.out());
        }
        assertTrue(r.out().lines().filter(l -> l.matches("\\s*\\d+s\\s+\\d+ req.*")).count() >= 6,
                "a line per second when output is not a terminal:\n" + r.out());
    }

    @Test
    void the_demo_rejects_bad_options() {
        Cli.Result r = Cli.run("demo", "--rps", "0");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--rps"), r.err());
    }
}
