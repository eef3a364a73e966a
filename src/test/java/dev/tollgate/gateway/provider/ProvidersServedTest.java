package dev.tollgate.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.Provider;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The renderer refuses models of providers without {@link Provider#served()} (ProviderNotSupported): the flag must
 * say exactly which providers the gateway has an adapter for, or a model would be Ready and answered 501.
 */
class ProvidersServedTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close();
    }

    @Test
    void everyProviderMarkedServedHasAnAdapterAndNoOtherDoes() {
        Upstreams upstreams = new Upstreams(vertx);
        for (Provider p : Provider.values()) {
            assertThat(upstreams.forProvider(p.wireName()).isPresent()).as(p.wireName()).isEqualTo(p.served());
        }
    }
}
