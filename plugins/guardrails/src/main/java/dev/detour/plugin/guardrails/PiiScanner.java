package dev.detour.plugin.guardrails;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds personal data and secrets in a normalised text with hand-written scans, each linear in the
 * text: values are found from a cheap anchor ('@', a digit at a word start, a key prefix) and
 * checked (Luhn, mod-97, libphonenumber, address syntax) only there. No regex, so no backtracking.
 * Every value it reports is bounded ({@link #window()}) except keys and PEM blocks, which it reports
 * as runs.
 */
final class PiiScanner implements Rewriter.Finder {

    static final int EMAIL_LOCAL_MAX = 64;
    static final int EMAIL_DOMAIN_MAX = 128;
    /** Digits and separators of one phone, card or SSN candidate. */
    static final int NUMBER_MAX = 32;
    static final int IPV4_MAX = 15;
    static final int IPV6_MAX = 45;
    static final int IBAN_MAX = IbanLengths.MAX + 9;
    static final int JWT_HEADER_MAX = 128;
    /** The longest key prefix seen before a key is recognised: a JWT's header, dot and "eyJ". */
    static final int SECRET_TRIGGER_MAX = 3 + JWT_HEADER_MAX + 1 + 3;
    private static final int PEM_LABEL_MAX = 40;

    private final Set<Entity> entities;
    private final List<String> regions;
    private final PhoneNumberUtil phones;
    private final int window;

    PiiScanner(Set<Entity> entities, List<String> phoneRegions) {
        this.entities = EnumSet.copyOf(entities);
        this.regions = List.copyOf(phoneRegions);
        this.phones = entities.contains(Entity.PHONE) ? PhoneNumberUtil.getInstance() : null;
        int w = 0;
        for (Entity e : entities) {
            w = Math.max(w, switch (e) {
                case EMAIL -> EMAIL_LOCAL_MAX + 1 + EMAIL_DOMAIN_MAX;
                case PHONE, CREDIT_CARD, US_SSN -> NUMBER_MAX;
                case IP_ADDRESS -> IPV6_MAX;
                case IBAN -> IBAN_MAX;
                case SECRET -> Math.max(SECRET_TRIGGER_MAX,
                        Placeholders.MAX_LENGTH + Rewriter.PEM_FOOTER_MAX);
            });
        }
        this.window = w + 2; // the character that ends a value, and a closing parenthesis
    }

    @Override
    public int window() {
        return window;
    }

    @Override
    public void find(String s, List<Match> out) {
        if (entities.contains(Entity.EMAIL)) {
            emails(s, out);
        }
        if (entities.contains(Entity.PHONE) || entities.contains(Entity.CREDIT_CARD)
                || entities.contains(Entity.US_SSN)) {
            numbers(s, out);
        }
        if (entities.contains(Entity.IP_ADDRESS)) {
            ipv4(s, out);
            ipv6(s, out);
        }
        if (entities.contains(Entity.IBAN)) {
            ibans(s, out);
        }
        if (entities.contains(Entity.SECRET)) {
            keys(s, out);
            pems(s, out);
        }
    }

    // ---- e-mail ----------------------------------------------------------------------------

    private static boolean localChar(char c) {
        return Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
    }

    private static boolean domainChar(char c) {
        return Character.isLetterOrDigit(c) || c == '.' || c == '-';
    }

    private static void emails(String s, List<Match> out) {
        int n = s.length();
        for (int at = s.indexOf('@'); at >= 0; at = s.indexOf('@', at + 1)) {
            int ls = at;
            while (ls > 0 && at - ls < EMAIL_LOCAL_MAX && localChar(s.charAt(ls - 1))) {
                ls--;
            }
            if (ls > 0 && localChar(s.charAt(ls - 1))) {
                continue; // a local part longer than any address has
            }
            while (ls < at && (s.charAt(ls) == '.' || s.charAt(ls) == '\'')) {
                ls++;
            }
            if (ls == at) {
                continue;
            }
            int de = at + 1;
            while (de < n && de - at - 1 < EMAIL_DOMAIN_MAX && domainChar(s.charAt(de))) {
                de++;
            }
            if (de < n && domainChar(s.charAt(de))) {
                continue;
            }
            while (de > at + 1 && (s.charAt(de - 1) == '.' || s.charAt(de - 1) == '-')) {
                de--;
            }
            if (de == at + 1 || !Character.isLetterOrDigit(s.charAt(at + 1))) {
                continue;
            }
            String domain = s.substring(at + 1, de);
            if (domain.contains(".-") || domain.contains("-.")) {
                continue;
            }
            int dot = s.lastIndexOf('.', de - 1);
            if (dot <= at + 1 || de - dot - 1 < 2 || s.indexOf("..", at) >= 0 && s.indexOf("..", at) < de) {
                continue;
            }
            boolean tld = true;
            for (int k = dot + 1; k < de; k++) {
                tld &= Character.isLetter(s.charAt(k));
            }
            if (!tld) {
                continue;
            }
            out.add(new Match(ls, de, Entity.EMAIL.name(), Entity.EMAIL, Match.Run.NONE,
                    s.substring(ls, de).toLowerCase(Locale.ROOT)));
        }
    }

    // ---- phone, card, SSN ------------------------------------------------------------------

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean separator(char c) {
        return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/';
    }

    private static boolean wordStart(String s, int i) {
        return i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1));
    }

    private void numbers(String s, List<Match> out) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            boolean opener = (c == '+' || c == '(') && i + 1 < n && digit(s.charAt(i + 1));
            if (!(digit(c) || opener)) {
                i++;
                continue;
            }
            if (!wordStart(s, i)) {
                i++;
                while (i < n && Character.isLetterOrDigit(s.charAt(i))) {
                    i++;
                }
                continue;
            }
            int j = opener ? i + 1 : i;
            while (true) {
                while (j < n && digit(s.charAt(j))) {
                    j++;
                }
                if (j < n && separator(s.charAt(j))) {
                    char sep = s.charAt(j);
                    int k = j + 1;
                    if (k < n && ((sep == ')' && (s.charAt(k) == ' ' || s.charAt(k) == '-'))
                            || (sep == ' ' && s.charAt(k) == '('))) {
                        k++;
                    }
                    if (k < n && digit(s.charAt(k)) && k - i < NUMBER_MAX) {
                        int groupEnd = k;
                        while (groupEnd < n && digit(s.charAt(groupEnd))) {
                            groupEnd++;
                        }
                        if (groupEnd - i <= NUMBER_MAX) {
                            j = k;
                            continue;
                        }
                    }
                }
                break;
            }
            int end = j;
            if (end < n && s.charAt(end) == ')') {
                end++; // "(0)" or a closing parenthesis the opener started
            }
            if (end < n && Character.isLetterOrDigit(s.charAt(end))) {
                i = end; // glued to a word: an id, not a number on its own
                while (i < n && Character.isLetterOrDigit(s.charAt(i))) {
                    i++;
                }
                continue;
            }
            // The longest value first: the whole run, then each part of it a space ends
            // ("+44 20 7946 0958 2024"); a later start is tried from the next group on.
            int found = number(s, i, j, out) ? j : -1;
            for (int p = j - 1; found < 0 && p > i; p--) {
                if (s.charAt(p) == ' ' && number(s, i, p, out)) {
                    found = p;
                }
            }
            if (found >= 0) {
                i = found;
                continue;
            }
            int k = opener ? i + 1 : i;
            while (k < j && digit(s.charAt(k))) {
                k++;
            }
            while (k < j && !digit(s.charAt(k)) && !(s.charAt(k) == '+' || s.charAt(k) == '(')) {
                k++;
            }
            i = k < j ? k : Math.max(end, i + 1);
        }
    }

    /** Classifies the candidate {@code s[a, b)}; adds and returns true when it is a value. */
    private boolean number(String s, int a, int b, List<Match> out) {
        while (a < b && s.charAt(a) == ' ') {
            a++;
        }
        while (b > a && !digit(s.charAt(b - 1))) {
            b--;
        }
        if (a >= b) {
            return false;
        }
        StringBuilder digits = new StringBuilder(b - a);
        boolean onlySpaceOrDash = true;
        for (int k = a; k < b; k++) {
            char c = s.charAt(k);
            if (digit(c)) {
                digits.append(c);
            } else if (c != ' ' && c != '-') {
                onlySpaceOrDash = false;
            }
        }
        int d = digits.length();
        if (entities.contains(Entity.US_SSN) && d == 9 && b - a == 11 && ssn(s, a, digits)) {
            out.add(new Match(a, b, Entity.US_SSN.name(), Entity.US_SSN, Match.Run.NONE, digits.toString()));
            return true;
        }
        if (entities.contains(Entity.CREDIT_CARD) && d >= 13 && d <= 19 && onlySpaceOrDash
                && s.charAt(a) != '0' && luhn(digits)) {
            out.add(new Match(a, b, Entity.CREDIT_CARD.name(), Entity.CREDIT_CARD, Match.Run.NONE,
                    digits.toString()));
            return true;
        }
        if (entities.contains(Entity.PHONE) && d >= 7 && d <= 15) {
            if (a > 0 && s.charAt(a - 1) == '+') {
                a--;
            }
            String candidate = s.substring(a, b);
            for (String region : regions) {
                try {
                    Phonenumber.PhoneNumber p = phones.parse(candidate, region);
                    if (phones.isValidNumber(p)) {
                        out.add(new Match(a, b, Entity.PHONE.name(), Entity.PHONE, Match.Run.NONE,
                                phones.format(p, PhoneNumberUtil.PhoneNumberFormat.E164)));
                        return true;
                    }
                } catch (NumberParseException e) {
                    // not a number in this region
                }
            }
        }
        return false;
    }

    private static boolean ssn(String s, int a, CharSequence digits) {
        char s1 = s.charAt(a + 3);
        char s2 = s.charAt(a + 6);
        if (s1 != s2 || (s1 != '-' && s1 != ' ')) {
            return false;
        }
        int area = Integer.parseInt(digits, 0, 3, 10);
        int group = Integer.parseInt(digits, 3, 5, 10);
        int serial = Integer.parseInt(digits, 5, 9, 10);
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    }

    static boolean luhn(CharSequence digits) {
        int sum = 0;
        boolean twice = false;
        for (int k = digits.length() - 1; k >= 0; k--) {
            int v = digits.charAt(k) - '0';
            if (twice) {
                v *= 2;
                if (v > 9) {
                    v -= 9;
                }
            }
            sum += v;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    // ---- IP addresses ----------------------------------------------------------------------

    private static void ipv4(String s, List<Match> out) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            if (!digit(s.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            boolean ok = wordStart(s, i) && (i == 0 || s.charAt(i - 1) != '.');
            int j = i;
            int octets = 0;
            while (ok) {
                int v = 0;
                int k = j;
                while (k < n && digit(s.charAt(k)) && k - j < 4) {
                    v = v * 10 + (s.charAt(k) - '0');
                    k++;
                }
                if (k == j || k - j > 3 || v > 255) {
                    ok = false;
                    break;
                }
                octets++;
                j = k;
                if (octets == 4) {
                    break;
                }
                if (j + 1 < n && s.charAt(j) == '.' && digit(s.charAt(j + 1))) {
                    j++;
                } else {
                    ok = false;
                }
            }
            boolean bounded = j >= n || !(Character.isLetterOrDigit(s.charAt(j))
                    || (s.charAt(j) == '.' && j + 1 < n && digit(s.charAt(j + 1))));
            if (ok && bounded) {
                out.add(new Match(start, j, Entity.IP_ADDRESS.name(), Entity.IP_ADDRESS, Match.Run.NONE,
                        s.substring(start, j)));
                i = j;
            } else {
                i = start + 1;
                while (i < n && (digit(s.charAt(i)) || s.charAt(i) == '.')) {
                    i++;
                }
            }
        }
    }

    private static boolean hex(char c) {
        return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static void ipv6(String s, List<Match> out) {
        int n = s.length();
        for (int colon = s.indexOf(':'); colon >= 0; ) {
            int a = colon;
            while (a > 0 && colon - a < IPV6_MAX && (hex(s.charAt(a - 1)) || s.charAt(a - 1) == ':')) {
                a--;
            }
            int b = colon;
            while (b < n && b - a < IPV6_MAX && (hex(s.charAt(b)) || s.charAt(b) == ':' || s.charAt(b) == '.')) {
                b++;
            }
            while (b > a && s.charAt(b - 1) == '.') {
                b--;
            }
            boolean bounded = (a == 0 || !Character.isLetterOrDigit(s.charAt(a - 1)))
                    && (b >= n || !Character.isLetterOrDigit(s.charAt(b)));
            if (bounded && ipv6(s.substring(a, b))) {
                out.add(new Match(a, b, Entity.IP_ADDRESS.name(), Entity.IP_ADDRESS, Match.Run.NONE,
                        s.substring(a, b).toLowerCase(Locale.ROOT)));
            }
            colon = s.indexOf(':', Math.max(b, colon + 1));
        }
    }

    static boolean ipv6(String t) {
        int dbl = t.indexOf("::");
        if (dbl < 0) {
            return groups(t, true) == 8;
        }
        if (t.indexOf("::", dbl + 1) >= 0 || t.equals("::")) {
            return false;
        }
        String left = t.substring(0, dbl);
        String right = t.substring(dbl + 2);
        int l = left.isEmpty() ? 0 : groups(left, false);
        int r = right.isEmpty() ? 0 : groups(right, true);
        return l >= 0 && r >= 0 && l + r <= 7;
    }

    /** The 16-bit groups of {@code t} (a trailing IPv4 counts two when allowed), or -1 when malformed. */
    private static int groups(String t, boolean v4Tail) {
        String[] parts = t.split(":", -1);
        int groups = 0;
        for (int k = 0; k < parts.length; k++) {
            String p = parts[k];
            if (v4Tail && k == parts.length - 1 && p.indexOf('.') >= 0) {
                if (!ipv4Literal(p)) {
                    return -1;
                }
                groups += 2;
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return -1;
            }
            for (int c = 0; c < p.length(); c++) {
                if (!hex(p.charAt(c))) {
                    return -1;
                }
            }
            groups++;
        }
        return groups;
    }

    private static boolean ipv4Literal(String p) {
        String[] o = p.split("\\.", -1);
        if (o.length != 4) {
            return false;
        }
        for (String x : o) {
            if (x.isEmpty() || x.length() > 3) {
                return false;
            }
            for (int c = 0; c < x.length(); c++) {
                if (!digit(x.charAt(c))) {
                    return false;
                }
            }
            if (Integer.parseInt(x) > 255) {
                return false;
            }
        }
        return true;
    }

    // ---- IBAN ------------------------------------------------------------------------------

    private static boolean upper(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    private static void ibans(String s, List<Match> out) {
        int n = s.length();
        for (int i = 0; i + 4 <= n; i++) {
            if (!(upper(s.charAt(i)) && upper(s.charAt(i + 1)) && digit(s.charAt(i + 2)) && digit(s.charAt(i + 3))
                    && wordStart(s, i))) {
                continue;
            }
            int len = IbanLengths.of(s.substring(i, i + 2).toUpperCase(Locale.ROOT), 0);
            if (len == 0) {
                continue;
            }
            StringBuilder v = new StringBuilder(len);
            int j = i;
            int spaces = 0;
            while (j < n && v.length() < len) {
                char c = s.charAt(j);
                if (Character.isLetterOrDigit(c) && c < 0x80) {
                    v.append(Character.toUpperCase(c));
                    j++;
                } else if (c == ' ' && spaces < 9 && v.length() > 0 && j + 1 < n
                        && Character.isLetterOrDigit(s.charAt(j + 1))) {
                    spaces++;
                    j++;
                } else {
                    break;
                }
            }
            if (v.length() != len || (j < n && Character.isLetterOrDigit(s.charAt(j))) || !mod97(v)) {
                continue;
            }
            out.add(new Match(i, j, Entity.IBAN.name(), Entity.IBAN, Match.Run.NONE, v.toString()));
            i = j - 1;
        }
    }

    static boolean mod97(CharSequence iban) {
        int r = 0;
        int len = iban.length();
        for (int k = 0; k < len; k++) {
            char c = iban.charAt((k + 4) % len);
            if (digit(c)) {
                r = (r * 10 + (c - '0')) % 97;
            } else {
                r = (r * 100 + (c - 'A' + 10)) % 97;
            }
        }
        return r == 1;
    }

    // ---- secrets ---------------------------------------------------------------------------

    private static final String[] GITHUB = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"};

    private static void keys(String s, List<Match> out) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (!Rewriter.tokenChar(c) || c == '.' || (i > 0 && Rewriter.tokenChar(s.charAt(i - 1)))) {
                i++;
                continue;
            }
            int te = i;
            while (te < n && Rewriter.tokenChar(s.charAt(te))) {
                te++;
            }
            while (te > i && s.charAt(te - 1) == '.') {
                te--;
            }
            int len = te - i;
            boolean key = false;
            if (s.startsWith("sk-ant-", i)) {
                key = len >= 7 + 20;
            } else if (s.startsWith("sk-", i)) {
                key = len >= 3 + 20 && hasDigit(s, i + 3, te);
            } else if (s.startsWith("sk_live_", i) || s.startsWith("sk_test_", i) || s.startsWith("rk_live_", i)) {
                key = len >= 8 + 16;
            } else if (s.startsWith("AKIA", i) || s.startsWith("ASIA", i)) {
                key = len == 20 && upperAlnum(s, i, te);
            } else if (s.startsWith("AIza", i)) {
                key = len == 39;
            } else if (s.startsWith("github_pat_", i)) {
                key = len >= 11 + 22;
            } else if (s.startsWith("gh", i) && len >= 4 + 36) {
                for (String p : GITHUB) {
                    key |= s.startsWith(p, i);
                }
            } else if (s.startsWith("xox", i) && len >= 5 + 10 && s.charAt(i + 4) == '-') {
                key = "baprs".indexOf(s.charAt(i + 3)) >= 0;
            } else if (s.startsWith("eyJ", i)) {
                key = jwt(s, i, te);
            }
            if (key) {
                out.add(new Match(i, te, Entity.SECRET.name(), Entity.SECRET, Match.Run.TOKEN, s.substring(i, te)));
            }
            i = Math.max(te, i + 1);
        }
    }

    /** A JWT: a base64url JSON header, a dot and a payload that is also base64url JSON ({@code eyJ}). */
    private static boolean jwt(String s, int i, int te) {
        int dot = s.indexOf('.', i);
        return dot > i + 10 && dot < te && dot - i <= JWT_HEADER_MAX && s.startsWith("eyJ", dot + 1)
                && te - dot > 10;
    }

    private static boolean hasDigit(String s, int a, int b) {
        for (int k = a; k < b; k++) {
            if (digit(s.charAt(k))) {
                return true;
            }
        }
        return false;
    }

    private static boolean upperAlnum(String s, int a, int b) {
        for (int k = a; k < b; k++) {
            char c = s.charAt(k);
            if (!(digit(c) || (c >= 'A' && c <= 'Z'))) {
                return false;
            }
        }
        return true;
    }

    private static void pems(String s, List<Match> out) {
        for (int i = s.indexOf("-----BEGIN "); i >= 0; i = s.indexOf("-----BEGIN ", i + 11)) {
            int close = s.indexOf("-----", i + 11);
            if (close < 0 || close - i - 11 > PEM_LABEL_MAX || !s.startsWith("PRIVATE KEY", close - 11)) {
                continue;
            }
            int end = Rewriter.pemFooterEnd(s, close + 5);
            if (end < 0) {
                end = s.length();
            }
            out.add(new Match(i, end, Entity.SECRET.name(), Entity.SECRET, Match.Run.PEM,
                    Integer.toHexString(s.substring(i, end).hashCode())));
            i = end - 11;
        }
    }
}
