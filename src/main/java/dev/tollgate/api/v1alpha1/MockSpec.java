package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** The deterministic mock provider: used by samples, tests and benchmarks. No network. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MockSpec {
    @Pattern(Api.DURATION_PATTERN)
    @Default("0ms")
    @JsonPropertyDescription("Delay before the first byte of the answer, e.g. 50ms. Default 0ms.")
    private String latency = "0ms";
    @Pattern(Api.DURATION_PATTERN)
    @Default("0ms")
    @JsonPropertyDescription("Delay between streamed chunks. Default 0ms.")
    private String chunkInterval = "0ms";
    @Min(1)
    @Max(100000)
    @Default("16")
    @JsonPropertyDescription("Completion tokens in every answer (one streamed chunk per token), fewer when the "
            + "request's max_tokens or stop cuts it. Default 16.")
    private Integer outputTokens = 16;
    @JsonPropertyDescription("Fixed answer text. Default: an echo of the last user message, repeated or cut to "
            + "outputTokens words.")
    private String response;

    public String getLatency() { return latency; }
    public void setLatency(String latency) { this.latency = latency; }
    public String getChunkInterval() { return chunkInterval; }
    public void setChunkInterval(String chunkInterval) { this.chunkInterval = chunkInterval; }
    public Integer getOutputTokens() { return outputTokens; }
    public void setOutputTokens(Integer outputTokens) { this.outputTokens = outputTokens; }
    public String getResponse() { return response; }
    public void setResponse(String response) { this.response = response; }
}
