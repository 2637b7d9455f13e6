package dev.detour.plugin.guardrails;

import java.util.HashMap;
import java.util.Map;

/** The IBAN length of each country that issues them (SWIFT's IBAN registry). */
final class IbanLengths {
    private static final Map<String, Integer> LENGTHS = new HashMap<>();

    static {
        String table = "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 "
                + "DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 "
                + "IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 "
                + "MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 "
                + "SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30";
        for (String e : table.split(" ")) {
            LENGTHS.put(e.substring(0, 2), Integer.parseInt(e.substring(2)));
        }
    }

    private IbanLengths() {
    }

    /** The IBAN length of the country whose code starts at {@code s[i]}, or 0 when it has none. */
    static int of(String s, int i) {
        Integer len = LENGTHS.get(s.substring(i, i + 2));
        return len == null ? 0 : len;
    }

    /** The longest IBAN. */
    static final int MAX = 34;
}
