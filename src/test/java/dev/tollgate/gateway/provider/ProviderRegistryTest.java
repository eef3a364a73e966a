package dev.tollgate.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.Provider;
import dev.tollgate.config.Provider.Capability;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The provider registry ({@link Provider}) and the gateway agree: a provider marked served has an adapter and no
 * other does (the renderer refuses the rest, so no request meets a 501), the operations each adapter serves are the
 * registry's capabilities, each adapter lives in its family's package, and the README's table is the registry's.
 */
class ProviderRegistryTest {
    static final boolean UPDATE = Boolean.getBoolean("update-generated");
    static final String BEGIN = "<!-- providers:begin";
    static final String END = "<!-- providers:end -->";

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close();
    }

    static final Map<Operation, Capability> OPERATIONS = operations();

    static Map<Operation, Capability> operations() {
        Map<Operation, Capability> m = new java.util.EnumMap<>(Operation.class);
        for (Operation op : Operation.values()) {
            if (op == Operation.PASSTHROUGH) {
                continue; // no adapter serves it: the pass-through routes do (Provider.passThrough, PassThroughTest)
            }
            m.put(op, switch (op.name()) {
                case "CHAT" -> Capability.CHAT;
                case "COMPLETIONS" -> Capability.COMPLETIONS;
                case "EMBEDDINGS" -> Capability.EMBEDDINGS;
                case "IMAGES" -> Capability.IMAGE_GENERATION;
                case "RERANK" -> Capability.RERANK;
                default -> throw new AssertionError("an operation with no capability in the registry: " + op);
            });
        }
        return m;
    }

    @Test
    void everyProviderMarkedServedHasAnAdapterAndNoOtherDoes() {
        Upstreams upstreams = new Upstreams(vertx);
        for (Provider p : Provider.values()) {
            assertThat(upstreams.forProvider(p.wireName()).isPresent()).as(p.wireName()).isEqualTo(p.served());
        }
    }

    /** Issue 18: no provider the operator accepts (the CRD's enum is the registry) answers 501. */
    @Test
    void everyProviderTheOperatorAcceptsIsServed() {
        Upstreams upstreams = new Upstreams(vertx);
        assertThat(Provider.values()).allSatisfy(p -> {
            assertThat(p.served()).as("%s is served", p.wireName()).isTrue();
            assertThat(upstreams.forProvider(p.wireName())).as("%s has an adapter", p.wireName()).isPresent();
        });
    }

    @Test
    void theOperationsEachAdapterServesAreTheRegistrysCapabilities() {
        Upstreams upstreams = new Upstreams(vertx);
        for (Provider p : Provider.values()) {
            upstreams.forProvider(p.wireName()).ifPresent(served -> OPERATIONS.forEach((op, capability) ->
                    assertThat(served.supports(op)).as("%s serves %s", p.wireName(), op)
                            .isEqualTo(p.capabilities().contains(capability))));
            if (p.served()) {
                assertThat(p.capabilities()).as(p.wireName()).contains(Capability.CHAT);
            }
        }
    }

    @Test
    void eachAdapterLivesInItsFamilysPackage() {
        Upstreams upstreams = new Upstreams(vertx);
        for (Provider p : Provider.values()) {
            upstreams.forProvider(p.wireName()).ifPresent(served -> {
                Object impl = served.hub() instanceof HubUpstream ? ((HubUpstream) served.hub()).adapter() : served.hub();
                assertThat(impl.getClass().getPackageName()).as(p.wireName())
                        .isEqualTo("dev.tollgate.gateway.provider." + p.family());
            });
        }
    }

    @Test
    void theReadmeTableIsTheRegistrys() throws Exception {
        Path readme = Path.of("README.md");
        String text = Files.readString(readme);
        int begin = text.indexOf('\n', text.indexOf(BEGIN)) + 1;
        int end = text.indexOf(END);
        assertThat(begin).isPositive();
        assertThat(end).isGreaterThan(begin - 1);
        String expected = Provider.docsTable();
        if (UPDATE) {
            Files.writeString(readme, text.substring(0, begin) + expected + text.substring(end));
            text = Files.readString(readme);
            begin = text.indexOf('\n', text.indexOf(BEGIN)) + 1;
            end = text.indexOf(END);
        }
        assertThat(text.substring(begin, end)).as("README's provider table (run ProviderRegistryTest with "
                + "-Dupdate-generated=true and commit)").isEqualTo(expected);
    }
}
