package dev.tollgate;

import java.util.regex.Pattern;

/**
 * What the API server accepts as a name or a label value, as k8s.io/apimachinery/pkg/util/validation defines it
 * (IsDNS1035Label, IsDNS1123Subdomain, IsValidLabelValue): written out here, independently of the code under
 * test, so the tests can check the names that code derives.
 */
public final class KubernetesNames {
    private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(DNS1123_LABEL + "(\\." + DNS1123_LABEL + ")*");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    private KubernetesNames() {}

    /** A Service's name. */
    public static boolean isDns1035Label(String s) {
        return s.length() <= 63 && DNS1035_LABEL.matcher(s).matches();
    }

    /** The name of a ConfigMap, Secret, Deployment, ServiceAccount, Role, RoleBinding or custom resource. */
    public static boolean isDns1123Subdomain(String s) {
        return s.length() <= 253 && DNS1123_SUBDOMAIN.matcher(s).matches();
    }

    public static boolean isLabelValue(String s) {
        return s.length() <= 63 && LABEL_VALUE.matcher(s).matches();
    }
}
