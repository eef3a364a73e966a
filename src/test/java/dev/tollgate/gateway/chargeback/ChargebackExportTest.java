package dev.tollgate.gateway.chargeback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.chargeback.ChargebackExport.Entry;
import dev.tollgate.gateway.chargeback.ChargebackExport.Query;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChargebackExportTest {
    static final LocalDate TODAY = LocalDate.of(2026, 3, 14);
    static final Map<String, Map<String, String>> ATTRIBUTES = Map.of(
            "team-a/alice", Map.of("team", "search, ranking", "cost-center", "CC-1"),
            "team-a/bob", Map.of("team", "say \"hi\""),
            "team-b/carol", Map.of("cost-center", "CC-2"));

    static Query query(String... kv) {
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return ChargebackExport.parse(p, null, TODAY);
    }

    static Entry e(String day, String key, String model, List<String> tags, long req, long in, long out, long spend) {
        return new Entry(LocalDate.parse(day), key, model, tags, req, in, out, spend);
    }

    static final List<Entry> ENTRIES = List.of(
            e("2026-02-28", "team-a/alice", "gpt", List.of(), 1, 10, 20, 1_000),
            e("2026-03-01", "team-a/alice", "gpt", List.of("prod", "search"), 2, 30, 40, 2_500),
            e("2026-03-01", "team-a/bob", "claude", List.of("prod"), 3, 5, 6, 70_000),
            e("2026-03-14", "team-b/carol", "gpt", List.of(), 4, 100, 200, 1_234_567),
            e("2026-03-15", "team-b/carol", "gpt", List.of(), 9, 9, 9, 9));

    static ChargebackExport.Result build(Query q) {
        return ChargebackExport.build(q, ENTRIES, id -> ATTRIBUTES.getOrDefault(id, Map.of()));
    }

    @Test
    void defaultsAreThisMonthSoFarByMonthPerNamespaceAndModelAsJson() {
        Query q = query();
        assertThat(q.from()).isEqualTo(LocalDate.of(2026, 3, 1));
        assertThat(q.to()).isEqualTo(TODAY);
        assertThat(q.period()).isEqualTo(ChargebackExport.Period.MONTH);
        assertThat(q.groupBy()).containsExactly("namespace", "model");
        assertThat(q.format()).isEqualTo(ChargebackExport.Format.JSON);
        assertThat(ChargebackExport.parse(Map.of(), "text/csv", TODAY).format()).isEqualTo(ChargebackExport.Format.CSV);
        assertThat(ChargebackExport.parse(Map.of("format", "json"), "text/csv", TODAY).format())
                .as("the parameter wins over Accept").isEqualTo(ChargebackExport.Format.JSON);

        var r = build(q);
        assertThat(r.rows()).containsExactly(
                new ChargebackExport.Row("2026-03", List.of("team-a", "claude"), 3, 5, 6, 70_000),
                new ChargebackExport.Row("2026-03", List.of("team-a", "gpt"), 2, 30, 40, 2_500),
                new ChargebackExport.Row("2026-03", List.of("team-b", "gpt"), 4, 100, 200, 1_234_567));
        assertThat(r.requests()).isEqualTo(9);
        assertThat(r.spendMicros()).isEqualTo(1_307_067);
    }

    @Test
    void fromAndToAreInclusiveAndMonthsBucketAcrossTheirBoundary() {
        var r = build(query("from", "2026-02-28", "to", "2026-03-15", "period", "month", "groupBy", "key"));
        assertThat(r.rows()).extracting(ChargebackExport.Row::period, ChargebackExport.Row::dimensions,
                ChargebackExport.Row::requests).containsExactly(
                org.assertj.core.groups.Tuple.tuple("2026-02", List.of("team-a/alice"), 1L),
                org.assertj.core.groups.Tuple.tuple("2026-03", List.of("team-a/alice"), 2L),
                org.assertj.core.groups.Tuple.tuple("2026-03", List.of("team-a/bob"), 3L),
                org.assertj.core.groups.Tuple.tuple("2026-03", List.of("team-b/carol"), 13L));
        assertThat(r.requests()).isEqualTo(19);
        var days = build(query("from", "2026-03-01", "to", "2026-03-01", "period", "day", "groupBy", ""));
        assertThat(days.rows()).containsExactly(new ChargebackExport.Row("2026-03-01", List.of(), 5, 35, 46, 72_500));
    }

    @Test
    void anEmptyRangeHasNoRowsAndAZeroTotal() {
        var r = build(query("from", "2025-01-01", "to", "2025-01-31"));
        assertThat(r.rows()).isEmpty();
        JsonNode json = Json.parse(ChargebackExport.json(r));
        assertThat(json.path("rows").size()).isZero();
        assertThat(json.path("total").path("requests").asLong()).isZero();
        assertThat(json.path("total").path("spend").asText()).isEqualTo("0.00");
        assertThat(ChargebackExport.csv(r)).isEqualTo("period,namespace,model,requests,inputTokens,outputTokens,spend\r\n");
    }

    @Test
    void aRequestWithTwoTagsIsInBothTagRowsButOnceInTheTotal() {
        var r = build(query("from", "2026-03-01", "to", "2026-03-14", "groupBy", "tag"));
        assertThat(r.rows()).containsExactly(
                new ChargebackExport.Row("2026-03", List.of(ChargebackExport.UNTAGGED), 4, 100, 200, 1_234_567),
                new ChargebackExport.Row("2026-03", List.of("prod"), 5, 35, 46, 72_500),
                new ChargebackExport.Row("2026-03", List.of("search"), 2, 30, 40, 2_500));
        assertThat(r.rows().stream().mapToLong(ChargebackExport.Row::requests).sum()).isEqualTo(11);
        assertThat(r.requests()).as("each request once").isEqualTo(9);
        JsonNode json = Json.parse(ChargebackExport.json(r));
        assertThat(json.path("total").path("spend").asText()).isEqualTo("1.307067");
        assertThat(json.path("rows").get(1).path("tag").asText()).isEqualTo("prod");
        assertThat(json.path("rows").get(1).path("spend").isTextual()).as("spend is a decimal string").isTrue();
    }

    @Test
    void attributesGroupAndTheirValuesAreQuotedInCsv() {
        var r = build(query("from", "2026-03-01", "to", "2026-03-14", "groupBy", "attribute:team,attribute:cost-center"));
        assertThat(r.rows()).extracting(ChargebackExport.Row::dimensions).containsExactly(
                List.of("", "CC-2"), List.of("say \"hi\"", ""), List.of("search, ranking", "CC-1"));
        assertThat(ChargebackExport.csv(r)).isEqualTo(
                "period,attribute:team,attribute:cost-center,requests,inputTokens,outputTokens,spend\r\n"
                        + "2026-03,,CC-2,4,100,200,1.234567\r\n"
                        + "2026-03,\"say \"\"hi\"\"\",,3,5,6,0.07\r\n"
                        + "2026-03,\"search, ranking\",CC-1,2,30,40,0.0025\r\n");
        assertThat(ChargebackExport.cell("a\nb")).isEqualTo("\"a\nb\"");
        assertThat(ChargebackExport.cell(" lead")).isEqualTo("\" lead\"");
        assertThat(ChargebackExport.cell("plain")).isEqualTo("plain");
    }

    @Test
    void tenantTextThatASpreadsheetWouldRunAsAFormulaIsPrefixedButFiguresAreNot() {
        LocalDate d = LocalDate.of(2026, 3, 2);
        List<Entry> entries = List.of(new Entry(d, "ns/k", "gpt", List.of(), 1, 2, 3, 500_000));
        Map<String, Map<String, String>> attrs = Map.of("ns/k", Map.of("a", "=HYPERLINK(\"http://x\",\"y\")",
                "b", "+1", "c", "-2", "d", "@SUM(A1)", "e", "\tx", "f", "\rx", "g", "a=b", "h", "'quoted"));
        Query q = ChargebackExport.parse(Map.of("from", "2026-03-01", "to", "2026-03-14",
                "groupBy", "attribute:a,attribute:b,attribute:c,attribute:d,attribute:e,attribute:f,attribute:g,attribute:h,model"),
                null, LocalDate.of(2026, 3, 14));
        var r = ChargebackExport.build(q, entries, id -> attrs.getOrDefault(id, Map.of()));
        String csv = ChargebackExport.csv(r);
        assertThat(csv.split("\r\n", -1)[1]).isEqualTo("2026-03,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'+1,'-2,'@SUM(A1),"
                + "'\tx,\"'\rx\",a=b,'quoted,gpt,1,2,3,0.50");
        assertThat(ChargebackExport.json(r)).as("JSON is data, not a sheet: unchanged").contains("\"=HYPERLINK(", "\"attribute:c\":\"-2\"");
    }

    @Test
    void namespaceKeyModelAndPeriodDayCombine() {
        var r = build(query("from", "2026-03-01", "to", "2026-03-31", "period", "day", "groupBy", "model,namespace,key"));
        assertThat(r.rows()).extracting(ChargebackExport.Row::period, ChargebackExport.Row::dimensions).containsExactly(
                org.assertj.core.groups.Tuple.tuple("2026-03-01", List.of("claude", "team-a", "team-a/bob")),
                org.assertj.core.groups.Tuple.tuple("2026-03-01", List.of("gpt", "team-a", "team-a/alice")),
                org.assertj.core.groups.Tuple.tuple("2026-03-14", List.of("gpt", "team-b", "team-b/carol")),
                org.assertj.core.groups.Tuple.tuple("2026-03-15", List.of("gpt", "team-b", "team-b/carol")));
    }

    @Test
    void badParametersSayWhatIsAllowed() {
        assertThatThrownBy(() -> query("period", "week")).isInstanceOf(ChargebackExport.Invalid.class)
                .hasMessageContaining("day or month").extracting(t -> ((ChargebackExport.Invalid) t).param()).isEqualTo("period");
        assertThatThrownBy(() -> query("groupBy", "namespace,team")).hasMessageContaining("namespace, key, model, tag, attribute:<name>");
        assertThatThrownBy(() -> query("groupBy", "attribute:")).hasMessageContaining("attribute:<name>");
        assertThatThrownBy(() -> query("groupBy", "tag,tag")).hasMessageContaining("twice");
        assertThatThrownBy(() -> query("from", "2026-3-1")).hasMessageContaining("YYYY-MM-DD")
                .extracting(t -> ((ChargebackExport.Invalid) t).param()).isEqualTo("from");
        assertThatThrownBy(() -> query("to", "2026-02-30")).hasMessageContaining("YYYY-MM-DD");
        assertThatThrownBy(() -> query("from", "2026-03-10", "to", "2026-03-09")).hasMessageContaining("before");
        assertThatThrownBy(() -> query("from", "2020-01-01", "to", "2026-01-01")).hasMessageContaining("1000 days");
        assertThatThrownBy(() -> query("format", "xlsx")).hasMessageContaining("csv or json");
        assertThatThrownBy(() -> query("groupby", "tag")).hasMessageContaining("from, to, period, groupBy, format");
    }
}
