package dev.tollgate.gateway.validation;

/** What is wrong with one value (the field is named by whoever found it): made only when something is wrong. */
record Problem(InvalidRequest.Kind kind, String code, String detail) {}
