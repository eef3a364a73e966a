package dev.tollgate.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A temp folder of manifests for a test profile, and the configuration that serves it in standalone mode. */
final class StandaloneFolder {
    private StandaloneFolder() {}

    /** A new temp folder holding {@code all.yaml} with the given manifests. */
    static Path create(String prefix, String manifests) {
        try {
            Path folder = Files.createTempDirectory(prefix);
            Files.writeString(folder.resolve("all.yaml"), manifests);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Config overrides serving {@code folder} in standalone mode, plus {@code extra} key/value pairs. */
    static Map<String, String> serve(Path folder, String... extra) {
        Map<String, String> config = new HashMap<>(Map.of("tollgate.mode", "standalone",
                "tollgate.standalone.dir", folder.toString()));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return config;
    }
}
