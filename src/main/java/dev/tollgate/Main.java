package dev.tollgate;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * {@code tollgate [operator | gateway | standalone [folder]]}. The arguments become the configuration
 * properties {@code tollgate.mode} and {@code tollgate.standalone.dir} before Quarkus starts, so every mode is
 * equally reachable from the command line, the environment (TOLLGATE_MODE) and tests.
 */
@QuarkusMain
public class Main {
    static final String USAGE = """
            usage: tollgate [operator | gateway | standalone [FOLDER]]
              operator            reconcile LlmModel, VirtualKey, Budget and GatewayDeployment resources
              gateway             serve the LLM API from a GatewayDeployment's rendered config (in a pod)
              standalone [FOLDER] serve the manifests in FOLDER without a cluster (default: the embedded sample)
            """;

    public static void main(String... args) {
        try {
            applyArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("tollgate: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
        Quarkus.run(args);
    }

    static void applyArgs(String... args) {
        if (args.length == 0) {
            return;
        }
        if (args[0].equals("-h") || args[0].equals("--help")) {
            System.out.print(USAGE);
            System.exit(0);
        }
        Mode mode = Mode.parse(args[0]);
        System.setProperty("tollgate.mode", mode.name().toLowerCase(java.util.Locale.ROOT));
        if (mode == Mode.STANDALONE && args.length > 1) {
            System.setProperty("tollgate.standalone.dir", args[1]);
        } else if (args.length > 1) {
            throw new IllegalArgumentException("mode " + args[0] + " takes no further arguments");
        }
    }
}
