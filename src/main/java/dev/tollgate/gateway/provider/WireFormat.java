package dev.tollgate.gateway.provider;

/** The request/response dialect an upstream speaks natively. */
public enum WireFormat { OPENAI, ANTHROPIC }
