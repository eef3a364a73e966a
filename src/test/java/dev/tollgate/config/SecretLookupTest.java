package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretLookupTest {
    private static final Secret SECRET = new SecretBuilder().withNewMetadata().withNamespace("ns").withName("s").endMetadata()
            .addToData("a", "c2stZnJvbS1kYXRh")          // "sk-from-data"
            .addToData("both", "ZnJvbS1kYXRh")         // "from-data"
            .addToStringData("both", "from-stringData")
            .addToStringData("plain", "sk-plain")
            .build();
    private final SecretLookup lookup = (ns, name) -> Optional.ofNullable(Map.of("ns/s", SECRET).get(ns + "/" + name));

    @Test
    void decodesDataAndReadsStringDataWhichWins() {
        assertThat(lookup.value("ns", "s", "a")).contains("sk-from-data");
        assertThat(lookup.value("ns", "s", "plain")).contains("sk-plain");
        assertThat(lookup.value("ns", "s", "both")).contains("from-stringData");
    }

    @Test
    void missingKeyOrSecretIsEmpty() {
        assertThat(lookup.value("ns", "s", "nope")).isEmpty();
        assertThat(lookup.value("ns", "other", "a")).isEmpty();
        assertThat(lookup.value("other", "s", "a")).isEmpty();
    }
}
