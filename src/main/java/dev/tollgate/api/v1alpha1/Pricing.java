package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.util.List;

/** Prices in USD as decimal strings (at most 6 decimals), never floats. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Pricing {
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per 1,000,000 input (prompt) tokens, e.g. \"2.50\".")
    private String inputPerMillion;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per 1,000,000 output (completion) tokens, e.g. \"10.00\".")
    private String outputPerMillion;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per 1,000,000 input tokens the provider read from its prompt cache (OpenAI's "
            + "prompt_tokens_details.cached_tokens, Anthropic's cache_read_input_tokens, Gemini's "
            + "cachedContentTokenCount, Bedrock's cacheReadInputTokens), e.g. \"1.25\"; unset: priced as input.")
    private String cachedInputPerMillion;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per 1,000,000 input tokens written to the provider's prompt cache (Anthropic's "
            + "cache_creation_input_tokens at its 5-minute price, Bedrock's cacheWriteInputTokens), e.g. \"3.75\"; "
            + "unset: priced as input.")
    private String cacheWritePerMillion;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per generated image (image models).")
    private String perImage;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per second of compute (models priced by time, e.g. on Replicate), e.g. \"0.001400\". "
            + "Charged on pass-through routes: a Replicate prediction costs its metrics.predict_time times this.")
    private String perSecond;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per search unit of a rerank (POST /v1/rerank), e.g. \"0.002\" for Cohere's $2.00 per "
            + "1,000 searches. A rerank answer costs its search units (Cohere: one per query with up to 100 documents) "
            + "times this price.")
    private String perSearchUnit;

    @JsonPropertyDescription("Prices that apply instead when the prompt is larger than a threshold, e.g. Gemini 2.5 "
            + "Pro: [{aboveInputTokens: 200000, inputPerMillion: \"2.50\", outputPerMillion: \"15.00\"}]. Thresholds "
            + "ascending; the highest one the prompt is above applies to the whole request.")
    private List<PricingTier> tiers;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per 1,000,000 input characters, for models billed per character (PaLM 2 and older "
            + "Vertex AI models: Google lists per 1,000 characters, so multiply by 1,000). Characters are Unicode code "
            + "points of the prompt's text, white space excluded. A model with a character price is charged by "
            + "characters only.")
    private String inputPerMillionCharacters;
    @Pattern(Api.MONEY_PATTERN)
    @JsonPropertyDescription("USD per 1,000,000 output characters (see inputPerMillionCharacters).")
    private String outputPerMillionCharacters;

    public Pricing() {}

    public Pricing(String inputPerMillion, String outputPerMillion) {
        this.inputPerMillion = inputPerMillion;
        this.outputPerMillion = outputPerMillion;
    }

    public String getInputPerMillion() { return inputPerMillion; }
    public void setInputPerMillion(String inputPerMillion) { this.inputPerMillion = inputPerMillion; }
    public String getOutputPerMillion() { return outputPerMillion; }
    public void setOutputPerMillion(String outputPerMillion) { this.outputPerMillion = outputPerMillion; }
    public String getCachedInputPerMillion() { return cachedInputPerMillion; }
    public void setCachedInputPerMillion(String v) { this.cachedInputPerMillion = v; }
    public String getCacheWritePerMillion() { return cacheWritePerMillion; }
    public void setCacheWritePerMillion(String v) { this.cacheWritePerMillion = v; }
    public String getPerImage() { return perImage; }
    public void setPerImage(String perImage) { this.perImage = perImage; }
    public String getPerSecond() { return perSecond; }
    public void setPerSecond(String perSecond) { this.perSecond = perSecond; }
    public String getPerSearchUnit() { return perSearchUnit; }
    public void setPerSearchUnit(String perSearchUnit) { this.perSearchUnit = perSearchUnit; }
    public List<PricingTier> getTiers() { return tiers; }
    public void setTiers(List<PricingTier> tiers) { this.tiers = tiers; }
    public String getInputPerMillionCharacters() { return inputPerMillionCharacters; }
    public void setInputPerMillionCharacters(String v) { this.inputPerMillionCharacters = v; }
    public String getOutputPerMillionCharacters() { return outputPerMillionCharacters; }
    public void setOutputPerMillionCharacters(String v) { this.outputPerMillionCharacters = v; }
}
