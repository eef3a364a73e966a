package dev.tollgate.gateway;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The gateway's HTTP front (port 4000): in gateway and standalone mode. */
@ApplicationScoped
public class GatewayHttp {
    private final String mode;

    public GatewayHttp(@ConfigProperty(name = "tollgate.mode", defaultValue = "standalone") String mode) {
        this.mode = mode;
    }

    void routes(@Observes Router router) {
        if ("operator".equalsIgnoreCase(mode)) {
            return;
        }
        router.get("/health/liveness").handler(rc -> rc.response().setStatusCode(200).end("{\"status\":\"UP\"}"));
        router.get("/health/readiness").handler(rc -> rc.response().setStatusCode(200).end("{\"status\":\"UP\"}"));
    }
}
