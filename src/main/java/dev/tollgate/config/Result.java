package dev.tollgate.config;

/** A value or the {@link Problem} that prevents it. */
public record Result<T>(T value, Problem problem) {
    public static <T> Result<T> ok(T value) {
        return new Result<>(value, null);
    }

    public static <T> Result<T> fail(Problem problem) {
        return new Result<>(null, problem);
    }

    public boolean ok() {
        return problem == null;
    }
}
