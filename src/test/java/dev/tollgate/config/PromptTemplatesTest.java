package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The prompt template engine: what a placeholder is, how request variables are read, and one-pass substitution. */
class PromptTemplatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static GatewayConfig.PromptVersion version(List<GatewayConfig.Variable> variables, String... contents) {
        List<GatewayConfig.Message> messages = new java.util.ArrayList<>();
        for (int i = 0; i < contents.length; i++) {
            messages.add(new GatewayConfig.Message(i == 0 ? "system" : "user", contents[i]));
        }
        return new GatewayConfig.PromptVersion(3, "sha256:x", null, null, variables, messages, null);
    }

    private static final GatewayConfig.PromptVersion SUPPORT = version(List.of(new GatewayConfig.Variable("customer", null),
            new GatewayConfig.Variable("tone", "friendly")), "Be {{ tone }} to {{customer}}.", "Order {{customer}}");

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void placeholdersAreNamesInDoubleBracesWithOptionalBlanks() {
        assertThat(PromptTemplates.placeholders("Hi {{name}}, {{ tone }} and {{\tname\t}} {{_x1}}"))
                .containsExactly("name", "tone", "_x1");
    }

    @Test
    void textThatIsNotAPlaceholderIsLiteral() {
        assertThat(PromptTemplates.placeholders("{{ not a var }} {{ {{1x}} {{a-b}} {name} {{}} }} {{ x")).isEmpty();
        assertThat(PromptTemplates.placeholders(null)).isEmpty();
        assertThat(PromptTemplates.render("{{ not a var }} {{", Map.of("not", "X"))).isEqualTo("{{ not a var }} {{");
    }

    @Test
    void triplesBraceKeepsTheOuterBraces() {
        assertThat(PromptTemplates.render("{{{x}}}", Map.of("x", "v"))).isEqualTo("{v}");
    }

    @Test
    void valuesAreTheRequestsOverTheDefaults() throws Exception {
        assertThat(PromptTemplates.values(SUPPORT, json("{\"customer\":\"Ada\"}")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("customer", "Ada", "tone", "friendly"));
        assertThat(PromptTemplates.values(SUPPORT, json("{\"customer\":42,\"tone\":true}")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("customer", "42", "tone", "true"));
    }

    @Test
    void noVariablesGivenIsFineWhenEveryVariableHasADefault() throws Exception {
        GatewayConfig.PromptVersion v = version(List.of(new GatewayConfig.Variable("tone", "calm")), "{{tone}}");
        assertThat(PromptTemplates.values(v, null)).isEqualTo(Map.of("tone", "calm"));
        assertThat(PromptTemplates.values(v, json("null"))).isEqualTo(Map.of("tone", "calm"));
        assertThat(PromptTemplates.values(v, com.fasterxml.jackson.databind.node.MissingNode.getInstance()))
                .isEqualTo(Map.of("tone", "calm"));
    }

    @Test
    void variablesMustBeAnObject() {
        assertThatThrownBy(() -> PromptTemplates.values(SUPPORT, json("[\"Ada\"]")))
                .isInstanceOf(PromptTemplates.Invalid.class).hasMessageContaining("must be an object")
                .extracting(e -> ((PromptTemplates.Invalid) e).param()).isEqualTo("prompt_variables");
        assertThatThrownBy(() -> PromptTemplates.values(SUPPORT, json("\"Ada\"")))
                .extracting(e -> ((PromptTemplates.Invalid) e).param()).isEqualTo("prompt_variables");
    }

    @Test
    void aValueMustBeAScalar() {
        for (String value : List.of("null", "{\"a\":1}", "[1]")) {
            assertThatThrownBy(() -> PromptTemplates.values(SUPPORT, json("{\"customer\":" + value + "}")))
                    .isInstanceOf(PromptTemplates.Invalid.class)
                    .hasMessageContaining("must be a string, a number or a boolean")
                    .extracting(e -> ((PromptTemplates.Invalid) e).param()).isEqualTo("prompt_variables.customer");
        }
    }

    @Test
    void anUndeclaredVariableIsNamedWithTheDeclaredOnes() {
        assertThatThrownBy(() -> PromptTemplates.values(SUPPORT, json("{\"customer\":\"Ada\",\"mood\":\"x\"}")))
                .isInstanceOf(PromptTemplates.Invalid.class)
                .hasMessageContaining("'mood'").hasMessageContaining("customer, tone")
                .extracting(e -> ((PromptTemplates.Invalid) e).param()).isEqualTo("prompt_variables.mood");
    }

    @Test
    void aMissingRequiredVariableIsNamed() {
        assertThatThrownBy(() -> PromptTemplates.values(SUPPORT, json("{\"tone\":\"dry\"}")))
                .isInstanceOf(PromptTemplates.Invalid.class)
                .hasMessageContaining("needs the variable 'customer'")
                .extracting(e -> ((PromptTemplates.Invalid) e).param()).isEqualTo("prompt_variables.customer");
    }

    @Test
    void messagesAreRenderedInOrderWithTheirRoles() throws Exception {
        ArrayNode m = PromptTemplates.messages(SUPPORT, PromptTemplates.values(SUPPORT, json("{\"customer\":\"Ada\"}")));
        assertThat(m.toString()).isEqualTo("[{\"role\":\"system\",\"content\":\"Be friendly to Ada.\"},"
                + "{\"role\":\"user\",\"content\":\"Order Ada\"}]");
    }

    @Test
    void aValueHoldingAPlaceholderIsNotExpandedAgain() throws Exception {
        ArrayNode m = PromptTemplates.messages(SUPPORT,
                PromptTemplates.values(SUPPORT, json("{\"customer\":\"{{tone}} $1 \\\\\"}")));
        assertThat(m.get(0).get("content").asText()).isEqualTo("Be friendly to {{tone}} $1 \\.");
    }

    @Test
    void aTemplateThatWouldPassTheBudgetIsRefusedBeforeItIsBuilt() {
        // 1,000 uses of a 100 KB value would be 100 MB; the budget (the gateway's 10 MiB body limit) stops it early
        String template = "{{x}} ".repeat(1000);
        GatewayConfig.PromptVersion big = version(List.of(new GatewayConfig.Variable("x", null)), template);
        String value = "v".repeat(100_000);
        int[] lookups = {0};
        Map<String, String> values = new HashMap<>() {
            @Override
            public String get(Object key) {
                lookups[0]++;
                return value;
            }
        };
        long budget = 10L * 1024 * 1024;
        assertThatThrownBy(() -> PromptTemplates.messages(big, values, budget))
                .isInstanceOf(PromptTemplates.TooLarge.class)
                .extracting(e -> ((PromptTemplates.TooLarge) e).budget()).isEqualTo(budget);
        // it stopped at the value that passed the budget: 104 values (and the blanks between) fit in 10 MiB, the 105th not
        assertThat(lookups[0]).isEqualTo(105);
    }

    @Test
    void theBudgetCountsEveryMessageAndTheLiteralText() {
        GatewayConfig.PromptVersion two = version(List.of(new GatewayConfig.Variable("x", null)), "ab{{x}}", "cd{{x}}ef");
        Map<String, String> values = Map.of("x", "123");
        assertThat(PromptTemplates.messages(two, values, 12).toString())
                .isEqualTo("[{\"role\":\"system\",\"content\":\"ab123\"},{\"role\":\"user\",\"content\":\"cd123ef\"}]");
        assertThatThrownBy(() -> PromptTemplates.messages(two, values, 11)).isInstanceOf(PromptTemplates.TooLarge.class);
        GatewayConfig.PromptVersion plain = version(List.of(), "no placeholders here");
        assertThatThrownBy(() -> PromptTemplates.messages(plain, Map.of(), 5)).isInstanceOf(PromptTemplates.TooLarge.class);
    }

    // ---- properties ----------------------------------------------------------------------------------------------

    @Property(tries = 300)
    void textWithoutPlaceholdersIsUnchanged(@ForAll("plainText") String text) {
        assertThat(PromptTemplates.placeholders(text)).isEmpty();
        assertThat(PromptTemplates.render(text, Map.of("a", "X", "name", "Y"))).isSameAs(text);
    }

    @Property(tries = 300)
    void substitutionNeverReExpandsValues(@ForAll("templates") List<String> parts, @ForAll("values") List<String> values) {
        // a template alternating literal parts and placeholders v0, v1, …; values may themselves look like placeholders
        StringBuilder template = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        Map<String, String> byName = new HashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            template.append(parts.get(i)).append("{{ v").append(i).append(" }}");
            String value = values.get(i % values.size());
            byName.put("v" + i, value);
            expected.append(parts.get(i)).append(value);
        }
        assertThat(PromptTemplates.render(template.toString(), byName)).isEqualTo(expected.toString());
    }

    @Property(tries = 300)
    void everyPlaceholderWithAValueIsReplaced(@ForAll("templates") List<String> parts) {
        StringBuilder template = new StringBuilder();
        Map<String, String> byName = new HashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            template.append(parts.get(i)).append("{{v").append(i).append("}}");
            byName.put("v" + i, "<" + i + ">");
        }
        String out = PromptTemplates.render(template.toString(), byName);
        assertThat(PromptTemplates.placeholders(out)).isEmpty();
        assertThat(PromptTemplates.placeholders(template.toString())).hasSize(parts.size());
    }

    /** Text that cannot hold a placeholder: no two opening braces in a row. */
    @Provide
    Arbitrary<String> plainText() {
        return Arbitraries.strings().withChars("ab {}$\\\n\t_1").ofMaxLength(60).filter(s -> !s.contains("{{"));
    }

    /** Literal parts that end no placeholder early: no braces (a part ending in '{' would join the next placeholder). */
    @Provide
    Arbitrary<List<String>> templates() {
        return Arbitraries.strings().withChars("ab $\\\n}_1").ofMaxLength(12).list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<String>> values() {
        Arbitrary<String> lookalike = Combinators.combine(Arbitraries.of("v0", "v1", "v2", "x"), Arbitraries.of("", " "))
                .as((n, b) -> "{{" + b + n + b + "}}");
        Arbitrary<String> text = Arbitraries.strings().withChars("ab{}$\\ 1").ofMaxLength(10);
        return Arbitraries.oneOf(lookalike, text).list().ofMinSize(1).ofMaxSize(4);
    }
}
