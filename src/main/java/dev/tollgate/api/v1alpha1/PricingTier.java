package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Prices for requests whose prompt is larger than a threshold (e.g. Gemini 2.5 Pro's "prompts > 200k tokens"). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PricingTier {
    @Required
    @Min(1)
    @JsonPropertyDescription("The tier applies to a request whose prompt has more input tokens than this (cached ones "
            + "included); a prompt of exactly this size keeps the lower prices. The whole request, input and output, "
            + "then pays this tier's prices.")
    private Long aboveInputTokens;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per 1,000,000 input tokens in this tier; unset: the base inputPerMillion.")
    private String inputPerMillion;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per 1,000,000 output tokens in this tier; unset: the base outputPerMillion.")
    private String outputPerMillion;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per 1,000,000 input tokens read from the provider's prompt cache in this tier; "
            + "unset: the base cachedInputPerMillion.")
    private String cachedInputPerMillion;

    public PricingTier() {}

    public PricingTier(long aboveInputTokens, String inputPerMillion, String outputPerMillion) {
        this.aboveInputTokens = aboveInputTokens;
        this.inputPerMillion = inputPerMillion;
        this.outputPerMillion = outputPerMillion;
    }

    public Long getAboveInputTokens() { return aboveInputTokens; }
    public void setAboveInputTokens(Long aboveInputTokens) { this.aboveInputTokens = aboveInputTokens; }
    public String getInputPerMillion() { return inputPerMillion; }
    public void setInputPerMillion(String inputPerMillion) { this.inputPerMillion = inputPerMillion; }
    public String getOutputPerMillion() { return outputPerMillion; }
    public String getCachedInputPerMillion() { return cachedInputPerMillion; }
    public void setCachedInputPerMillion(String v) { this.cachedInputPerMillion = v; }
    public void setOutputPerMillion(String outputPerMillion) { this.outputPerMillion = outputPerMillion; }
}
