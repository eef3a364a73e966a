package dev.tollgate.gateway.chargeback;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.Mode;
import dev.tollgate.TollgateConfig;
import dev.tollgate.gateway.Json;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * {@code GET :9000/tollgate/chargeback} on the management port, beside {@code /tollgate/usage} (gateway and standalone
 * mode): the ledger's figures grouped by {@link ChargebackExport}. Parameters: {@code from}, {@code to} (UTC days,
 * inclusive; default this month so far), {@code period} (day or month, default month), {@code groupBy} (default
 * namespace,model), {@code format} (csv or json; {@code Accept: text/csv} selects CSV). A bad parameter is a 400
 * whose message says what is allowed; Redis not answering is a 503 (no partial figures).
 */
@ApplicationScoped
public class ChargebackRoutes {
    private static final Logger LOG = Logger.getLogger(ChargebackRoutes.class);
    private final ChargebackLedger ledger;
    private final TollgateConfig config;

    public ChargebackRoutes(ChargebackLedger ledger, TollgateConfig config) {
        this.ledger = ledger;
        this.config = config;
    }

    void routes(@Observes ManagementInterface management) {
        if (config.mode() != Mode.OPERATOR) {
            management.router().get("/tollgate/chargeback").handler(this::export);
        }
    }

    void export(RoutingContext rc) {
        io.vertx.core.MultiMap query;
        try {
            query = rc.queryParams();
        } catch (RuntimeException e) { // Vert.x's decoder refuses a malformed escape such as %ZZ (the client's fault)
            error(rc, 400, "the query string is not valid percent-encoding (" + e.getMessage()
                    + "): encode '%' as %25", null);
            return;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : query.names()) {
            if (query.getAll(name).size() > 1) {
                error(rc, 400, "parameter '" + name + "' is given more than once", name);
                return;
            }
            params.put(name, query.get(name));
        }
        ChargebackExport.Query q;
        try {
            q = ChargebackExport.parse(params, rc.request().getHeader("accept"), LocalDate.now(ZoneOffset.UTC));
        } catch (ChargebackExport.Invalid e) {
            error(rc, 400, e.getMessage(), e.param());
            return;
        }
        ledger.figures(q.from(), q.to()).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warnf("chargeback export failed: %s", ar.cause().getMessage());
                error(rc, 503, "the chargeback figures could not be read from Redis: retry", null);
                return;
            }
            ChargebackLedger.Figures f = ar.result();
            ChargebackExport.Result r = ChargebackExport.build(q, f.entries(),
                    id -> f.attributes().getOrDefault(id, Map.of()));
            if (q.format() == ChargebackExport.Format.CSV) {
                rc.response().putHeader("content-type", "text/csv; charset=utf-8")
                        .putHeader("content-disposition", "attachment; filename=\"chargeback-" + q.from() + "-" + q.to() + ".csv\"")
                        .end(ChargebackExport.csv(r));
            } else {
                rc.response().putHeader("content-type", "application/json").end(ChargebackExport.json(r));
            }
        });
    }

    private static void error(RoutingContext rc, int status, String message, String param) {
        ObjectNode body = Json.object();
        ObjectNode e = body.putObject("error");
        e.put("message", message);
        e.put("type", status == 400 ? "invalid_request_error" : "service_unavailable");
        if (param != null) {
            e.put("param", param);
        } else {
            e.putNull("param");
        }
        rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(Json.write(body));
    }
}
