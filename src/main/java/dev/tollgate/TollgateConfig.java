package dev.tollgate;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Settings under {@code tollgate.*} (environment: TOLLGATE_*). */
@ConfigMapping(prefix = "tollgate")
public interface TollgateConfig {
    /** operator, gateway or standalone. Set by the first command-line argument; standalone when none is given. */
    @WithDefault("standalone")
    Mode mode();

    Standalone standalone();

    Gateway gateway();

    interface Gateway {
        /** Image of the gateway pods the operator creates; GatewayDeployment.spec.image overrides it. */
        String image();
    }

    interface Standalone {
        /** Folder of manifests to serve; absent: the embedded sample (samples/standalone). */
        Optional<String> dir();
    }
}
