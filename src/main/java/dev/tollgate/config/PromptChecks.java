package dev.tollgate.config;

import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.PromptMessage;
import dev.tollgate.api.v1alpha1.PromptVariable;
import dev.tollgate.api.v1alpha1.PromptVersionSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What makes a Prompt unservable, as a pure function of its spec: the Prompt's status reports it (reason
 * {@value #INVALID_TEMPLATE}) and the renderer leaves such a Prompt out. Duplicate version numbers, a label pointing at
 * a version that is not there, a message using a {@code {{placeholder}}} its version does not declare, a variable
 * declared twice. Each message names the field at fault and never a template's text beyond the placeholder.
 */
public final class PromptChecks {
    public static final String INVALID_TEMPLATE = "InvalidTemplate";
    /** A placeholder as the template engine reads it: {@code {{name}}}, blanks allowed inside the braces. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}}");

    private PromptChecks() {}

    /** Every problem of the Prompt, in spec order; empty when it can be served. */
    public static List<Problem> problems(Prompt p) {
        List<String> found = new ArrayList<>();
        var spec = p.getSpec();
        if (spec == null || spec.getVersions().isEmpty()) {
            found.add("spec.versions is empty: a Prompt needs at least one version");
        } else {
            Set<Integer> numbers = new HashSet<>();
            for (int i = 0; i < spec.getVersions().size(); i++) {
                PromptVersionSpec v = spec.getVersions().get(i);
                String at = "spec.versions[" + i + "]";
                if (v == null || v.getVersion() == null || v.getVersion() < 1) {
                    found.add(at + ".version must be a number from 1");
                    continue;
                }
                if (!numbers.add(v.getVersion())) {
                    found.add(at + ": version " + v.getVersion() + " is declared twice (versions are unique)");
                }
                found.addAll(template(v, at));
            }
            for (Map.Entry<String, Integer> label : spec.getLabels().entrySet()) {
                if (label.getValue() == null || !numbers.contains(label.getValue())) {
                    found.add("spec.labels." + label.getKey() + " points at version " + label.getValue()
                            + ", which spec.versions does not have");
                }
            }
        }
        List<Problem> out = new ArrayList<>();
        for (String m : found) {
            out.add(new Problem("Prompt", p.getMetadata().getNamespace(), p.getMetadata().getName(), INVALID_TEMPLATE, m));
        }
        return out;
    }

    private static List<String> template(PromptVersionSpec v, String at) {
        List<String> out = new ArrayList<>();
        Set<String> declared = new HashSet<>();
        for (PromptVariable var : v.getVariables()) {
            if (var != null && var.getName() != null && !declared.add(var.getName())) {
                out.add(at + ".variables: " + var.getName() + " is declared twice");
            }
        }
        if (v.getMessages().isEmpty()) {
            out.add(at + ".messages is empty: a version needs at least one message");
        }
        for (int j = 0; j < v.getMessages().size(); j++) {
            PromptMessage m = v.getMessages().get(j);
            Set<String> undeclared = new LinkedHashSet<>(placeholders(m == null ? null : m.getContent()));
            undeclared.removeAll(declared);
            for (String name : undeclared) {
                out.add(at + ".messages[" + j + "] uses {{" + name + "}}, which " + at
                        + ".variables does not declare (version " + v.getVersion() + ")");
            }
        }
        return out;
    }

    /** The placeholders a text uses, in order of first use: the template engine's reading when it has one. */
    static Set<String> placeholders(String text) {
        if (text == null) {
            return Set.of();
        }
        try {
            return PromptTemplates.placeholders(text);
        } catch (UnsupportedOperationException notYet) {
            Set<String> out = new LinkedHashSet<>();
            Matcher m = PLACEHOLDER.matcher(text);
            while (m.find()) {
                out.add(m.group(1));
            }
            return out;
        }
    }
}
