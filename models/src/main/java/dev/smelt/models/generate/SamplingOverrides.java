package dev.smelt.models.generate;

/**
 * Settings a user gave explicitly (null = not given), laid over the model's defaults. Asking for a temperature
 * above 0 turns sampling on; top-k and top-p the user did not give are then off rather than inherited from
 * generation_config.json, so {@code --temperature 0.8} alone means plain temperature sampling.
 */
public record SamplingOverrides(Integer maxNewTokens, Double temperature, Double topP, Integer topK,
        Double repetitionPenalty, Long seed) {

    public SamplingParams applyTo(SamplingParams base) {
        SamplingParams p = base;
        if (maxNewTokens != null) p = p.withMaxNewTokens(maxNewTokens);
        if (temperature != null) {
            p = p.withTemperature(temperature);
            if (temperature > 0 && base.isGreedy()) {
                if (topP == null) p = p.withTopP(1.0);
                if (topK == null) p = p.withTopK(0);
            }
        }
        if (topP != null) p = p.withTopP(topP);
        if (topK != null) p = p.withTopK(topK);
        if (repetitionPenalty != null) p = p.withRepetitionPenalty(repetitionPenalty);
        if (seed != null) p = p.withSeed(seed);
        return p;
    }
}
