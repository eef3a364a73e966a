package dev.tollgate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MainTest {
    @AfterEach
    void clear() {
        System.clearProperty("tollgate.mode");
        System.clearProperty("tollgate.standalone.dir");
    }

    @Test
    void argumentsBecomeConfiguration() {
        Main.applyArgs("standalone", "/tmp/manifests");
        assertThat(System.getProperty("tollgate.mode")).isEqualTo("standalone");
        assertThat(System.getProperty("tollgate.standalone.dir")).isEqualTo("/tmp/manifests");
        Main.applyArgs("OPERATOR");
        assertThat(System.getProperty("tollgate.mode")).isEqualTo("operator");
    }

    @Test
    void noArgumentsLeaveTheDefault() {
        Main.applyArgs();
        assertThat(System.getProperty("tollgate.mode")).isNull();
    }

    @Test
    void badArgumentsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> Main.applyArgs("proxy")).hasMessageContaining("unknown mode 'proxy'")
                .hasMessageContaining("operator, gateway or standalone");
        assertThatThrownBy(() -> Main.applyArgs("gateway", "extra")).hasMessageContaining("takes no further arguments");
    }
}
