package dev.tollgate.gateway.provider;

import java.util.ArrayList;
import java.util.List;

/** Applies {@link UnsupportedParams} while one request is translated, collecting dropped names. */
public final class ParamPolicy {

    private final UnsupportedParams policy;
    private final String targetApi;
    private final List<String> dropped = new ArrayList<>();

    public ParamPolicy(UnsupportedParams policy, String targetApi) {
        this.policy = policy;
        this.targetApi = targetApi;
    }

    /**
     * Declares {@code param} unsupported: throws under REJECT, records it under DROP.
     *
     * @param advice what the client can do instead, appended to the message
     */
    public void unsupported(String param, String advice) {
        if (policy == UnsupportedParams.REJECT) {
            throw TranslationException.badRequest(param,
                    "Parameter '" + param + "' is not supported by " + targetApi + ". " + advice);
        }
        dropped.add(param);
    }

    public List<String> dropped() {
        return dropped;
    }
}
