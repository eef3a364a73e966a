package dev.tollgate.gateway.chargeback;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.Json;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The chargeback export ({@code GET :9000/tollgate/chargeback}), as a pure function: the ledger's entries (one per
 * UTC day, key, model group and tag set) grouped by period and the asked dimensions, as JSON or CSV.
 *
 * <p>Dimensions: {@code namespace} (of the key), {@code key} (its id, {@code namespace/name}), {@code attribute:<name>}
 * (the VirtualKey's attribute, "" when the key has none of that name), {@code tag}, {@code model} (the public model
 * name). Grouping by {@code tag} puts a request with two tags in both tags' rows, and an untagged request in the row
 * of {@link #UNTAGGED}: the rows' sum then counts a request once per tag, while {@code total} counts every request
 * once. Spend is a decimal string of USD ({@link Money#format}), never a float.
 */
public final class ChargebackExport {
    private ChargebackExport() {}

    /** The tag row of requests that carry no tag (tags start with a letter or digit: it names no real tag). */
    public static final String UNTAGGED = "(untagged)";
    /**
     * The tag set of requests counted past a gateway process's cap of rows per day
     * ({@code tollgate.gateway.chargeback-max-rows-per-day}): their key and model are exact, their tags are not kept.
     */
    public static final String OTHER = "(other)";
    /** The longest range one export covers. */
    public static final int MAX_DAYS = 1000;
    static final List<String> PARAMETERS = List.of("from", "to", "period", "groupBy", "format");
    static final String DIMENSIONS = "namespace, key, model, tag, attribute:<name>";

    /** What one key used on one UTC day of one model group with one tag set (tags sorted, empty: none). */
    public record Entry(LocalDate day, String keyId, String model, List<String> tags, long requests, long inputTokens,
            long outputTokens, long spendMicros) {}

    public enum Period {
        DAY, MONTH;

        String label(LocalDate day) {
            return this == DAY ? day.toString() : day.toString().substring(0, 7);
        }
    }

    public enum Format { JSON, CSV }

    /** A parsed request: the inclusive day range, the period, the dimensions and the format. */
    public record Query(LocalDate from, LocalDate to, Period period, List<String> groupBy, Format format) {}

    /** A bad parameter: answered 400 with this message (it says what is allowed) and the parameter's name. */
    public static final class Invalid extends RuntimeException {
        private final String param;

        Invalid(String message, String param) {
            super(message, null, false, false);
            this.param = param;
        }

        public String param() {
            return param;
        }
    }

    /** One output row: the period, the dimensions' values (in groupBy order) and the figures. */
    public record Row(String period, List<String> dimensions, long requests, long inputTokens, long outputTokens,
            long spendMicros) {}

    /** The rows, sorted by period then dimensions, and the total (every request once). */
    public record Result(Query query, List<Row> rows, long requests, long inputTokens, long outputTokens,
            long spendMicros) {}

    /**
     * Parses the query parameters (one value each). Defaults: from the first of {@code today}'s month to
     * {@code today}, period month, groupBy namespace,model, JSON unless {@code accept} asks for text/csv.
     */
    public static Query parse(Map<String, String> params, String accept, LocalDate today) {
        for (String p : params.keySet()) {
            if (!PARAMETERS.contains(p)) {
                throw new Invalid("unknown parameter '" + p + "': the parameters are " + String.join(", ", PARAMETERS), p);
            }
        }
        LocalDate from = day(params.get("from"), "from", today.withDayOfMonth(1));
        LocalDate to = day(params.get("to"), "to", today);
        if (to.isBefore(from)) {
            throw new Invalid("'to' (" + to + ") is before 'from' (" + from + "): both days are included, to >= from", "to");
        }
        if (from.plusDays(MAX_DAYS).isBefore(to.plusDays(1))) {
            throw new Invalid("the range covers more than " + MAX_DAYS + " days: export it in parts", "from");
        }
        String p = params.getOrDefault("period", "month");
        Period period;
        if (p.equals("day")) {
            period = Period.DAY;
        } else if (p.equals("month")) {
            period = Period.MONTH;
        } else {
            throw new Invalid("period '" + p + "' is not allowed: day or month", "period");
        }
        List<String> groupBy = new ArrayList<>();
        String g = params.getOrDefault("groupBy", "namespace,model");
        if (!g.isBlank()) {
            Set<String> seen = new HashSet<>();
            for (String d : g.split(",", -1)) {
                String dim = d.trim();
                boolean ok = dim.equals("namespace") || dim.equals("key") || dim.equals("model") || dim.equals("tag")
                        || dim.startsWith("attribute:") && dim.length() > "attribute:".length();
                if (!ok) {
                    throw new Invalid("groupBy '" + dim + "' is not allowed: a comma-separated list of " + DIMENSIONS,
                            "groupBy");
                }
                if (!seen.add(dim)) {
                    throw new Invalid("groupBy names '" + dim + "' twice", "groupBy");
                }
                groupBy.add(dim);
            }
        }
        String f = params.get("format");
        Format format;
        if (f == null) {
            format = accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("text/csv") ? Format.CSV : Format.JSON;
        } else if (f.equals("csv")) {
            format = Format.CSV;
        } else if (f.equals("json")) {
            format = Format.JSON;
        } else {
            throw new Invalid("format '" + f + "' is not allowed: csv or json (or Accept: text/csv)", "format");
        }
        return new Query(from, to, period, List.copyOf(groupBy), format);
    }

    private static LocalDate day(String value, String param, LocalDate otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            if (value.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
                return LocalDate.parse(value);
            }
        } catch (DateTimeParseException e) {
            // answered below
        }
        throw new Invalid("'" + param + "' must be a UTC day YYYY-MM-DD (e.g. 2026-01-31), not '" + value + "'", param);
    }

    /**
     * Groups the entries within the query's days.
     *
     * @param attributes a key id's VirtualKey attributes (never null; empty when unknown)
     */
    public static Result build(Query q, Collection<Entry> entries, Function<String, Map<String, String>> attributes) {
        Map<List<String>, long[]> groups = new TreeMap<>(ChargebackExport::compare);
        long req = 0;
        long in = 0;
        long out = 0;
        long spend = 0;
        for (Entry e : entries) {
            if (e.day().isBefore(q.from()) || e.day().isAfter(q.to())) {
                continue;
            }
            req += e.requests();
            in += e.inputTokens();
            out += e.outputTokens();
            spend += e.spendMicros();
            List<String> tags = e.tags().isEmpty() ? List.of(UNTAGGED) : e.tags();
            boolean byTag = q.groupBy().contains("tag");
            for (String tag : byTag ? tags : List.of("")) {
                List<String> k = new ArrayList<>(q.groupBy().size() + 1);
                k.add(q.period().label(e.day()));
                for (String dim : q.groupBy()) {
                    k.add(value(dim, e, tag, attributes));
                }
                long[] c = groups.computeIfAbsent(k, x -> new long[4]);
                c[0] += e.requests();
                c[1] += e.inputTokens();
                c[2] += e.outputTokens();
                c[3] += e.spendMicros();
            }
        }
        List<Row> rows = new ArrayList<>();
        groups.forEach((k, c) -> rows.add(new Row(k.get(0), List.copyOf(k.subList(1, k.size())), c[0], c[1], c[2], c[3])));
        return new Result(q, rows, req, in, out, spend);
    }

    private static String value(String dim, Entry e, String tag, Function<String, Map<String, String>> attributes) {
        switch (dim) {
            case "namespace": {
                int slash = e.keyId().indexOf('/');
                return slash < 0 ? "" : e.keyId().substring(0, slash);
            }
            case "key":
                return e.keyId();
            case "model":
                return e.model();
            case "tag":
                return tag;
            default: {
                Map<String, String> a = attributes.apply(e.keyId());
                String v = a == null ? null : a.get(dim.substring("attribute:".length()));
                return v == null ? "" : v;
            }
        }
    }

    private static int compare(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** The CSV header's names: period, the dimensions, then the figures. */
    static List<String> columns(Query q) {
        List<String> c = new ArrayList<>();
        c.add("period");
        c.addAll(q.groupBy());
        c.addAll(List.of("requests", "inputTokens", "outputTokens", "spend"));
        return c;
    }

    /**
     * RFC 4180 CSV (CRLF line ends): a header, then one line per row; no total line, so a spreadsheet's sum of a
     * column is the total (of the spend: per tag when grouped by tag, see the class comment).
     */
    public static String csv(Result r) {
        StringBuilder sb = new StringBuilder();
        line(sb, columns(r.query()));
        for (Row row : r.rows()) {
            List<String> cells = new ArrayList<>();
            cells.add(row.period());
            for (String d : row.dimensions()) {
                cells.add(inert(d)); // namespaces, key names, attributes and tags are the tenants' text
            }
            cells.add(Long.toString(row.requests()));
            cells.add(Long.toString(row.inputTokens()));
            cells.add(Long.toString(row.outputTokens()));
            cells.add(Money.format(row.spendMicros()));
            line(sb, cells);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(cell(cells.get(i)));
        }
        sb.append("\r\n");
    }

    /**
     * A text cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): one starting with
     * {@code = + - @}, a tab or CR gets a leading {@code '}. Only for text: the figures are numbers the gateway wrote
     * (and never negative), prefixing them would make them text.
     */
    static String inert(String v) {
        if (!v.isEmpty()) {
            char c = v.charAt(0);
            if (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r') {
                return "'" + v;
            }
        }
        return v;
    }

    /** A CSV cell: quoted (quotes doubled) when it holds a comma, a quote, CR or LF, or starts or ends with a space. */
    static String cell(String v) {
        boolean quote = v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0
                || !v.isEmpty() && (v.charAt(0) == ' ' || v.charAt(v.length() - 1) == ' ');
        return quote ? '"' + v.replace("\"", "\"\"") + '"' : v;
    }

    /** JSON: the query, {@code rows} (each with period, its dimensions by name, the figures) and {@code total}. */
    public static String json(Result r) {
        ObjectNode root = Json.object();
        Query q = r.query();
        root.put("from", q.from().toString());
        root.put("to", q.to().toString());
        root.put("period", q.period() == Period.DAY ? "day" : "month");
        ArrayNode g = root.putArray("groupBy");
        q.groupBy().forEach(g::add);
        ArrayNode rows = root.putArray("rows");
        for (Row row : r.rows()) {
            ObjectNode o = rows.addObject();
            o.put("period", row.period());
            for (int i = 0; i < q.groupBy().size(); i++) {
                o.put(q.groupBy().get(i), row.dimensions().get(i));
            }
            figures(o, row.requests(), row.inputTokens(), row.outputTokens(), row.spendMicros());
        }
        figures(root.putObject("total"), r.requests(), r.inputTokens(), r.outputTokens(), r.spendMicros());
        return Json.write(root);
    }

    private static void figures(ObjectNode o, long requests, long in, long out, long spend) {
        o.put("requests", requests);
        o.put("inputTokens", in);
        o.put("outputTokens", out);
        o.put("spend", Money.format(spend));
    }
}
