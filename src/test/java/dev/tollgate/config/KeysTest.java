package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KeysTest {

    @Test
    void generatedKeyIsPrefixPlus43UrlSafeBase64CharsCarrying256Bits() {
        String key = Keys.generate();
        assertThat(key).startsWith("sk-tg-").hasSize(6 + 43);
        String body = key.substring(6);
        assertThat(body).matches("[A-Za-z0-9_-]{43}");
        assertThat(Base64.getUrlDecoder().decode(body)).hasSize(32);
    }

    @Test
    void generatedKeysDoNotRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seen.add(Keys.generate());
        }
        assertThat(seen).hasSize(1000);
    }

    @ParameterizedTest(name = "sha256(\"{0}\")")
    @CsvSource({
            "abc, ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "'', e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            // FIPS 180-2 two-block test vector
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq, "
                    + "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    })
    void sha256HexMatchesKnownVectors(String input, String hex) {
        assertThat(Keys.sha256Hex(input)).isEqualTo(hex);
    }

    @Test
    void sha256HexIsLowerCaseHexOf64Chars() {
        assertThat(Keys.sha256Hex(Keys.generate())).matches("[0-9a-f]{64}");
    }

    @Test
    void shownRevealsOnlyThePrefixAndFourCharactersOfAGeneratedKey() {
        String key = "sk-tg-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde";
        assertThat(key).hasSize(49);
        assertThat(Keys.shown(key)).isEqualTo("sk-tg-AbCd…");
    }

    @Test
    void shownNeverRevealsMoreThanTenCharactersNorMoreThanAThirdOfAnyKey() {
        String source = "sk-tg-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for (int len = 0; len <= source.length(); len++) {
            String key = source.substring(0, len);
            String shown = Keys.shown(key);
            assertThat(shown).as("length %d", len).endsWith("…");
            String revealed = shown.substring(0, shown.length() - 1);
            assertThat(key).as("length %d", len).startsWith(revealed);
            assertThat(revealed.length()).as("length %d", len).isLessThanOrEqualTo(Math.min(10, len / 3));
        }
    }

    @Test
    void shownOfAShortUserKeyStaysWithinAThird() {
        // A 20-character bring-your-own key (the shortest accepted) shows 6 characters, not 10.
        assertThat(Keys.shown("abcdefghijklmnopqrst")).isEqualTo("abcdef…");
    }
}
