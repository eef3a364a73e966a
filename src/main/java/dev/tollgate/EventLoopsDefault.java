package dev.tollgate;

import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * One Vert.x event loop per CPU the JVM may use. Quarkus' own default is one per CPU but at least two, so a
 * one-CPU gateway (the usual pod, and the benchmark's pin) ran two loops that took turns on its one core. Tollgate
 * never blocks an event loop, so the second loop bought nothing: with one, the one-CPU gateway at saturation served
 * 8–12 % more requests a second and its p99 fell from about 10 to about 6 ms (bench/README, item 15).
 * The value sits below application.properties, the environment and system properties, so
 * {@code QUARKUS_VERTX_EVENT_LOOPS_POOL_SIZE} or {@code -Dquarkus.vertx.event-loops-pool-size} still decide.
 */
public final class EventLoopsDefault implements ConfigSource {
    static final String PROPERTY = "quarkus.vertx.event-loops-pool-size";

    @Override
    public Map<String, String> getProperties() {
        return Map.of(PROPERTY, getValue(PROPERTY));
    }

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(PROPERTY);
    }

    @Override
    public String getValue(String propertyName) {
        return PROPERTY.equals(propertyName) ? Integer.toString(Runtime.getRuntime().availableProcessors()) : null;
    }

    @Override
    public String getName() {
        return "tollgate-event-loops-default";
    }

    /** Below application.properties (250), the environment (300) and system properties (400). */
    @Override
    public int getOrdinal() {
        return 200;
    }
}
