package dev.tollgate.gateway;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * The {@link HealthSource} while nothing better is wired: no routing state, so the usage report shows every
 * deployment the recorder counted as Healthy, with its requests and upstream failures of the last minute.
 */
@DefaultBean
@ApplicationScoped
public class CountsOnlyHealth implements HealthSource {
    @Override
    public Map<String, View> health(long nowMillis) {
        return Map.of();
    }
}
