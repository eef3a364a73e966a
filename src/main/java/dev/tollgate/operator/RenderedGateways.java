package dev.tollgate.operator;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Problem;
import dev.tollgate.config.RenderResult;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * What each gateway's latest render serves and refuses, so that a resource's {@code Ready} means "served": the
 * GatewayDeployment controller records every render here, and the VirtualKey, LlmModel and Budget controllers read
 * their resource's verdict (served by which gateways, or the problem the renderer found) instead of repeating the
 * renderer's reasoning. When a render changes a resource's verdict, that resource's controller is told (and only
 * that one: a render of 10,000 keys that changes one key re-checks one key).
 */
@ApplicationScoped
public class RenderedGateways {
    public static final String KEY = "VirtualKey";
    public static final String MODEL = "LlmModel";
    public static final String BUDGET = "Budget";
    /** A team's LogSink: served when a gateway's render sends its namespace's calls to it. */
    public static final String LOG_SINK = dev.tollgate.config.Observabilities.LOG_SINK;
    /** A team's Prompt: served when a gateway's render carries it (in the namespaces it serves keys from). */
    public static final String PROMPT = dev.tollgate.config.Prompts.PROMPT;
    /** The kinds a render has a verdict on. */
    static final List<String> KINDS = List.of(KEY, MODEL, BUDGET, LOG_SINK, PROMPT);

    /**
     * One gateway's latest render: ids served by kind, problems by "Kind/namespace/name", and the generation of every
     * resource of each kind the render looked at (served, refused or not selected), by id.
     */
    public record Rendered(String gateway, Map<String, Set<String>> served, Map<String, Problem> problems,
            Map<String, Map<String, Long>> seen, Map<String, List<Problem>> warnings) {
        static Rendered of(String gateway, RenderResult r, Map<String, Map<String, Long>> seen) {
            GatewayConfig c = r.config();
            Map<String, Set<String>> served = Map.of(
                    KEY, c.keys().stream().map(GatewayConfig.Key::id).collect(Collectors.toUnmodifiableSet()),
                    MODEL, c.models().stream().map(GatewayConfig.Model::id).collect(Collectors.toUnmodifiableSet()),
                    BUDGET, c.budgets().stream().map(GatewayConfig.Budget::id).collect(Collectors.toUnmodifiableSet()),
                    LOG_SINK, c.observability() == null ? Set.of() : c.observability().sinks().stream()
                            .filter(s -> s.namespace() != null).map(GatewayConfig.Sink::id)
                            .collect(Collectors.toUnmodifiableSet()),
                    PROMPT, c.prompts() == null ? Set.of() : c.prompts().stream().map(GatewayConfig.Prompt::id)
                            .collect(Collectors.toUnmodifiableSet()));
            Map<String, Problem> problems = new HashMap<>();
            r.problems().forEach(p -> problems.putIfAbsent(p.kind() + "/" + p.id(), p));
            Map<String, List<Problem>> warnings = new HashMap<>();
            r.warnings().forEach(p -> warnings.computeIfAbsent(p.kind() + "/" + p.id(), k -> new ArrayList<>()).add(p));
            warnings.replaceAll((k, v) -> List.copyOf(v));
            return new Rendered(gateway, served, Map.copyOf(problems), seen, Map.copyOf(warnings));
        }

        List<Problem> warnings(String kind, String id) {
            return warnings.getOrDefault(kind + "/" + id, List.of());
        }

        /** Whether this render looked at the resource at (at least) the given generation. */
        boolean saw(String kind, String id, long generation) {
            Long g = seen.getOrDefault(kind, Map.of()).get(id);
            return g != null && g >= generation;
        }

        boolean serves(String kind, String id) {
            return served.getOrDefault(kind, Set.of()).contains(id);
        }

        Optional<Problem> problem(String kind, String id) {
            return Optional.ofNullable(problems.get(kind + "/" + id));
        }

        /** Ids of one kind this render has a verdict on (served, refused or looked at). */
        Set<String> concerned(String kind) {
            Set<String> out = new HashSet<>(served.getOrDefault(kind, Set.of()));
            out.addAll(seen.getOrDefault(kind, Map.of()).keySet());
            problems.values().stream().filter(p -> kind.equals(p.kind())).forEach(p -> out.add(p.id()));
            warnings.values().stream().flatMap(List::stream).filter(p -> kind.equals(p.kind())).forEach(p -> out.add(p.id()));
            return out;
        }
    }

    /**
     * A resource's verdict over the gateways that exist now.
     *
     * @param servedBy gateways (namespace/name) whose render serves it, sorted
     * @param problem  the first problem a gateway's render found with it (a resource refused by one gateway is not
     *                 Ready even if another serves it: requests through the first one fail)
     * @param complete whether every existing gateway has rendered the resource's current generation since the
     *                 operator started; until then "served by nobody" is not yet known
     * @param warnings what the gateways' renders serve, but not quite as declared (RoutingConflict, UnknownFallback
     *                 …), each message naming its gateway; they never make the resource not Ready
     */
    public record Admission(List<String> servedBy, Optional<Problem> problem, boolean complete, List<Problem> warnings) {
        public Admission(List<String> servedBy, Optional<Problem> problem, boolean complete) {
            this(servedBy, problem, complete, List.of());
        }

        public boolean known() {
            return complete || !servedBy.isEmpty() || problem.isPresent();
        }
    }

    /**
     * Per kind, the problems only a render can find (they depend on other resources as a gateway selects them). Any
     * other problem a render reports is one the resource's own controller checks itself from fresher data (a key
     * Secret the gateway's cache has not seen yet): when that controller found none, the render is behind, and the
     * verdict waits for the next render instead of showing a stale problem.
     */
    static final Map<String, Set<String>> RENDER_ONLY = Map.of(KEY, Set.of("BudgetNotFound"),
            MODEL, Set.of("ModelNameTaken"), BUDGET, Set.of(),
            LOG_SINK, dev.tollgate.config.Observabilities.REASONS, // a LogSink is judged by the renders alone
            PROMPT, dev.tollgate.config.Prompts.REASONS); // and so is a Prompt

    private final Map<String, Rendered> byGateway = new ConcurrentHashMap<>();
    private final Map<String, List<Consumer<ResourceID>>> listeners = new ConcurrentHashMap<>();

    /** Registers for changes of the verdicts on one kind (KEY, MODEL, BUDGET, LOG_SINK, PROMPT). */
    public void onChange(String kind, Consumer<ResourceID> listener) {
        listeners.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /**
     * Records a gateway's render and tells the controllers of every resource whose verdict it changed or whose new
     * generation it looked at for the first time.
     *
     * @param seen the generation of every resource of each kind (KEY, MODEL, BUDGET, LOG_SINK, PROMPT) the render was given, by id
     */
    public void update(String gatewayId, RenderResult render, Map<String, Map<String, Long>> seen) {
        Rendered next = Rendered.of(gatewayId, render, seen);
        Rendered previous = byGateway.put(gatewayId, next);
        for (String kind : KINDS) {
            Set<String> ids = new TreeSet<>(next.concerned(kind));
            if (previous != null) {
                ids.addAll(previous.concerned(kind));
                ids.removeIf(id -> previous.serves(kind, id) == next.serves(kind, id)
                        && previous.problem(kind, id).equals(next.problem(kind, id))
                        && previous.warnings(kind, id).equals(next.warnings(kind, id))
                        && java.util.Objects.equals(previous.seen().getOrDefault(kind, Map.of()).get(id),
                                next.seen().getOrDefault(kind, Map.of()).get(id)));
            }
            ids.forEach(id -> fire(kind, id));
        }
    }

    /** Ids (namespace/name) of one kind that a gateway's latest render serves (empty before its first render). */
    public Set<String> served(String gatewayId, String kind) {
        Rendered r = byGateway.get(gatewayId);
        return r == null ? Set.of() : r.served().getOrDefault(kind, Set.of());
    }

    /** Ids of one kind that a gateway's latest render has a verdict on (for the deletion of that gateway). */
    public Set<ResourceID> concerned(String gatewayId, String kind) {
        Rendered r = byGateway.get(gatewayId);
        return r == null ? Set.of() : r.concerned(kind).stream().map(RenderedGateways::resourceId).collect(Collectors.toSet());
    }

    /**
     * The verdict on one resource.
     *
     * @param generation       the resource's metadata.generation now
     * @param existingGateways ids (namespace/name) of the GatewayDeployments that exist now; renders of others
     *                         (deleted since) do not count
     */
    public Admission admission(String kind, String id, long generation, Collection<String> existingGateways) {
        List<String> servedBy = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>();
        Optional<Problem> problem = Optional.empty();
        boolean complete = true;
        for (String gw : new TreeSet<>(existingGateways)) {
            Rendered r = byGateway.get(gw);
            Optional<Problem> found = r == null ? Optional.empty() : r.problem(kind, id);
            if (r == null || !r.saw(kind, id, generation)
                    || found.filter(p -> !RENDER_ONLY.getOrDefault(kind, Set.of()).contains(p.reason())).isPresent()) {
                complete = false;
            }
            if (r == null) {
                continue;
            }
            found = found.filter(p -> RENDER_ONLY.getOrDefault(kind, Set.of()).contains(p.reason()));
            if (r.serves(kind, id)) {
                servedBy.add(gw);
            }
            r.warnings(kind, id).forEach(p -> warnings.add(new Problem(p.kind(), p.namespace(), p.name(), p.reason(),
                    "gateway " + gw + ": " + p.message())));
            if (problem.isEmpty()) {
                problem = found.map(p -> new Problem(p.kind(), p.namespace(), p.name(), p.reason(),
                        "gateway " + gw + ": " + p.message()));
            }
        }
        return new Admission(List.copyOf(servedBy), problem, complete, List.copyOf(warnings));
    }

    private void fire(String kind, String id) {
        listeners.getOrDefault(kind, List.of()).forEach(l -> l.accept(resourceId(id)));
    }

    private static ResourceID resourceId(String id) {
        int slash = id.indexOf('/');
        return new ResourceID(id.substring(slash + 1), id.substring(0, slash));
    }
}
