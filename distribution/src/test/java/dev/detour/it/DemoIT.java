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
        // The per-second lines count the same requests as the summary
        int perSecond = r.out().lines().filter(l -> l.matches("\\s*\\d+s\\s+\\d+ req.*"))
                .mapToInt(l -> Integer.parseInt(l.trim().split("\\s+")[1])).sum();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Summary: (\\d+) requests").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(Integer.parseInt(m.group(1)), perSecond, r.out());
        assertTrue(r.out().contains("Recovery: openai-us"), "the recovery phase says when the primary won its traffic back:\n"
                + r.out());
        // The gateway's log lines went to the demo's log file, not to the terminal the table is drawn on
        assertTrue((r.out() + r.err()).lines().noneMatch(l -> l.matches(".*\\] (INFO|WARN|ERROR) .*")),
                "no log line on the terminal:\n" + r.out() + r.err());
    }

    @Test
    void the_demo_rehearses_the_incident_with_failover_drills() {
        Cli.Result r = Cli.run("demo", "--drills", "--duration", "6s", "--rps", "15", "--seed", "7");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("100.0% succeeded, 0 failed"), r.out());
        for (String incident : new String[] {"openai-us/gpt-4o down", "openai-eu/gpt-4o slow", "503 to half",
                "every drill ended"}) {
            assertTrue(r.out().contains(incident), "the summary lists '" + incident + "':\n" + r.out());
        }
        assertTrue(r.out().contains("Recovery: openai-us served"), "the primary won its traffic back once its drill "
                + "ended:\n" + r.out());
    }

    @Test
    void the_demo_rejects_bad_options() {
        Cli.Result r = Cli.run("demo", "--rps", "0");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--rps"), r.err());
    }
}
