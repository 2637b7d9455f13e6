package dev.detour.plugin.bedrock;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BedrockOptionsTest {

    @Test
    void rejects_a_region_that_is_not_an_aws_region_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BedrockOptions("europe", null, null, null, null));
        assertTrue(e.getMessage().contains("'europe'"));
        assertEquals("ap-southeast-2", new BedrockOptions("ap-southeast-2", null, null, null, null).awsRegion());
    }

    @Test
    void needs_both_keys_and_never_names_their_values() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BedrockOptions(null, "AKIDEXAMPLE", null, null, null));
        assertFalse(e.getMessage().contains("AKIDEXAMPLE"));
        assertThrows(IllegalArgumentException.class, () -> new BedrockOptions(null, null, null, "token", null));
    }

    @Test
    void redacts_credentials_in_to_string() {
        String s = new BedrockOptions(null, "AKIDEXAMPLE", "secret-value", "token-value", null).toString();
        assertFalse(s.contains("AKIDEXAMPLE") || s.contains("secret-value") || s.contains("token-value"), s);
        assertFalse(new BedrockCredentials("AKIDEXAMPLE", "secret-value", null).toString().contains("secret-value"));
    }

    @Test
    void prefers_option_keys_over_the_environment() {
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", "ENVID", "AWS_SECRET_ACCESS_KEY", "envsecret");
        BedrockCredentials fromOptions = BedrockCredentials.resolve(new BedrockOptions(null, "OPTID", "optsecret", null, null), env::get);
        assertEquals("OPTID", fromOptions.accessKeyId());
        BedrockCredentials fromEnv = BedrockCredentials.resolve(BedrockOptions.DEFAULTS, env::get);
        assertEquals("ENVID", fromEnv.accessKeyId());
        assertNull(fromEnv.sessionToken());
    }
}
