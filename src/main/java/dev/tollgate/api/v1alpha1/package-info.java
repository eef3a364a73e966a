/**
 * The Tollgate API, group {@code llm.tollgate.dev}, version {@code v1alpha1}.
 *
 * <p>These classes are the source of truth for the CRDs under {@code crds/} (generated at build time; a test
 * fails when the committed files drift). Kind classes have empty bodies; every spec field carries a
 * description; enums and ranges are schema-validated and cross-field rules are CEL. Money is always a decimal
 * string in USD (e.g. {@code "25.00"}), never a float.
 */
package dev.tollgate.api.v1alpha1;
